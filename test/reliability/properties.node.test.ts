/**
 * Property: through the Node adapter over a real socket, the app sees exactly the request that
 * was sent and the client gets back exactly the bytes the app produced, every Set-Cookie, and
 * close() once.
 */
import { Agent, type IncomingMessage, request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerHandle, serve } from '../../adapters/node/index.js';
import type { App } from '../../src/index.js';
import { echoApp } from './_echo.js';
import {
  cookieHeader,
  expectedBody,
  expectedSetCookies,
  expectedTestHeaders,
  headerGroups,
  type Model,
  model,
  RUNS,
  rawQuery,
  TIMEOUT,
  testHeadersOf,
} from './_model.js';

let server: ServerHandle;
let current: App | undefined;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

beforeAll(async () => {
  server = await serve((environ, startResponse) => current!(environ, startResponse), {
    host: '127.0.0.1',
    port: 0,
  });
});

afterAll(async () => {
  agent.destroy();
  await server?.close();
});

function send(m: Model): Promise<{ res: IncomingMessage; body: Uint8Array }> {
  const query = rawQuery(m);
  // Raw header pairs keep repeats apart; Node then adds no Host of its own.
  const headers: [string, string][] = [['Host', `127.0.0.1:${server.port}`], ...m.headers];
  if (m.cookies.length > 0) headers.push(['Cookie', cookieHeader(m)]);
  if (m.contentType !== undefined) headers.push(['Content-Type', m.contentType]);
  if (m.method !== 'GET' && m.method !== 'HEAD') {
    headers.push(['Content-Length', String(m.body.byteLength)]);
  }
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: server.port,
      agent,
      method: m.method,
      path: m.rawPath + (query === '' ? '' : `?${query}`),
      headers: headers.flat(),
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ res, body: new Uint8Array(Buffer.concat(chunks)) }));
    });
    req.end(m.body.byteLength > 0 ? m.body : undefined);
  });
}

describe('node adapter, generated requests over a socket', () => {
  it(`answers every request with what the app produced (${RUNS} runs)`, {
    timeout: TIMEOUT,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(model, async (m) => {
        const { app, state } = echoApp(m);
        current = app;
        const { res, body } = await send(m);

        const seen = state.seen;
        if (seen === undefined) {
          throw new Error(`the app was not reached: ${res.statusCode} ${Buffer.from(body)}`);
        }
        expect(seen.environ.REQUEST_METHOD).toBe(m.method);
        expect(seen.environ.SCRIPT_NAME).toBe('');
        expect(seen.environ.PATH_INFO).toBe(m.pathInfo);
        expect(seen.environ.QUERY_STRING).toBe(rawQuery(m));
        expect(testHeadersOf(seen.environ)).toEqual(expectedTestHeaders(headerGroups(m.headers)));
        expect(seen.environ.HTTP_COOKIE).toBe(m.cookies.length > 0 ? cookieHeader(m) : undefined);
        expect(seen.environ.CONTENT_TYPE).toBe(m.contentType);
        const sentLength = m.method !== 'GET' && m.method !== 'HEAD';
        expect(seen.environ.CONTENT_LENGTH).toBe(
          sentLength ? String(m.body.byteLength) : undefined,
        );
        expect(seen.environ.REMOTE_ADDR).toBe('127.0.0.1');
        expect(new Uint8Array(seen.body)).toEqual(m.body);

        expect(res.statusCode).toBe(200);
        expect(res.headers['set-cookie'] ?? []).toEqual(expectedSetCookies(m));
        expect(body).toEqual(expectedBody(m));
        // close() runs once the last chunk is handed on, which may be just after the client
        // has the whole response.
        for (let i = 0; i < 100 && state.closed === 0; i++)
          await new Promise((r) => setTimeout(r, 1));
        expect(state.closed).toBe(1);
        expect(app.violations).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });
});
