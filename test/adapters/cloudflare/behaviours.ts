/**
 * The fetch adapter's behaviours, written against web-standard APIs only, so the same suite runs
 * on Node's fetch Request/Response (handler.test.ts) and inside workerd (test/workers/).
 */
import { describe, expect, it, vi } from 'vitest';
import { fetchHandler } from '../../../adapters/cloudflare/index.js';
import type { App, AppIterable, Environ, StartResponse } from '../../../src/index.js';
import { lint } from '../../../src/middleware/index.js';
import { idleEventStream } from '../../_apps.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function pattern(size: number, seed = 7): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) & 255;
  return bytes;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `ready()` is true, polling; fails after `ms` (generous: CI machines are slow). */
async function until(ready: () => boolean, ms = 10_000): Promise<void> {
  const stop = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > stop) throw new Error('timed out waiting for a condition');
    await tick(5);
  }
}

/** An app that records the environ it got and answers with it as JSON. */
function environApp(): { app: App; seen: Environ[] } {
  const seen: Environ[] = [];
  const app: App = (environ, startResponse) => {
    seen.push(environ);
    startResponse('200 OK', [['Content-Type', 'application/json']]);
    return ['{}'];
  };
  return { app, seen };
}

/** A request whose `cf` says it came through Cloudflare's edge. */
function withCf(request: Request, cf: Record<string, unknown>): Request {
  Object.defineProperty(request, 'cf', { value: cf, configurable: true });
  return request;
}

export function describeFetchAdapter(runtime: string): void {
  describe(`fetch adapter on ${runtime}`, () => {
    describe('environ from the Request', () => {
      it('maps method, path, query, host, scheme and headers to CGI keys', async () => {
        const { app, seen } = environApp();
        const request = new Request('https://Example.com:8443/caf%C3%A9/a%2Fb?x=%20y&z', {
          method: 'POST',
          headers: {
            'Content-Type': 'text/plain',
            'Content-Length': '5',
            'X-Custom': 'one',
            Cookie: 'a=1; b=2',
          },
          body: 'hello',
        });
        const res = await fetchHandler(app)(request);
        expect(res.status).toBe(200);
        const environ = seen[0]!;
        expect(environ.REQUEST_METHOD).toBe('POST');
        expect(environ.SCRIPT_NAME).toBe('');
        expect(environ.PATH_INFO).toBe('/café/a/b');
        expect(environ.QUERY_STRING).toBe('x=%20y&z');
        expect(environ.REQUEST_URI).toBe('/caf%C3%A9/a%2Fb?x=%20y&z');
        expect(environ.SERVER_NAME).toBe('example.com');
        expect(environ.SERVER_PORT).toBe('8443');
        expect(environ['wsgi.url_scheme']).toBe('https');
        expect(environ.CONTENT_TYPE).toBe('text/plain');
        expect(environ.CONTENT_LENGTH).toBe('5');
        expect(environ.HTTP_CONTENT_LENGTH).toBeUndefined();
        expect(environ.HTTP_CONTENT_TYPE).toBeUndefined();
        expect(environ.HTTP_X_CUSTOM).toBe('one');
        expect(environ.HTTP_COOKIE).toBe('a=1; b=2');
        expect(environ.HTTP_HOST).toBeUndefined();
        expect(environ['wsgi.multithread']).toBe(true);
        expect(environ['wsgi.multiprocess']).toBe(true);
        expect(environ['wsgi.run_once']).toBe(false);
      });

      it('joins two Cookie lines with "; ", not the ", " of Headers', async () => {
        const { app, seen } = environApp();
        const headers = new Headers([
          ['Cookie', 'a=1'],
          ['Cookie', 'b=2; c=3'],
        ]);
        await fetchHandler(app)(new Request('http://example.com/', { headers }));
        expect(seen[0]!.HTTP_COOKIE).toBe('a=1; b=2; c=3');
      });

      it('keeps a comma inside a cookie value, in one Cookie line or joined from two', async () => {
        const { app, seen } = environApp();
        const date = 'seen=Wed, 21 Oct 2015 07:28:00 GMT';
        await fetchHandler(app)(
          new Request('http://example.com/', { headers: { Cookie: `sid=abc; ${date}` } }),
        );
        for (const value of ['langs=en, fr', 'q="a, b"; s=1', 'j={"a":1, "b":2}']) {
          await fetchHandler(app)(
            new Request('http://example.com/', { headers: { Cookie: value } }),
          );
          expect(seen.at(-1)!.HTTP_COOKIE).toBe(value);
        }
        const headers = new Headers([
          ['Cookie', date],
          ['Cookie', 'b=2'],
        ]);
        await fetchHandler(app)(new Request('http://example.com/', { headers }));
        expect(seen[0]!.HTTP_COOKIE).toBe(`sid=abc; ${date}`);
        expect(seen.at(-1)!.HTTP_COOKIE).toBe(`${date}; b=2`);
      });

      it('splits joined Cookie lines whatever the next cookie is called', async () => {
        const { app, seen } = environApp();
        for (const lines of [
          ['a=1', 'cart[1]=3'],
          ['a=1', '{x}=2; y=3'],
          ['a=1', 'b=two words'],
        ]) {
          const headers = new Headers(lines.map((line): [string, string] => ['Cookie', line]));
          await fetchHandler(app)(new Request('http://example.com/', { headers }));
          expect(seen.at(-1)!.HTTP_COOKIE).toBe(lines.join('; '));
        }
      });

      it('uses the scheme default port, / for an empty path and no fragment', async () => {
        const { app, seen } = environApp();
        await fetchHandler(app)(new Request('http://example.com#top'));
        await fetchHandler(app)(new Request('https://example.com/p?q=1#frag'));
        expect(seen[0]).toMatchObject({ SERVER_PORT: '80', PATH_INFO: '/', QUERY_STRING: '' });
        expect(seen[0]!.REQUEST_URI).toBe('/');
        expect(seen[1]).toMatchObject({ SERVER_PORT: '443', PATH_INFO: '/p', QUERY_STRING: 'q=1' });
      });

      it('keeps an invalid UTF-8 escape percent-encoded in PATH_INFO', async () => {
        const { app, seen } = environApp();
        await fetchHandler(app)(new Request('http://example.com/bad%FF/ok%C3%A9'));
        expect(seen[0]!.PATH_INFO).toBe('/bad%FF/oké');
      });

      it('moves basePath into SCRIPT_NAME on a segment boundary only', async () => {
        const { app, seen } = environApp();
        const handle = fetchHandler(app, { basePath: '/api/' });
        await handle(new Request('http://example.com/api/users?id=1'));
        await handle(new Request('http://example.com/api'));
        await handle(new Request('http://example.com/apiary'));
        expect(seen.map((e) => [e.SCRIPT_NAME, e.PATH_INFO])).toEqual([
          ['/api', '/users'],
          ['/api', ''],
          ['', '/apiary'],
        ]);
        expect(seen[0]!.REQUEST_URI).toBe('/api/users?id=1');
      });

      it('trusts CF-Connecting-IP only when request.cf shows Cloudflare', async () => {
        const { app, seen } = environApp();
        const handle = fetchHandler(app);
        const headers = { 'CF-Connecting-IP': '203.0.113.9' };
        await handle(new Request('http://example.com/', { headers }));
        const cf = { colo: 'AMS', country: 'NL' };
        await handle(withCf(new Request('http://example.com/', { headers }), cf));
        expect(seen[0]!.REMOTE_ADDR).toBeUndefined();
        expect(seen[0]!['cloudflare.cf']).toBeUndefined();
        expect(seen[1]!.REMOTE_ADDR).toBe('203.0.113.9');
        expect(seen[1]!['cloudflare.cf']).toBe(cf);
      });

      it("takes SERVER_PROTOCOL from Cloudflare's cf.httpProtocol, else HTTP/1.1", async () => {
        const { app, seen } = environApp();
        const handle = fetchHandler(app);
        await handle(withCf(new Request('https://example.com/'), { httpProtocol: 'HTTP/2' }));
        await handle(withCf(new Request('https://example.com/'), { httpProtocol: 'h2\r\nx' }));
        await handle(new Request('https://example.com/'));
        expect(seen.map((e) => e.SERVER_PROTOCOL)).toEqual(['HTTP/2', 'HTTP/1.1', 'HTTP/1.1']);
      });

      it('hands env and ctx to the app as cloudflare.env and cloudflare.ctx', async () => {
        const { app, seen } = environApp();
        const env = { GREETING: 'hi', COUNT: 3 };
        const ctx = { waitUntil() {}, passThroughOnException() {} };
        await fetchHandler(app)(new Request('http://example.com/'), env, ctx);
        await fetchHandler(app)(new Request('http://example.com/'));
        expect(seen[0]!['cloudflare.env']).toBe(env);
        expect(seen[0]!['cloudflare.ctx']).toBe(ctx);
        expect('cloudflare.env' in seen[1]!).toBe(false);
        expect('cloudflare.ctx' in seen[1]!).toBe(false);
      });

      it('gives every request a fresh environ', async () => {
        const { app, seen } = environApp();
        const handle = fetchHandler(app);
        await handle(new Request('http://example.com/a'));
        await handle(new Request('http://example.com/b'));
        expect(seen[0]).not.toBe(seen[1]);
        expect(seen[0]!.PATH_INFO).toBe('/a');
      });
    });

    describe('wsgi.input', () => {
      it('reads a body byte for byte, and reads nothing past Content-Length', async () => {
        const body = pattern(300_000);
        const app: App = async (environ, startResponse) => {
          const got = await environ['wsgi.input'].read();
          startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
          return [got];
        };
        const res = await fetchHandler(lint(app))(
          new Request('http://example.com/echo', { method: 'POST', body }),
        );
        expect(sameBytes(new Uint8Array(await res.arrayBuffer()), body)).toBe(true);
      });

      it('gives the app each chunk of a streamed body before the next one is sent', async () => {
        // The source sends chunk n+1 only after the app has seen chunk n: a buffering adapter
        // would wait for the whole body and never get there.
        const parts = [enc.encode('alpha '), enc.encode('beta '), enc.encode('gamma')];
        let appSeen = 0;
        let sent = 0;
        const stream = new ReadableStream<Uint8Array>({
          async pull(controller) {
            await until(() => appSeen >= sent);
            if (sent === parts.length) controller.close();
            else controller.enqueue(parts[sent++]!);
          },
        });
        const app: App = async (environ, startResponse) => {
          const chunks: string[] = [];
          for await (const chunk of environ['wsgi.input']) {
            chunks.push(dec.decode(chunk));
            appSeen++;
          }
          startResponse('200 OK', [['Content-Type', 'text/plain']]);
          return [chunks.join('|')];
        };
        const request = new Request('http://example.com/', {
          method: 'POST',
          body: stream,
          duplex: 'half',
        } as RequestInit);
        const res = await fetchHandler(app)(request);
        expect(await res.text()).toBe('alpha |beta |gamma');
      });

      it('gives an empty input for a request without a body', async () => {
        let got: Uint8Array | undefined;
        const app: App = async (environ, startResponse) => {
          got = await environ['wsgi.input'].read();
          startResponse('204 No Content', []);
          return [];
        };
        const res = await fetchHandler(app)(new Request('http://example.com/'));
        expect(res.status).toBe(204);
        expect(got?.byteLength).toBe(0);
      });
    });

    describe('the Response', () => {
      it('carries status, reason and headers in order, each Set-Cookie on its own', async () => {
        const app: App = (_environ, startResponse) => {
          startResponse('201 Made It', [
            ['Content-Type', 'text/plain; charset=utf-8'],
            ['Set-Cookie', 'a=1; Path=/'],
            ['X-Order', 'first'],
            ['Set-Cookie', 'b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT'],
            ['Set-Cookie', 'c=3; HttpOnly'],
          ]);
          return ['made'];
        };
        const res = await fetchHandler(app)(new Request('http://example.com/'));
        expect(res.status).toBe(201);
        expect(res.statusText).toBe('Made It');
        expect(res.headers.getSetCookie()).toEqual([
          'a=1; Path=/',
          'b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT',
          'c=3; HttpOnly',
        ]);
        expect(res.headers.get('x-order')).toBe('first');
        expect(await res.text()).toBe('made');
      });

      it('sends text and a 1 MiB binary body byte for byte, in one chunk or many', async () => {
        const big = pattern(1_048_576);
        const app: App = (environ, startResponse) => {
          startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
          if (environ.PATH_INFO === '/one') return [big];
          const pieces: Uint8Array[] = [];
          for (let i = 0; i < big.byteLength; i += 65_536) pieces.push(big.subarray(i, i + 65_536));
          return pieces;
        };
        const handle = fetchHandler(app);
        for (const path of ['/one', '/many']) {
          const res = await handle(new Request(`http://example.com${path}`));
          expect(sameBytes(new Uint8Array(await res.arrayBuffer()), big)).toBe(true);
        }
        const text = fetchHandler((_e, startResponse) => {
          startResponse('200 OK', [['Content-Type', 'text/plain; charset=utf-8']]);
          return ['héllo ', 'wörld ', '✓'];
        });
        expect(await (await text(new Request('http://example.com/'))).text()).toBe('héllo wörld ✓');
      });

      it('adds no Content-Type to a string body that has none, and keeps the one it has', async () => {
        const app: App = (environ, startResponse) => {
          const type = environ.QUERY_STRING;
          startResponse('200 OK', type ? [['Content-Type', decodeURIComponent(type)]] : []);
          return environ.PATH_INFO === '/lone' ? ['{"a":"é"}', ' \uD800'] : ['{"a":"é"}', ' x'];
        };
        const handle = fetchHandler(app);
        const bare = await handle(new Request('http://example.com/'));
        expect(bare.headers.get('content-type')).toBeNull();
        const typed = await handle(new Request('http://example.com/?application%2Fjson'));
        expect(typed.headers.get('content-type')).toBe('application/json');
        for (const res of [bare, typed]) {
          expect(
            sameBytes(new Uint8Array(await res.arrayBuffer()), enc.encode('{"a":"é"} x')),
          ).toBe(true);
        }
        // A lone surrogate is sent as U+FFFD, the bytes the runner counted, labelled or not.
        for (const query of ['', '?text%2Fplain']) {
          const lone = await handle(new Request(`http://example.com/lone${query}`));
          const expected = enc.encode('{"a":"é"} \uFFFD');
          expect(sameBytes(new Uint8Array(await lone.arrayBuffer()), expected)).toBe(true);
        }
      });

      it('sends HEAD, 204, 205 and 304 without a body and closes the app', async () => {
        let closed = 0;
        const app: App = (environ, startResponse) => {
          const status = {
            '/204': '204 No Content',
            '/205': '205 Reset Content',
            '/304': '304 Not Modified',
          }[environ.PATH_INFO];
          startResponse(status ?? '200 OK', status ? [] : [['Content-Type', 'text/plain']]);
          // A body the server must drop: a sloppy app, or a HEAD answered like a GET.
          return Object.assign(['this body must not be sent'], { close: () => void closed++ });
        };
        const handle = fetchHandler(app);
        const head = await handle(new Request('http://example.com/', { method: 'HEAD' }));
        const noContent = await handle(new Request('http://example.com/204'));
        const reset = await handle(new Request('http://example.com/205'));
        const notModified = await handle(new Request('http://example.com/304'));
        const statuses = [head.status, noContent.status, reset.status, notModified.status];
        expect(statuses).toEqual([200, 204, 205, 304]);
        for (const res of [head, noContent, reset, notModified]) {
          expect(res.body).toBeNull();
        }
        expect(closed).toBe(4);
      });
    });

    describe('streaming', () => {
      it('closes an app still waiting for its first chunk when the request is aborted', async () => {
        let closes = 0;
        const app = idleEventStream(() => closes++);
        const controller = new AbortController();
        const answered = fetchHandler(app)(
          new Request('http://example.com/events', { signal: controller.signal }),
        );
        await new Promise((resolve) => setTimeout(resolve, 10));
        expect(closes).toBe(0);
        controller.abort();
        await answered;
        expect(closes).toBe(1);
      });

      it('stops the app and runs close() once when the request is aborted mid-body', async () => {
        // workerd never cancels a body when the client leaves; it aborts the request's signal.
        for (const withCtx of [false, true]) {
          let closes = 0;
          let pulls = 0;
          const waited: Promise<unknown>[] = [];
          const ctx = { waitUntil: (promise: Promise<unknown>) => void waited.push(promise) };
          const app: App = (_environ, startResponse) => {
            startResponse('200 OK', [['Content-Type', 'text/event-stream']]);
            return {
              [Symbol.asyncIterator]: () => ({
                // The first event at once, then nothing: an idle stream waiting for news.
                next: () =>
                  pulls++ === 0
                    ? Promise.resolve({ done: false, value: 'data: hello\n\n' })
                    : new Promise<IteratorResult<string>>(() => {}),
              }),
              close: () => void closes++,
            } as AppIterable;
          };
          const controller = new AbortController();
          const request = new Request('http://example.com/events', { signal: controller.signal });
          const res = await fetchHandler(app)(request, {}, withCtx ? ctx : undefined);
          const reader = res.body!.getReader();
          expect(dec.decode((await reader.read()).value)).toBe('data: hello\n\n');
          const pending = reader.read(); // the app is asked for more and has nothing yet
          await tick(10);
          expect(closes).toBe(0);
          controller.abort();
          await until(() => closes > 0);
          expect((await pending).done).toBe(true);
          await tick(10);
          expect(closes).toBe(1);
          expect(waited.length > 0).toBe(withCtx);
          await Promise.all(waited);
        }
      });

      it('stops watching the request once the body has ended, and closes once', async () => {
        let closes = 0;
        const app: App = (_environ, startResponse) => {
          startResponse('200 OK', [['Content-Type', 'text/plain']]);
          return {
            async *[Symbol.asyncIterator]() {
              await tick(1); // the runner watches the client while it waits for this chunk
              yield 'a';
              await tick(1);
              yield 'b';
            },
            close: () => void closes++,
          } as AppIterable;
        };
        const controller = new AbortController();
        const request = new Request('http://example.com/', { signal: controller.signal });
        // Counts the abort listeners still attached to the request's signal.
        const listeners = new Set<unknown>();
        const signal = request.signal as unknown as {
          addEventListener(type: string, listener: unknown, options?: unknown): void;
          removeEventListener(type: string, listener: unknown, options?: unknown): void;
        };
        const add = signal.addEventListener.bind(signal);
        const remove = signal.removeEventListener.bind(signal);
        signal.addEventListener = (type, listener, options) => {
          if (type === 'abort') listeners.add(listener);
          add(type, listener, options);
        };
        signal.removeEventListener = (type, listener, options) => {
          if (type === 'abort') listeners.delete(listener);
          remove(type, listener, options);
        };
        const res = await fetchHandler(app)(request);
        expect(await res.text()).toBe('ab');
        expect(listeners.size).toBe(0);
        controller.abort();
        await tick(10);
        expect(closes).toBe(1);
      });

      it('delivers the first chunk before the app has finished', async () => {
        let finished = false;
        let release!: () => void;
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        const app: App = async function* slow(_environ: Environ, startResponse: StartResponse) {
          startResponse('200 OK', [['Content-Type', 'text/plain']]);
          yield 'first ';
          await gate;
          yield 'last';
          finished = true;
        } as unknown as App;
        const res = await fetchHandler(app)(new Request('http://example.com/'));
        const reader = res.body!.getReader();
        const first = await reader.read();
        expect(dec.decode(first.value)).toBe('first ');
        expect(finished).toBe(false);
        release();
        const rest: string[] = [];
        for (let step = await reader.read(); !step.done; step = await reader.read()) {
          rest.push(dec.decode(step.value));
        }
        expect(rest.join('')).toBe('last');
        expect(finished).toBe(true);
      });

      it('pulls from the app only as fast as the client reads, and stops it on cancel', async () => {
        let produced = 0;
        let closed = 0;
        const app: App = (_environ, startResponse) => {
          startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
          const chunks = {
            async *[Symbol.asyncIterator]() {
              for (;;) {
                produced++;
                yield pattern(16_384, produced);
              }
            },
            close() {
              closed++;
            },
          };
          return chunks as AppIterable;
        };
        const res = await fetchHandler(app)(new Request('http://example.com/'));
        const reader = res.body!.getReader();
        for (let i = 0; i < 3; i++) await reader.read();
        await tick(50);
        // Three read, at most one read ahead by the adapter and one by the runner's head check.
        expect(produced).toBeLessThanOrEqual(5);
        expect(closed).toBe(0);
        await reader.cancel();
        await until(() => closed > 0);
        const after = produced;
        await tick(50);
        expect(produced).toBe(after);
        expect(closed).toBe(1);
      });

      it('runs close() once when the body ends', async () => {
        const checked = lint(async function* (_environ: Environ, startResponse: StartResponse) {
          startResponse('200 OK', [['Content-Type', 'text/plain']]);
          yield 'a';
          yield 'b';
        } as unknown as App);
        const res = await fetchHandler(checked)(new Request('http://example.com/'));
        expect(await res.text()).toBe('ab');
        checked.assertClosed();
        expect(checked.violations).toEqual([]);
      });

      it("puts the app's Content-Length on a streamed body through FixedLengthStream", async () => {
        // Workers has FixedLengthStream (without it a streamed body goes chunked); elsewhere a
        // pass-through stands in, to see what the adapter asks of it.
        const Real = (globalThis as { FixedLengthStream?: new (n: number) => TransformStream })
          .FixedLengthStream;
        const lengths: number[] = [];
        vi.stubGlobal('FixedLengthStream', function recorded(length: number) {
          lengths.push(length);
          return Real ? new Real(length) : new TransformStream();
        });
        const log = vi.spyOn(console, 'error').mockImplementation(() => {});
        try {
          const app: App = (environ, startResponse) => {
            const declared = environ.PATH_INFO !== '/chunked';
            startResponse('200 OK', [
              ['Content-Type', 'text/plain'],
              ...(declared ? ([['Content-Length', '11']] as [string, string][]) : []),
            ]);
            return (async function* () {
              yield 'hello ';
              await tick(1);
              if (environ.PATH_INFO === '/cut') throw new Error('cut mid-body');
              yield 'world';
            })() as AppIterable;
          };
          const handle = fetchHandler(app);
          const res = await handle(new Request('http://example.com/'));
          expect(res.headers.get('content-length')).toBe('11');
          expect(await res.text()).toBe('hello world');
          expect(lengths).toEqual([11]);

          const chunked = await handle(new Request('http://example.com/chunked'));
          expect(await chunked.text()).toBe('hello world');
          const head = await handle(new Request('http://example.com/', { method: 'HEAD' }));
          expect(head.body).toBeNull();
          expect(lengths).toEqual([11]);

          const cut = await handle(new Request('http://example.com/cut'));
          await expect(cut.text()).rejects.toBeDefined();
          expect(lengths).toEqual([11, 11]);
        } finally {
          log.mockRestore();
          vi.unstubAllGlobals();
        }
      });

      it('hands an async close() to ctx.waitUntil instead of holding the body', async () => {
        const waited: Promise<unknown>[] = [];
        const ctx = { waitUntil: (promise: Promise<unknown>) => void waited.push(promise) };
        let release!: () => void;
        let closed = false;
        const app: App = (_environ, startResponse) => {
          startResponse('200 OK', [['Content-Type', 'text/plain']]);
          return Object.assign(['done'], {
            close: async () => {
              await new Promise<void>((resolve) => {
                release = resolve;
              });
              closed = true;
            },
          });
        };
        const res = await fetchHandler(app)(new Request('http://example.com/'), {}, ctx);
        expect(await res.text()).toBe('done');
        expect(waited).toHaveLength(1);
        expect(closed).toBe(false);
        release();
        await Promise.all(waited);
        expect(closed).toBe(true);
      });
    });

    describe('errors', () => {
      it('turns an error before the headers into a generic 500 and logs it', async () => {
        const log = vi.spyOn(console, 'error').mockImplementation(() => {});
        try {
          const app: App = () => {
            throw new Error('secret database password in this message');
          };
          const res = await fetchHandler(app)(new Request('http://example.com/boom'));
          expect(res.status).toBe(500);
          const text = await res.text();
          expect(text).toBe('Internal Server Error\n');
          const logged = log.mock.calls.map((call) => String(call[0])).join('\n');
          expect(logged).toContain('secret database password in this message');
          expect(logged).toContain('GET /boom');
        } finally {
          log.mockRestore();
        }
      });

      it('aborts the body when the app fails after the headers, logs once and closes', async () => {
        const log = vi.spyOn(console, 'error').mockImplementation(() => {});
        try {
          let closed = 0;
          const app: App = (_environ, startResponse) => {
            startResponse('200 OK', [['Content-Type', 'text/plain']]);
            return {
              async *[Symbol.asyncIterator]() {
                yield 'partial ';
                await tick(1);
                throw new Error('failed mid-stream');
              },
              close() {
                closed++;
              },
            } as AppIterable;
          };
          const res = await fetchHandler(app)(new Request('http://example.com/'));
          expect(res.status).toBe(200);
          const reader = res.body!.getReader();
          expect(dec.decode((await reader.read()).value)).toBe('partial ');
          await expect(reader.read()).rejects.toThrow('failed mid-stream');
          expect(closed).toBe(1);
          const logged = log.mock.calls.filter((call) => String(call[0]).includes('mid-stream'));
          expect(logged).toHaveLength(1);
        } finally {
          log.mockRestore();
        }
      });

      it('answers 500 with a clear log for a status fetch cannot carry (1xx)', async () => {
        const log = vi.spyOn(console, 'error').mockImplementation(() => {});
        try {
          const checked = lint((_environ, startResponse) => {
            startResponse('103 Early Hints', []);
            return [];
          });
          const res = await fetchHandler(checked)(new Request('http://example.com/early'));
          expect(res.status).toBe(500);
          expect(await res.text()).toBe('Internal Server Error\n');
          const logged = log.mock.calls.map((call) => String(call[0])).join('\n');
          expect(logged).toContain('GET /early cannot be sent as a fetch Response');
          checked.assertClosed();
        } finally {
          log.mockRestore();
        }
      });

      it('refuses a header value above U+00FF with a 500, as every tsgi server does', async () => {
        // No HTTP/1.1 server can send it as a byte; workerd would send UTF-8, Node and Deno refuse.
        const log = vi.spyOn(console, 'error').mockImplementation(() => {});
        try {
          const app: App = (_environ, startResponse) => {
            startResponse('200 OK', [
              ['Content-Type', 'text/plain'],
              ['X-Price', '10 €'],
            ]);
            return ['priced'];
          };
          const res = await fetchHandler(app)(new Request('http://example.com/euro'));
          expect(res.status).toBe(500);
          expect(await res.text()).toBe('Internal Server Error\n');
          const logged = log.mock.calls.map((call) => String(call[0])).join('\n');
          expect(logged).toContain('header X-Price has a character no server can send');
        } finally {
          log.mockRestore();
        }
      });
    });
  });
}
