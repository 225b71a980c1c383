// The example worker (examples/hello/worker.ts, the main of wrangler.toml) inside workerd,
// called through its own fetch entry point as the runtime calls it.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { fetchHandler } from '../../adapters/cloudflare/index.js';
import { binaryPattern } from '../../examples/hello/app.js';
import type { App } from '../../src/index.js';

const worker = (exports as unknown as { default: { fetch(request: Request): Promise<Response> } })
  .default;
const get = (path: string, init?: RequestInit) =>
  worker.fetch(new Request(`https://hello.example.com${path}`, init));

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe('the hello worker in workerd', () => {
  it('answers text', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toBe('<p>Hello, World!</p>');
  });

  it('answers JSON', async () => {
    const res = await get('/json');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ message: 'Hello, World!' });
  });

  it('sends 1 MiB of binary byte for byte', async () => {
    const res = await get('/binary');
    expect(res.headers.get('content-length')).toBe('1048576');
    const body = new Uint8Array(await res.arrayBuffer());
    expect(sameBytes(body, binaryPattern(1_048_576))).toBe(true);
  });

  it('sends three Set-Cookie headers, each on its own', async () => {
    const res = await get('/cookies');
    expect(res.headers.getSetCookie()).toEqual([
      'a=1; Path=/',
      'b=2; Path=/; HttpOnly',
      'c=3; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/',
    ]);
  });

  it('streams: the first chunk arrives while the app is still producing', async () => {
    const delay = 400;
    const res = await get(`/stream?n=3&delay=${delay}`);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value, { stream: true });
    const firstAt = Date.now();
    expect(text).toBe('chunk 0\n');
    for (let step = await reader.read(); !step.done; step = await reader.read()) {
      text += decoder.decode(step.value, { stream: true });
    }
    // The two delays came after the first chunk was in hand (a buffered body would show ~0).
    expect(Date.now() - firstAt).toBeGreaterThanOrEqual(2 * delay - 100);
    expect(text).toBe('chunk 0\nchunk 1\nchunk 2\n');
  });

  it('streams a request body to the app and echoes it byte for byte', async () => {
    const payload = binaryPattern(1_048_576 + 3);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < payload.byteLength; i += 100_000) {
          controller.enqueue(payload.slice(i, i + 100_000));
        }
        controller.close();
      },
    });
    const res = await get('/echo', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-test', 'Content-Length': String(payload.length) },
      body,
    });
    expect(res.headers.get('content-type')).toBe('application/x-test');
    expect(sameBytes(new Uint8Array(await res.arrayBuffer()), payload)).toBe(true);
  });

  it('hands the bindings of wrangler.toml to the app', async () => {
    const res = await get('/environ?x=1');
    const environ = (await res.json()) as Record<string, unknown>;
    expect(environ.bindings).toEqual({ GREETING: 'Hello from wrangler.toml' });
    expect(environ).toMatchObject({
      REQUEST_METHOD: 'GET',
      PATH_INFO: '/environ',
      QUERY_STRING: 'x=1',
      SERVER_NAME: 'hello.example.com',
      SERVER_PORT: '443',
      'wsgi.url_scheme': 'https',
    });
  });
});

describe('static files through the Workers assets binding', () => {
  it('serves /static files from examples/hello/static with sharedData', async () => {
    const res = await get('/static/hello.txt');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('Hello from the Workers assets binding.\n');
    const svg = await get('/static/tsgi.svg');
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await svg.text()).toContain('<svg');
  });

  it('answers a revalidation with 304 and lets a missing file fall through to the app', async () => {
    const first = await get('/static/hello.txt');
    await first.arrayBuffer();
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await get('/static/hello.txt', { headers: { 'If-None-Match': etag! } });
    expect(again.status).toBe(304);
    expect(again.body).toBeNull();
    const missing = await get('/static/nothing-here.txt');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('Not Found');
  });
});

describe('fetchHandler with a real ExecutionContext', () => {
  it('finishes the response first and an async close() through waitUntil', async () => {
    const events: string[] = [];
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return Object.assign(['body'], {
        close: async () => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          events.push('closed');
        },
      });
    };
    const ctx = createExecutionContext();
    const res = await fetchHandler(app)(new Request('https://example.com/'), {}, ctx);
    events.push(`body ${await res.text()}`);
    await waitOnExecutionContext(ctx);
    expect(events).toEqual(['body body', 'closed']);
  });
});
