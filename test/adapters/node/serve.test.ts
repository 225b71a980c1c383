import { randomBytes } from 'node:crypto';
import { type IncomingMessage, request } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  nodeListener,
  type RequestLog,
  type ServerHandle,
  serve,
  urlFor,
} from '../../../adapters/node/index.js';
import type { App, Environ } from '../../../src/index.js';
import { errorStream } from '../../../src/index.js';
import { lint } from '../../../src/middleware/index.js';
import { idleEventStream } from '../../_apps.js';
import { TEST_CERT, TEST_KEY } from './_tls.js';

/** A request over a real socket; resolves with the response once its head arrives. */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Uint8Array | string[] } = {},
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const { body } = options;
    const headers = { ...options.headers };
    if (body instanceof Uint8Array) headers['Content-Length'] = String(body.byteLength);
    const req = request(url, { method: options.method ?? 'GET', headers });
    req.on('response', resolve);
    req.on('error', reject);
    if (Array.isArray(body)) for (const piece of body) req.write(piece);
    else if (body) req.write(body);
    req.end();
  });
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('serve', () => {
  let logged = '';
  const errors = errorStream((line) => {
    logged += `${line}\n`;
  });
  const seen: Environ[] = [];
  const routes: Record<string, App> = {};
  const app: App = (environ, startResponse) => {
    const route = routes[environ.PATH_INFO];
    if (route) return route(environ, startResponse);
    seen.push(environ);
    startResponse('404 Not Found', [['Content-Type', 'text/plain']]);
    return ['no route'];
  };
  const checked = lint(app);
  let server: ServerHandle;

  beforeAll(async () => {
    server = await serve(checked, { port: 0, maxBodySize: 4 * 1024 * 1024, errors });
  });
  afterAll(async () => {
    await server.close();
  });

  it('binds 127.0.0.1 by default and reports its URL', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('writes URLs with IPv6 literals in brackets', () => {
    expect(urlFor('::1', 8080)).toBe('http://[::1]:8080');
  });

  it('takes an HTTP/1.0 request in absolute form over a raw socket', async () => {
    const socket = connect(server.port, '127.0.0.1');
    // The target's authority wins over Host (RFC 9112 §3.2.2).
    socket.write('GET http://example.test:81/abs%20path?q=1 HTTP/1.0\r\nHost: other.test\r\n\r\n');
    let reply = '';
    for await (const chunk of socket) reply += String(chunk);
    expect(reply).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    const environ = seen.at(-1)!;
    expect(environ.SERVER_PROTOCOL).toBe('HTTP/1.0');
    expect(environ.PATH_INFO).toBe('/abs path');
    expect(environ.QUERY_STRING).toBe('q=1');
    expect(environ.SERVER_NAME).toBe('example.test');
    expect(environ.SERVER_PORT).toBe('81');
    expect(environ.HTTP_HOST).toBe('example.test:81');
    // REQUEST_URI is the path and query (SPEC §2), as it is for an origin-form target.
    expect(environ.REQUEST_URI).toBe('/abs%20path?q=1');
  });

  const loopbackV6 = Object.values(networkInterfaces()).some((list) =>
    list?.some((address) => address.address === '::1'),
  );

  it.skipIf(!loopbackV6)(
    'names an IPv6 server in brackets when the request has no Host',
    async () => {
      const own = await serve(
        (environ, startResponse) => {
          startResponse('200 OK', [['Content-Type', 'text/plain']]);
          return [`${environ.SERVER_NAME} ${environ.SERVER_PORT}`];
        },
        { host: '::1', port: 0 },
      );
      try {
        const socket = connect(own.port, '::1');
        socket.write('GET / HTTP/1.0\r\n\r\n');
        let reply = '';
        for await (const chunk of socket) reply += String(chunk);
        expect(reply.endsWith(`\r\n\r\n[::1] ${own.port}`), reply).toBe(true);
      } finally {
        await own.close();
      }
    },
  );

  it('takes SERVER_PORT from Host, else X-Forwarded-Port, else the default (SPEC §2)', async () => {
    const portFor = async (headers: string) => {
      const socket = connect(server.port, '127.0.0.1');
      socket.write(`GET / HTTP/1.0\r\n${headers}\r\n`);
      for await (const _ of socket);
      return seen.at(-1)!.SERVER_PORT;
    };
    expect(await portFor('Host: example.test\r\nX-Forwarded-Port: 8443\r\n')).toBe('8443');
    expect(await portFor('Host: example.test:81\r\nX-Forwarded-Port: 8443\r\n')).toBe('81');
    expect(await portFor('Host: example.test\r\n')).toBe('80');
    // Two values say nothing certain: the default stands.
    expect(
      await portFor('Host: example.test\r\nX-Forwarded-Port: 1\r\nX-Forwarded-Port: 2\r\n'),
    ).toBe('80');
  });

  it('sends a list answer whole, with its Content-Length, not a chunk per item', async () => {
    // Without lint in front, which hands the list on as an iterator.
    const own = await serve(
      (_environ, startResponse) => {
        startResponse('200 OK', [['Content-Type', 'text/plain']]);
        return Array.from({ length: 1000 }, () => 'x');
      },
      { port: 0 },
    );
    try {
      const socket = connect(own.port, '127.0.0.1');
      socket.write('GET /list HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      let reply = '';
      for await (const chunk of socket) reply += String(chunk);
      const [head, body] = reply.split('\r\n\r\n');
      expect(head).toMatch(/\r\nContent-Length: 1000\r\n/i);
      expect(head).not.toMatch(/Transfer-Encoding/i);
      expect(body).toBe('x'.repeat(1000));
    } finally {
      await own.close();
    }
  });

  it('keeps a connection usable after the app read only part of a large body', async () => {
    routes['/partial'] = async (environ, startResponse) => {
      await environ['wsgi.input'].read(10);
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['read 10'];
    };
    const socket = connect(server.port, '127.0.0.1');
    const big = Buffer.alloc(1024 * 1024, 97);
    socket.write(`POST /partial HTTP/1.1\r\nHost: x\r\nContent-Length: ${big.byteLength}\r\n\r\n`);
    socket.write(big);
    socket.write('GET /partial-next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    let reply = '';
    for await (const chunk of socket) reply += String(chunk);
    expect(reply.match(/^HTTP\/1\.1 \d+/gm)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 404']);
    expect(seen.at(-1)!.PATH_INFO).toBe('/partial-next');
  });

  it('closes and logs pipelined answers still waiting their turn when the client leaves', async () => {
    const closed: string[] = [];
    const logged: string[] = [];
    const own = await serve(
      (environ, startResponse) => {
        startResponse('200 OK', [['Content-Type', 'text/plain']]);
        return (async function* () {
          try {
            if (environ.PATH_INFO === '/slow') {
              await new Promise((resolve) => setTimeout(resolve, 300));
              yield 'slow';
              return;
            }
            for (;;) {
              yield 'tick\n';
              await new Promise((resolve) => setTimeout(resolve, 5));
            }
          } finally {
            closed.push(environ.PATH_INFO);
          }
        })();
      },
      { port: 0, onResponse: (entry) => logged.push(`${entry.url} ${entry.aborted}`) },
    );
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const socket = connect(own.port, '127.0.0.1');
      const queued = Array.from({ length: 15 }, (_, i) => `/forever${i}`);
      socket.write(
        ['/slow', ...queued].map((path) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.destroy();
      await vi.waitFor(() => expect(closed.length).toBe(16), { timeout: 5000 });
      await vi.waitFor(() => expect(logged.length).toBe(16));
      expect(logged.every((line) => line.endsWith(' true'))).toBe(true);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await own.close();
    }
  });

  it('logs a pipelined request the client left while its app still works, without waiting for it', async () => {
    const logged: string[] = [];
    let release!: () => void;
    const working = new Promise<void>((resolve) => {
      release = resolve;
    });
    const own = await serve(
      async (environ, startResponse) => {
        if (environ.PATH_INFO === '/slow') await new Promise((resolve) => setTimeout(resolve, 200));
        else await working;
        startResponse('200 OK', [['Content-Type', 'text/plain']]);
        return ['done'];
      },
      { port: 0, onResponse: (entry) => logged.push(`${entry.url} ${entry.aborted}`) },
    );
    try {
      const socket = connect(own.port, '127.0.0.1');
      socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /work HTTP/1.1\r\nHost: x\r\n\r\n');
      await new Promise((resolve) => setTimeout(resolve, 50));
      socket.destroy();
      await vi.waitFor(() => expect(logged.sort()).toEqual(['/slow true', '/work true']));
    } finally {
      release();
      await own.close();
    }
  });

  it('keeps the connection after a HEAD whose app read part of a large body and works on', async () => {
    const own = await serve(
      async (environ, startResponse) => {
        if (environ.REQUEST_METHOD === 'GET') {
          startResponse('200 OK', [['Content-Type', 'text/plain']]);
          return ['next'];
        }
        await environ['wsgi.input'].read(1);
        startResponse('200 OK', [['Content-Type', 'text/event-stream']])('data: x\n\n');
        await new Promise(() => {}); // an event stream that never ends
        return [];
      },
      { port: 0 },
    );
    try {
      const body = Buffer.alloc(1024 * 1024, 97);
      const socket = connect(own.port, '127.0.0.1');
      socket.write(`HEAD / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.byteLength}\r\n\r\n`);
      socket.write(body);
      socket.write('GET /b HTTP/1.1\r\nHost: x\r\n\r\n');
      let reply = '';
      socket.on('data', (chunk) => {
        reply += String(chunk);
      });
      await vi.waitFor(() => expect(reply).toMatch(/\r\n\r\nnext$/));
      socket.destroy();
    } finally {
      await own.close();
    }
  });

  it('answers a half-read upload over the limit to a client that reads only after sending it all', async () => {
    const own = await serve(
      async (environ, startResponse) => {
        await environ['wsgi.input'].read(3);
        startResponse('400 Bad Request', [['Content-Type', 'text/plain']]);
        return ['refused'];
      },
      { port: 0, maxBodySize: 64 * 1024 },
    );
    try {
      const socket = connect(own.port, '127.0.0.1');
      socket.pause(); // reads nothing until it has sent everything
      socket.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
      const piece = Buffer.alloc(16 * 1024, 97);
      for (let i = 0; i < 64; i++) {
        socket.write(`${piece.byteLength.toString(16)}\r\n${piece}\r\n`);
        await new Promise((resolve) => setTimeout(resolve, 2)); // the answer is out meanwhile
      }
      await new Promise<void>((resolve) => socket.write('0\r\n\r\n', () => resolve()));
      let reply = '';
      let failure = '';
      socket.on('data', (chunk) => {
        reply += String(chunk);
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        failure = error.code ?? error.message;
      });
      socket.resume();
      await vi.waitFor(() => expect(reply.endsWith('refused') || failure !== '').toBe(true));
      socket.destroy();
      expect(failure).toBe('');
      expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    } finally {
      await own.close();
    }
  });

  it('takes the path of an absolute-form target as sent: no dot segments resolved', async () => {
    for (const [sent, pathInfo] of [
      ['/static/%2e%2e/admin', '/static/../admin'],
      ['/public/../admin', '/public/../admin'],
      ['/a\\b', '/a\\b'],
    ] as const) {
      const socket = connect(server.port, '127.0.0.1');
      socket.write(
        `GET http://example.test${sent} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      for await (const _ of socket);
      expect(seen.at(-1)!.PATH_INFO).toBe(pathInfo);
      // The same path in origin form, for comparison.
      const origin = connect(server.port, '127.0.0.1');
      origin.write(`GET ${sent} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      for await (const _ of origin);
      expect(seen.at(-1)!.PATH_INFO).toBe(pathInfo);
    }
  });

  it("hands the app more than Node's default 1,000 headers while they fit the size limit", async () => {
    const socket = connect(server.port, '127.0.0.1');
    const many = Array.from({ length: 1500 }, (_, i) => `X-${i}: v\r\n`).join('');
    socket.write(
      `GET /many HTTP/1.1\r\nHost: x\r\n${many}Authorization: Bearer t\r\nConnection: close\r\n\r\n`,
    );
    for await (const _ of socket);
    const environ = seen.at(-1)!;
    expect(environ.PATH_INFO).toBe('/many');
    expect(Object.keys(environ).filter((key) => /^HTTP_X_\d+$/.test(key))).toHaveLength(1500);
    expect(environ.HTTP_AUTHORIZATION).toBe('Bearer t');
  });

  it('builds environ from the request (SPEC §2, §6)', async () => {
    const res = await send(`${server.url}/caf%C3%A9/a%2Fb?x=%20y&z`, {
      headers: { 'X-Thing': 'one', Cookie: 'a=1', 'Content-Type': 'text/plain' },
    });
    await readAll(res);
    const environ = seen.at(-1)!;
    expect(environ.REQUEST_METHOD).toBe('GET');
    expect(environ.SCRIPT_NAME).toBe('');
    expect(environ.PATH_INFO).toBe('/café/a/b');
    expect(environ.QUERY_STRING).toBe('x=%20y&z');
    expect(environ.REQUEST_URI).toBe('/caf%C3%A9/a%2Fb?x=%20y&z');
    expect(environ.SERVER_NAME).toBe('127.0.0.1');
    expect(environ.SERVER_PORT).toBe(String(server.port));
    expect(environ.SERVER_PROTOCOL).toBe('HTTP/1.1');
    expect(environ.REMOTE_ADDR).toBe('127.0.0.1');
    expect(environ.HTTP_X_THING).toBe('one');
    expect(environ.HTTP_COOKIE).toBe('a=1');
    expect(environ.CONTENT_TYPE).toBe('text/plain');
    expect(environ.HTTP_CONTENT_TYPE).toBeUndefined();
    expect(environ.CONTENT_LENGTH).toBeUndefined();
    expect(environ['wsgi.url_scheme']).toBe('http');
    expect(environ['wsgi.multithread']).toBe(true);
    expect(environ['wsgi.multiprocess']).toBe(false);
    expect(checked.violations).toEqual([]);
  });

  it('round-trips request and response bodies byte for byte, with and without Content-Length', async () => {
    routes['/echo'] = async (environ, startResponse) => {
      const body = await environ['wsgi.input'].read();
      startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
      return [body];
    };
    const bytes = randomBytes(3 * 1024 * 1024 + 7);
    const sized = await send(`${server.url}/echo`, { method: 'POST', body: bytes });
    expect(Buffer.compare(await readAll(sized), bytes)).toBe(0);
    // Several writes without a length make Node send the request chunked.
    const pieces = [bytes.subarray(0, 1000), bytes.subarray(1000)];
    const chunked = await send(`${server.url}/echo`, {
      method: 'POST',
      headers: { 'Transfer-Encoding': 'chunked' },
      body: pieces as unknown as string[],
    });
    expect(chunked.headers['transfer-encoding']).toBe('chunked');
    expect(Buffer.compare(await readAll(chunked), bytes)).toBe(0);
    checked.assertClosed();
  });

  it('streams a response in pieces, chunked, as the app yields them', async () => {
    const firstArrived = deferred();
    routes['/stream'] = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return (async function* () {
        yield 'first;';
        await firstArrived.promise; // the second chunk waits until the client has the first
        yield 'second';
      })();
    };
    const res = await send(`${server.url}/stream`);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    const pieces: string[] = [];
    for await (const chunk of res) {
      pieces.push(String(chunk));
      firstArrived.resolve();
    }
    expect(pieces).toEqual(['first;', 'second']);
  });

  it('sends what the app write()s while it is still working on its result', async () => {
    const firstArrived = deferred();
    routes['/progress'] = async (_environ, startResponse) => {
      const write = startResponse('200 OK', [['Content-Type', 'text/plain']]);
      write('working;');
      await firstArrived.promise; // the app returns only once the client has what it wrote
      return ['done'];
    };
    const res = await send(`${server.url}/progress`);
    const pieces: string[] = [];
    for await (const chunk of res) {
      pieces.push(String(chunk));
      firstArrived.resolve();
    }
    expect(pieces).toEqual(['working;', 'done']);
  });

  it('closes the app when the client disconnects mid-stream', async () => {
    const closed = deferred<string>();
    routes['/endless'] = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return (async function* () {
        try {
          for (;;) {
            yield 'tick\n';
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        } finally {
          closed.resolve('closed');
        }
      })();
    };
    const res = await send(`${server.url}/endless`);
    await new Promise((resolve) => res.once('data', resolve));
    res.destroy();
    expect(await closed.promise).toBe('closed');
  });

  it('closes the app when the client leaves before its first chunk (an idle event stream)', async () => {
    const closed = deferred<number>();
    const arrived = deferred();
    routes['/idle'] = idleEventStream(
      () => closed.resolve(performance.now()),
      () => arrived.resolve(),
    );
    const socket = connect(server.port, '127.0.0.1');
    socket.write('GET /idle HTTP/1.1\r\nHost: x\r\n\r\n');
    await arrived.promise;
    const left = performance.now();
    socket.destroy();
    // close() must run soon after the client leaves; waiting for the next event would be never.
    expect((await closed.promise) - left).toBeLessThan(5_000);
  });

  it('answers a 1xx status with a 500, since Node would send it as an interim response only', async () => {
    routes['/early'] = (_environ, startResponse) => {
      startResponse('103 Early Hints', [['Link', '</style.css>; rel=preload']]);
      return [];
    };
    const before = logged.length;
    const res = await send(`${server.url}/early`);
    expect(res.statusCode).toBe(500);
    expect((await readAll(res)).toString()).toBe('Internal Server Error\n');
    expect(logged.slice(before)).toMatch(/GET \/early cannot be sent by Node: a 1xx status/);
  });

  it('resets an HTTP/1.0 response without Content-Length that fails mid-body', async () => {
    routes['/cut'] = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return (async function* () {
        yield 'part1';
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('mid-body failure');
      })();
    };
    const socket = connect(server.port, '127.0.0.1');
    socket.write('GET /cut HTTP/1.0\r\n\r\n');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString();
    });
    // A clean end would make the close-delimited body look complete; a reset shows the cut.
    const outcome = await new Promise<string>((resolve) => {
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      socket.on('end', () => resolve('clean end'));
    });
    expect(received).toContain('part1');
    expect(outcome).toBe('ECONNRESET');
  });

  it('over TLS, ends an HTTP/1.0 response cut by an app error without a crash', async () => {
    const failures = vi.spyOn(console, 'error').mockImplementation(() => {});
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return (async function* () {
        yield 'part1';
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('mid-body failure');
      })();
    };
    const tlsServer = createHttpsServer(
      { key: TEST_KEY, cert: TEST_CERT },
      nodeListener(app, { errors }),
    );
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = tlsServer.address() as AddressInfo;
      const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false });
      socket.write('GET /cut HTTP/1.0\r\n\r\n');
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString();
      });
      await new Promise<void>((resolve) => {
        socket.on('close', () => resolve());
        socket.on('error', () => {});
      });
      expect(received).toContain('part1');
      const crashed = failures.mock.calls.some((call) =>
        String(call[0]).includes('adapter failure'),
      );
      expect(crashed).toBe(false);
    } finally {
      failures.mockRestore();
      await new Promise((resolve) => tlsServer.close(resolve));
    }
  });

  it('honours backpressure: a client that stops reading stops the app', async () => {
    let produced = 0;
    const chunk = new Uint8Array(1024 * 1024);
    routes['/big'] = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
      return (function* () {
        for (; produced < 64; produced++) yield chunk;
      })();
    };
    const res = await send(`${server.url}/big`);
    res.pause();
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Socket buffers hold a few MiB at most; without backpressure all 64 would be produced.
    expect(produced).toBeLessThan(32);
    res.resume();
    expect((await readAll(res)).byteLength).toBe(64 * 1024 * 1024);
  });

  it('delivers every Set-Cookie as its own header line', async () => {
    routes['/cookies'] = (_environ, startResponse) => {
      startResponse('200 OK', [
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT'],
        ['Content-Type', 'text/plain'],
      ]);
      return ['ok'];
    };
    const res = await send(`${server.url}/cookies`);
    await readAll(res);
    expect(res.headers['set-cookie']).toEqual([
      'a=1',
      'b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT',
    ]);
  });

  it('answers two Host lines, or a Host that is not one, with 400 (RFC 9112 §3.2)', async () => {
    let called = 0;
    routes['/host'] = (_environ, startResponse) => {
      called++;
      startResponse('204 No Content', []);
      return [];
    };
    for (const hosts of [
      'Host: a.example\r\nHost: b.example:81',
      'Host: a b/c@d',
      'Host: x:99999999999',
    ]) {
      const socket = connect(server.port, '127.0.0.1');
      socket.write(`GET /host HTTP/1.1\r\n${hosts}\r\n\r\n`);
      let reply = '';
      for await (const chunk of socket) reply += String(chunk);
      expect(reply, hosts).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    }
    expect(called).toBe(0);
    const fine = await send(`${server.url}/host`, { headers: { Host: 'example.test:8080' } });
    expect(fine.statusCode).toBe(204);
  });

  it('drops a #fragment a raw client sent in the request-target', async () => {
    for (const target of ['/frag/p#x', '/frag/p?q=1#x?y']) {
      const socket = connect(server.port, '127.0.0.1');
      socket.write(`GET ${target} HTTP/1.0\r\n\r\n`);
      for await (const _ of socket);
      const environ = seen.at(-1)!;
      expect([environ.PATH_INFO, environ.REQUEST_URI?.split('?')[0]]).toEqual([
        '/frag/p',
        '/frag/p',
      ]);
      expect(environ.QUERY_STRING).toBe(target.includes('?') ? 'q=1' : '');
    }
  });

  it('sends a 205 with Content-Length 0, not an empty chunked body', async () => {
    routes['/reset'] = (_environ, startResponse) => {
      startResponse('205 Reset Content', []);
      return [];
    };
    const socket = connect(server.port, '127.0.0.1');
    socket.write('GET /reset HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    let reply = '';
    for await (const chunk of socket) reply += String(chunk);
    expect(reply).toMatch(/^HTTP\/1\.1 205 Reset Content\r\n/);
    expect(reply.toLowerCase()).toContain('\r\ncontent-length: 0\r\n');
    expect(reply.toLowerCase()).not.toContain('transfer-encoding');
    expect(reply.endsWith('\r\n\r\n')).toBe(true);
  });

  it('sends no body for HEAD, 204 and 304', async () => {
    routes['/status'] = (environ, startResponse) => {
      startResponse(environ.QUERY_STRING === '204' ? '204 No Content' : '304 Not Modified', []);
      return [];
    };
    routes['/page'] = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['a body'];
    };
    const head = await send(`${server.url}/page`, { method: 'HEAD' });
    expect((await readAll(head)).byteLength).toBe(0);
    for (const code of ['204', '304']) {
      const res = await send(`${server.url}/status?${code}`);
      expect(res.statusCode).toBe(Number(code));
      expect(res.headers['transfer-encoding']).toBeUndefined();
      expect((await readAll(res)).byteLength).toBe(0);
    }
  });

  it('answers a body over the limit with 413 without calling the app', async () => {
    let called = false;
    routes['/upload'] = async (environ, startResponse) => {
      called = true;
      await environ['wsgi.input'].read();
      startResponse('200 OK', []);
      return [];
    };
    const big = new Uint8Array(4 * 1024 * 1024 + 1);
    const sized = await send(`${server.url}/upload`, { method: 'POST', body: big });
    expect([sized.statusCode, sized.statusMessage]).toEqual([413, 'Content Too Large']);
    expect(String(await readAll(sized))).toMatch(/^Content Too Large: .* over the limit/);
    expect(called).toBe(false);

    const chunked = await send(`${server.url}/upload`, {
      method: 'POST',
      headers: { 'Transfer-Encoding': 'chunked' },
      body: [big.subarray(0, 1), big.subarray(1)] as unknown as string[],
    });
    expect(chunked.statusCode).toBe(413);
    await readAll(chunked);
  });

  it('lets a client that is still uploading read the 413 (no reset), again and again', async () => {
    const big = new Uint8Array(12 * 1024 * 1024);
    for (let i = 0; i < 4; i++) {
      const sized = await send(`${server.url}/upload`, { method: 'POST', body: big });
      expect(sized.statusCode).toBe(413);
      await readAll(sized);
      const chunked = await send(`${server.url}/upload`, {
        method: 'POST',
        headers: { 'Transfer-Encoding': 'chunked' },
        body: [big.subarray(0, 1), big.subarray(1)] as unknown as string[],
      });
      expect(chunked.statusCode).toBe(413);
      await readAll(chunked);
    }
  });

  it('refuses an upload over the limit before it is sent when the client expects 100-continue', async () => {
    const socket = connect(server.port, '127.0.0.1');
    socket.write(
      `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${8 * 1024 * 1024}\r\nExpect: 100-continue\r\n\r\n`,
    );
    let reply = '';
    for await (const chunk of socket) reply += String(chunk); // the server closes: no body follows
    expect(reply).toMatch(/^HTTP\/1\.1 413 Content Too Large\r\n/);
    expect(reply).not.toContain('100 Continue');
  });

  it('answers 100 Continue to an upload within the limit, then the app', async () => {
    routes['/length'] = async (environ, startResponse) => {
      const body = await environ['wsgi.input'].read();
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [String(body.byteLength)];
    };
    const socket = connect(server.port, '127.0.0.1');
    socket.write(
      'POST /length HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n',
    );
    let reply = '';
    for await (const chunk of socket) {
      reply += String(chunk);
      if (reply === 'HTTP/1.1 100 Continue\r\n\r\n') socket.write('hello');
    }
    expect(reply).toMatch(
      /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n1\r\n5\r\n0\r\n\r\n$/,
    );
  });

  it('falls back to the local address for an empty Host (PEP 3333: never empty)', async () => {
    const socket = connect(server.port, '127.0.0.1');
    socket.write('GET /empty-host HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n');
    for await (const _ of socket);
    const environ = seen.at(-1)!;
    expect(environ.PATH_INFO).toBe('/empty-host');
    expect([environ.SERVER_NAME, environ.SERVER_PORT]).toEqual(['127.0.0.1', String(server.port)]);
  });

  it('logs the bytes of an answer it makes itself (a 413)', async () => {
    const logs: RequestLog[] = [];
    const small = await serve(checked, {
      port: 0,
      maxBodySize: 10,
      onResponse: (l) => logs.push(l),
    });
    try {
      const res = await send(`${small.url}/upload`, { method: 'POST', body: new Uint8Array(11) });
      const body = await readAll(res);
      expect(res.statusCode).toBe(413);
      for (let i = 0; i < 100 && logs.length === 0; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(logs.map((l) => [l.status, l.bytes])).toEqual([[413, body.byteLength]]);
    } finally {
      await small.close();
    }
  });

  it('turns an app error before the headers into a 500 and aborts a stream that fails later', async () => {
    routes['/fail'] = () => {
      throw new Error('boom before headers');
    };
    routes['/fail-late'] = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return (async function* () {
        yield 'partial';
        throw new Error('boom mid-stream');
      })();
    };
    const early = await send(`${server.url}/fail`);
    expect(early.statusCode).toBe(500);
    expect(String(await readAll(early))).toBe('Internal Server Error\n');
    expect(logged).toContain('boom before headers');

    const late = await send(`${server.url}/fail-late`);
    expect(late.statusCode).toBe(200);
    // The chunk already produced arrives, then the connection is cut without the last chunk.
    const received: string[] = [];
    late.on('data', (chunk) => received.push(String(chunk)));
    await expect(readAll(late)).rejects.toThrow();
    expect(received.join('')).toBe('partial');
    expect(logged).toContain('boom mid-stream');
  });
});
