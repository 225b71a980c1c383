/**
 * Hostile HTTP: junk Host headers, X-Forwarded-For spoofing (REMOTE_ADDR must not move), NUL
 * and raw control bytes in the request line, over real sockets and through every front end.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../adapters/aws-lambda/index.js';
import { fetchHandler } from '../../adapters/cloudflare/index.js';
import { type ServerHandle, serve } from '../../adapters/node/index.js';
import type { Environ } from '../../src/index.js';
import { lint, proxyFix } from '../../src/middleware/index.js';
import { Client } from '../../src/testing/index.js';
import { eventFor, KINDS, readResult } from './_aws.js';
import { plainRequest, RUNS, TIMEOUT } from './_model.js';
import { rawRequest } from './_raw.js';

let seen: Environ[] = [];
const recorder = lint((environ, startResponse) => {
  seen.push(environ);
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['ok'];
});

let server: ServerHandle;
beforeAll(async () => {
  server = await serve(recorder, {
    host: '127.0.0.1',
    port: 0,
    errors: { write() {}, flush() {} },
  });
});
afterAll(async () => {
  await server?.close();
});

/** Sends raw bytes on a fresh connection; resolves with the status code of the answer. */
async function raw(request: string | Buffer): Promise<number> {
  return (await rawRequest(server.port, request)).status;
}

const JUNK_HOSTS = [
  'evil.example:abc',
  '[::1]:99999',
  'a b',
  '',
  'x'.repeat(8000),
  'host:80:90',
  '127.0.0.1:0',
  '%00',
  'ex\tample.com',
  '[::1',
  '::::',
  'example.com:-1',
  '\u00e9xample.com',
];

describe('Node: junk Host headers', () => {
  it.each(JUNK_HOSTS.map((h) => [h.length > 40 ? `${h.slice(0, 10)}… (${h.length})` : h, h]))(
    'Host %j: a 400 from the parser or an environ the lint accepts',
    async (_label, host) => {
      seen = [];
      const status = await raw(
        Buffer.from(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, 'latin1'),
      );
      expect([200, 400]).toContain(status);
      if (status === 200) {
        expect(seen).toHaveLength(1);
        expect(seen[0]!.SERVER_PORT).toMatch(/^\d{1,5}$/);
        expect(seen[0]!.SERVER_NAME).not.toMatch(/[\r\n\0]/);
      }
      expect(recorder.violations).toEqual([]);
    },
  );

  it('a request line with a raw NUL or CR is refused by the parser, the app is not called', async () => {
    seen = [];
    expect(await raw('GET /a\u0000b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toBe(400);
    expect(await raw('GET /a\rb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toBe(400);
    expect(seen).toHaveLength(0);
  });

  it('%00 in the path reaches PATH_INFO as NUL (the app, or sharedData, must judge it)', async () => {
    seen = [];
    expect(await raw('GET /a%00b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toBe(200);
    expect(seen[0]!.PATH_INFO).toBe('/a\u0000b');
  });
});

const SPOOF = {
  'X-Forwarded-For': '6.6.6.6, 7.7.7.7',
  'X-Real-IP': '6.6.6.6',
  Forwarded: 'for=6.6.6.6',
  'CF-Connecting-IP': '6.6.6.6',
  'True-Client-IP': '6.6.6.6',
};

describe('X-Forwarded-For spoofing: REMOTE_ADDR does not move', () => {
  it('Node: REMOTE_ADDR is the socket peer', async () => {
    seen = [];
    const headers = Object.entries(SPOOF)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    expect(await raw(`GET / HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`)).toBe(200);
    expect(seen[0]!.REMOTE_ADDR).toBe('127.0.0.1');
    expect(seen[0]!.HTTP_X_FORWARDED_FOR).toBe('6.6.6.6, 7.7.7.7');
  });

  it('fetch outside Cloudflare: no REMOTE_ADDR at all (CF-Connecting-IP is not trusted)', async () => {
    seen = [];
    await fetchHandler(recorder)(new Request('https://example.test/', { headers: SPOOF }));
    expect(seen[0]!.REMOTE_ADDR).toBeUndefined();
  });

  it('fetch through Cloudflare (request.cf set): CF-Connecting-IP, never X-Forwarded-For', async () => {
    seen = [];
    const request = new Request('https://example.test/', {
      headers: { ...SPOOF, 'CF-Connecting-IP': '198.51.100.1' },
    });
    Object.defineProperty(request, 'cf', { value: { colo: 'LHR' } });
    await fetchHandler(recorder)(request);
    expect(seen[0]!.REMOTE_ADDR).toBe('198.51.100.1');
  });

  it.each(KINDS)('%s: the address the front end vouches for', async (kind) => {
    const { event, expect: expected } = eventFor(kind, plainRequest(), 0);
    // The client's spoofed headers ride along in whichever header shape the event uses.
    const add = (name: string, value: string) => {
      const e = event as Record<string, unknown>;
      if (kind === 'edge') {
        const request = (
          e.Records as { cf: { request: { headers: Record<string, unknown> } } }[]
        )[0]!.cf.request;
        request.headers[name.toLowerCase()] = [{ key: name, value }];
      } else if (e.multiValueHeaders) {
        const multi = e.multiValueHeaders as Record<string, string[]>;
        const key = kind === 'rest-v1' ? name : name.toLowerCase();
        multi[key] = kind.startsWith('alb') && multi[key] ? [value, ...multi[key]!] : [value];
      } else {
        const headers = e.headers as Record<string, string>;
        const key = name.toLowerCase();
        headers[key] = kind === 'alb' && headers[key] ? `${value}, ${headers[key]}` : value;
      }
    };
    for (const [name, value] of Object.entries(SPOOF)) add(name, value);
    seen = [];
    const result = await handler(recorder, { logger: () => {} })(event as never);
    expect(readResult(kind, result).status).toBe(200);
    expect(seen[0]!.REMOTE_ADDR).toBe(expected.remoteAddr);
  });
});

describe('junk Host headers on Lambda and fetch', () => {
  it.each(JUNK_HOSTS.filter((h) => h.length < 100))(
    'http-v2 with Host %j: SERVER_PORT stays digits, the lint accepts the environ',
    async (host) => {
      const { event } = eventFor('http-v2', plainRequest(), 0);
      (event.headers as Record<string, string>).host = host;
      seen = [];
      const result = await handler(recorder, { logger: () => {} })(event as never);
      expect(readResult('http-v2', result).status).toBe(200);
      expect(seen[0]!.SERVER_PORT).toMatch(/^\d{1,5}$/);
      expect(recorder.violations).toEqual([]);
    },
  );

  it('fetch: SERVER_NAME comes from the URL, not from a Host header the client set', async () => {
    seen = [];
    await fetchHandler(recorder)(
      new Request('https://example.test/', { headers: { Host: 'evil.example:666' } }),
    );
    expect(seen[0]!.SERVER_NAME).toBe('example.test');
    expect(seen[0]!.SERVER_PORT).toBe('443');
  });
});

describe('proxyFix behind one trusted proxy, generated forwarded headers', () => {
  const junk = fc.oneof(
    fc.constantFrom(
      '6.6.6.6',
      '::1',
      '[::1]:80',
      'unknown',
      '',
      ' ',
      'a b',
      '1.2.3.4:5',
      '../x',
      '%00',
    ),
    fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n\0,]/g, '')),
  );
  it(`REMOTE_ADDR is the right-most entry or unchanged, and the environ stays valid (${RUNS} runs)`, {
    timeout: TIMEOUT,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(junk, { maxLength: 4 }),
        fc.constantFrom('203.0.113.9', '2001:db8::9'),
        fc.record({ proto: junk, host: junk, port: junk, prefix: junk }),
        async (spoofed, real, others) => {
          let environ: Environ | undefined;
          const inner = lint((e, startResponse) => {
            environ = e;
            startResponse('200 OK', [['Content-Type', 'text/plain']]);
            return ['ok'];
          });
          const app = proxyFix(inner, { for: 1, proto: 1, host: 1, port: 1, prefix: 1 });
          const response = await new Client(app).get('/', {
            remoteAddr: '10.0.0.1',
            headers: {
              'X-Forwarded-For': [...spoofed, real].join(', '),
              'X-Forwarded-Proto': others.proto,
              'X-Forwarded-Host': others.host,
              'X-Forwarded-Port': others.port,
              'X-Forwarded-Prefix': others.prefix,
            },
          });
          expect(response.statusCode).toBe(200);
          expect(environ!.REMOTE_ADDR).toBe(real);
          expect(inner.violations).toEqual([]);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('huge header counts over HTTP', () => {
  it('Node: 10,000 headers (160 KiB) are refused by the parser with 431, the app is not called', async () => {
    seen = [];
    const headers = Array.from({ length: 10_000 }, (_, i) => `X-Many-${i}: v\r\n`).join('');
    expect(await raw(`GET / HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`)).toBe(431);
    expect(seen).toHaveLength(0);
  });

  it('Node: 500 headers within the size limit all reach the app', async () => {
    seen = [];
    const headers = Array.from({ length: 500 }, (_, i) => `X-M-${i}: v\r\n`).join('');
    expect(await raw(`GET / HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`)).toBe(200);
    expect(Object.keys(seen[0]!).filter((k) => k.startsWith('HTTP_X_M_'))).toHaveLength(500);
  });

  it('fetch: a Request with 10,000 headers is answered, every header reaches the app', async () => {
    seen = [];
    const headers = new Headers();
    for (let i = 0; i < 10_000; i++) headers.append(`x-many-${i}`, 'v');
    const response = await fetchHandler(recorder)(
      new Request('https://example.test/', { headers }),
    );
    expect(response.status).toBe(200);
    expect(Object.keys(seen[0]!).filter((k) => k.startsWith('HTTP_X_MANY_'))).toHaveLength(10_000);
  });
});
