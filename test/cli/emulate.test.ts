/**
 * `tsgi serve --emulate`: a request over HTTP must come back exactly as the adapter answers the
 * matching event (or Request) in-process.
 */
import { randomBytes } from 'node:crypto';
import { type IncomingHttpHeaders, request } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  buildEvent,
  decodeResult,
  type EventKindName,
  handler,
} from '../../adapters/aws-lambda/index.js';
import { fetchHandler } from '../../adapters/cloudflare/index.js';
import app from '../../examples/hello/app.js';
import { HELLO, startServe } from './_cli.js';

interface Answer {
  status: number;
  cookies: string[];
  type: string | undefined;
  body: Buffer;
}

/** One request over a real socket with exactly these headers (plus Host and Connection). */
function send(url: string, method: string, headers: Record<string, string>, body?: Uint8Array) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(url, { method, headers });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(answer(res.statusCode!, res.headers, Buffer.concat(chunks))));
      res.on('error', reject);
    });
    req.end(body);
  });
}

function answer(status: number, headers: IncomingHttpHeaders, body: Buffer): Answer {
  const cookies = headers['set-cookie'] ?? [];
  return { status, cookies, type: headers['content-type'], body };
}

/** A body over --max-body gets 413, declared or chunked, before the platform sees it. */
async function expectTooLarge(url: string): Promise<void> {
  const big = randomBytes(100 * 1024);
  const declared = await send(
    `${url}/echo`,
    'POST',
    { 'Content-Length': String(big.byteLength) },
    big,
  );
  expect(declared.status).toBe(413);
  const chunked = await send(`${url}/echo`, 'POST', { 'Transfer-Encoding': 'chunked' }, big);
  expect(chunked.status).toBe(413);
}

const KINDS: EventKindName[] = ['aws-v1', 'aws-v2', 'alb', 'function-url', 'edge'];
const binary = randomBytes(5000);
const REQUESTS: { method: string; path: string; headers: Record<string, string>; body?: Buffer }[] =
  [
    {
      method: 'GET',
      path: '/environ?q=a%20b&q=c',
      headers: { 'X-Probe': 'yes', Cookie: 'a=1; b=2' },
    },
    { method: 'GET', path: '/cookies', headers: {} },
    {
      method: 'POST',
      path: '/echo',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: binary,
    },
    {
      method: 'POST',
      path: '/echo',
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      body: Buffer.from('héllo'),
    },
    { method: 'GET', path: '/nowhere', headers: {} },
  ];

describe('tsgi serve --emulate', () => {
  it.each(KINDS)('%s answers as the Lambda adapter does for the matching event', async (kind) => {
    const server = await startServe([HELLO, '--port', '0', '--emulate', kind, '--max-body', '64k']);
    try {
      const host = new URL(server.url).host;
      const invoke = handler(app);
      for (const { method, path, headers, body } of REQUESTS) {
        const live = await send(`${server.url}${path}`, method, headers, body);
        const event = buildEvent(kind, {
          method,
          path,
          headers: { ...headers, Host: host },
          ...(body && { body }),
          ...(kind !== 'function-url' && { host }),
          sourceIp: '127.0.0.1',
        });
        const expected = decodeResult(kind, await invoke(event, { awsRequestId: 'test' }));
        const type = expected.headers.find(([name]) => name.toLowerCase() === 'content-type');
        expect(live.status, `${method} ${path}`).toBe(expected.statusCode);
        expect(live.type, `${method} ${path}`).toBe(type?.[1]);
        expect(live.cookies, `${method} ${path}`).toEqual(
          expected.headers
            .filter(([name]) => name.toLowerCase() === 'set-cookie')
            .map(([, v]) => v),
        );
        expect(Buffer.compare(live.body, Buffer.from(expected.body)), `${method} ${path}`).toBe(0);
      }
      await expectTooLarge(server.url);
      expect(server.stdout()).toContain('(emulating');
      expect(server.stdout()).toMatch(/^POST \/echo 200 5000B /m);
    } finally {
      await server.stop();
    }
  });

  it('cloudflare answers as the fetch adapter does for the matching Request', async () => {
    const server = await startServe([
      HELLO,
      '--port',
      '0',
      '--emulate',
      'cloudflare',
      '--max-body',
      '64k',
    ]);
    try {
      const fetch = fetchHandler(app);
      for (const { method, path, headers, body } of REQUESTS) {
        const live = await send(`${server.url}${path}`, method, headers, body);
        const expectedRequest = new Request(`${server.url}${path}`, {
          method,
          headers: { ...headers, 'CF-Connecting-IP': '127.0.0.1' },
          ...(body && { body: new Uint8Array(body) }),
        });
        Object.defineProperty(expectedRequest, 'cf', { value: { colo: 'LOCAL' } });
        const expected = await fetch(expectedRequest, {}, { waitUntil: () => {} });
        const expectedBody = Buffer.from(await expected.arrayBuffer());
        expect(live.status).toBe(expected.status);
        expect(live.type).toBe(expected.headers.get('content-type') ?? undefined);
        expect(live.cookies).toEqual(expected.headers.getSetCookie());
        if (path.startsWith('/environ')) {
          // Node's client adds Host and Connection; the rest must match key for key.
          const environ = JSON.parse(live.body.toString());
          const wanted = JSON.parse(expectedBody.toString());
          expect(environ.REMOTE_ADDR).toBe('127.0.0.1');
          for (const key of [
            'PATH_INFO',
            'QUERY_STRING',
            'HTTP_X_PROBE',
            'HTTP_COOKIE',
            'REMOTE_ADDR',
            'SERVER_PORT',
          ]) {
            expect(environ[key], key).toBe(wanted[key]);
          }
        } else {
          expect(Buffer.compare(live.body, expectedBody), `${method} ${path}`).toBe(0);
        }
      }
      await expectTooLarge(server.url);
    } finally {
      await server.stop();
    }
  });

  it.each(['aws-v2', 'cloudflare'])(
    '%s: a client that leaves mid-upload is logged as aborted, not as a failure',
    async (kind) => {
      const server = await startServe([HELLO, '--port', '0', '--emulate', kind]);
      try {
        const { port } = new URL(server.url);
        const socket = connect(Number(port), '127.0.0.1');
        socket.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\npartial');
        await new Promise((resolve) => setTimeout(resolve, 200));
        socket.destroy();
        // The server goes on serving, and says what happened.
        const after = await send(`${server.url}/nowhere`, 'GET', {});
        expect(after.status).toBe(404);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(server.stdout()).toMatch(/^POST \/echo .*aborted/m);
        expect(server.stderr()).not.toMatch(/emulation failure/);
      } finally {
        await server.stop();
      }
    },
  );
});
