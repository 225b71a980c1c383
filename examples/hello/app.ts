/**
 * The hello example: the app `npm start` serves and the Lambda and Workers examples deploy,
 * written with the Flask-style `App`.
 *
 * Routes (the adapters' end-to-end tests rely on them):
 *   GET  /             text/html  <p>Hello, World!</p>
 *   GET  /json         application/json {"message":"Hello, World!"}
 *   GET  /binary?size=N  application/octet-stream, N bytes (default 1 MiB), byte i = (i * 31 + 7) & 255
 *   GET  /cookies      three Set-Cookie headers (one with a comma in Expires)
 *   POST /echo         the request body, byte for byte, with the request's Content-Type
 *   GET  /stream?n=5&delay=100  n text chunks, `delay` ms apart
 *   GET  /environ      JSON of environ's string keys, plus `bindings`: string values of cloudflare.env
 * And, to show routing:
 *   GET  /hello/<name>  text/html greeting, the name HTML-escaped
 *   GET  /users/<int:id>  application/json {"id": id, "url": the URL built back from the route}
 * Anything else: 404 text/plain `Not Found` (405 with Allow for a known path and another method).
 */
import { App, type Request, Response } from '../../src/index.js';

export function binaryPattern(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 255;
  return bytes;
}

/** A non-negative number from the query, else `fallback`. */
function param(request: Request, name: string, fallback: number): number {
  const value = request.args.get(name);
  const parsed = value === undefined ? Number.NaN : Number(value);
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

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const app = new App({ name: 'hello' });

app.route('/', () => '<p>Hello, World!</p>');

// A list body is sent as it is, without a computed Content-Length: the adapters' tests pin the
// exact headers of /json and /cookies. (`() => ({ message })` would be JSON too, with a length.)
app.route(
  '/json',
  () =>
    new Response([JSON.stringify({ message: 'Hello, World!' })], { mimetype: 'application/json' }),
);

app.route('/binary', (request) => {
  const size = Math.min(param(request, 'size', 1048576), 8 * 1048576);
  return new Response(binaryPattern(size), { mimetype: 'application/octet-stream' });
});

app.route('/cookies', () =>
  new Response(['three cookies'])
    .setCookie('a', '1')
    .setCookie('b', '2', { httpOnly: true })
    .setCookie('c', '3', { expires: new Date(Date.UTC(2037, 9, 21, 7, 28, 0)) }),
);

app.route('/echo', { methods: ['POST'] }, async (request) => {
  const body = await request.bytes();
  return new Response(body, { contentType: request.contentType || 'application/octet-stream' });
});

app.route('/stream', (request) => {
  const chunks = slowChunks(param(request, 'n', 5), param(request, 'delay', 100));
  return new Response(chunks, { mimetype: 'text/plain' });
});

app.route('/environ', (request) => ({
  ...stringKeys(request.environ),
  bindings: stringKeys(request.environ['cloudflare.env']),
}));

app.route('/hello/<name>', (_request, { name }) => `<p>Hello, ${escapeHtml(name)}!</p>`);

app.route('/users/<int:id>', { name: 'user' }, (request, { id }) => ({
  id,
  url: app.urlFor('user', { id }, { request }),
}));

app.errorHandler(404, () => new Response('Not Found', { status: 404 }));

export default app;
