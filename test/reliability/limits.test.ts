/**
 * Request bodies over the Node adapter's limit: a declared Content-Length over it is a 413
 * before the app runs; a chunked body that grows past it stops the app's reading and is a 413.
 * Either way the connection is closed, since the rest of the body is never read.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerHandle, serve } from '../../adapters/node/index.js';
import type { App } from '../../src/index.js';

const LIMIT = 1024 * 1024;
let server: ServerHandle;
let calls = 0;
let closes = 0;
let readError = '';

const reader: App = async (environ, startResponse) => {
  calls++;
  try {
    await environ['wsgi.input'].read();
  } catch (error) {
    readError = String(error);
    throw error;
  }
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return Object.assign(['read it all'], {
    close() {
      closes++;
    },
  });
};

beforeAll(async () => {
  server = await serve(reader, {
    host: '127.0.0.1',
    port: 0,
    maxBodySize: LIMIT,
    errors: { write() {}, flush() {} },
  });
});
afterAll(async () => {
  await server?.close();
});

/** Sends `size` bytes; resolves with the answer, or with the error if the server cut us off. */
function upload(size: number, chunked: boolean) {
  return new Promise<{ status?: number; connection?: string; body?: string; error?: string }>(
    (resolve) => {
      const req = request({
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: '/',
        agent: false,
        headers: chunked ? {} : { 'Content-Length': String(size) },
      });
      req.on('error', (error) => resolve({ error: error.message }));
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode, connection: res.headers.connection, body }),
        );
        res.on('error', () => resolve({ status: res.statusCode, body }));
      });
      const block = new Uint8Array(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < size) {
          sent += block.byteLength;
          if (req.destroyed) return;
          if (!req.write(block)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    },
  );
}

describe('request bodies over the Node limit', () => {
  it('a Content-Length over the limit: 413 and Connection: close, the app is not called', async () => {
    calls = 0;
    const answer = await upload(50 * LIMIT, false);
    // The 413 goes out at once; the client may still be writing when the server closes.
    if (answer.error === undefined) {
      expect(answer.status).toBe(413);
      expect(answer.connection).toBe('close');
      expect(answer.body).toMatch(/over the limit of 1048576/);
    } else {
      expect(answer.error).toMatch(/EPIPE|ECONNRESET|socket hang up/);
    }
    expect(calls).toBe(0);
  });

  it('a chunked body that grows past the limit: the read in the app fails, then 413', async () => {
    calls = 0;
    readError = '';
    const answer = await upload(4 * LIMIT, true);
    if (answer.error === undefined) {
      expect(answer.status).toBe(413);
      expect(answer.connection).toBe('close');
    } else {
      expect(answer.error).toMatch(/EPIPE|ECONNRESET|socket hang up/);
    }
    expect(calls).toBe(1);
    expect(readError).toMatch(/over the limit of 1048576 bytes/);
  });

  it('a body at the limit is read whole, and close() runs once', async () => {
    calls = 0;
    closes = 0;
    const answer = await upload(LIMIT, false);
    expect(answer).toMatchObject({ status: 200, body: 'read it all' });
    expect(closes).toBe(1);
  });
});
