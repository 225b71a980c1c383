/**
 * The hello example: the app `npm start` serves and the Lambda and Workers examples deploy.
 *
 * Routes (the adapters' end-to-end tests rely on them):
 *   GET  /             text/html  <p>Hello, World!</p>
 *   GET  /json         application/json {"message":"Hello, World!"}
 *   GET  /binary?size=N  application/octet-stream, N bytes (default 1 MiB), byte i = (i * 31 + 7) & 255
 *   GET  /cookies      three Set-Cookie headers (one with a comma in Expires)
 *   POST /echo         the request body, byte for byte, with the request's Content-Type
 *   GET  /stream?n=5&delay=100  n text chunks, `delay` ms apart
 *   GET  /environ      JSON of environ's string keys, plus `bindings`: string values of cloudflare.env
 */
import type { App, Environ, StartResponse } from '../../src/index.js';

export function binaryPattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 255;
  return bytes;
}

function param(environ: Environ, name: string, fallback: number): number {
  const value = new URLSearchParams(environ.QUERY_STRING).get(name);
  const parsed = value === null ? Number.NaN : Number(value);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : fallback;
}

async function* slowChunks(n: number, delay: number) {
  for (let i = 0; i < n; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    yield `chunk ${i}\n`;
  }
}

function stringKeys(record: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (record && typeof record === 'object') {
    for (const [key, value] of Object.entries(record))
      if (typeof value === 'string') out[key] = value;
  }
  return out;
}

const app: App = async (environ: Environ, startResponse: StartResponse) => {
  const route = `${environ.REQUEST_METHOD} ${environ.PATH_INFO}`;
  switch (route) {
    case 'GET /':
    case 'HEAD /':
      startResponse('200 OK', [['Content-Type', 'text/html; charset=utf-8']]);
      return ['<p>Hello, World!</p>'];
    case 'GET /json':
      startResponse('200 OK', [['Content-Type', 'application/json']]);
      return [JSON.stringify({ message: 'Hello, World!' })];
    case 'GET /binary': {
      const body = binaryPattern(Math.min(param(environ, 'size', 1048576), 8 * 1048576));
      startResponse('200 OK', [
        ['Content-Type', 'application/octet-stream'],
        ['Content-Length', String(body.byteLength)],
      ]);
      return [body];
    }
    case 'GET /cookies':
      startResponse('200 OK', [
        ['Content-Type', 'text/plain; charset=utf-8'],
        ['Set-Cookie', 'a=1; Path=/'],
        ['Set-Cookie', 'b=2; Path=/; HttpOnly'],
        ['Set-Cookie', 'c=3; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/'],
      ]);
      return ['three cookies'];
    case 'POST /echo': {
      const body = await environ['wsgi.input'].read();
      startResponse('200 OK', [
        ['Content-Type', environ.CONTENT_TYPE || 'application/octet-stream'],
        ['Content-Length', String(body.byteLength)],
      ]);
      return [body];
    }
    case 'GET /stream':
      startResponse('200 OK', [['Content-Type', 'text/plain; charset=utf-8']]);
      return slowChunks(param(environ, 'n', 5), param(environ, 'delay', 100));
    case 'GET /environ': {
      const body = { ...stringKeys(environ), bindings: stringKeys(environ['cloudflare.env']) };
      startResponse('200 OK', [['Content-Type', 'application/json']]);
      return [JSON.stringify(body)];
    }
    default:
      startResponse('404 Not Found', [['Content-Type', 'text/plain; charset=utf-8']]);
      return ['Not Found'];
  }
};

export default app;
