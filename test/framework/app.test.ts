import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  App,
  Application,
  abort,
  BadRequest,
  HTTPException,
  NotFound,
  type Request,
  Response,
} from '../../src/index.js';
import { lint } from '../../src/middleware/index.js';
import { Client, type RequestOptions, type TestResponse } from '../../src/testing/index.js';

/** One request to `app` through lint and the client; the lint checks are asserted. */
async function call(
  app: Application,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<TestResponse> {
  const checked = lint(app);
  const res = await new Client(checked).request(method, path, options);
  checked.assertClosed();
  expect(checked.violations).toEqual([]);
  return res;
}

/**
 * What an App answers for a view that returns `fetch()` of a local upstream, which sends a
 * text/plain `body` with `headers`.
 */
async function proxied(headers: Record<string, string | number>, body: Uint8Array) {
  const upstream = createServer((_, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', ...headers });
    res.end(body);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = upstream.address() as AddressInfo;
    const app = new App();
    app.route('/proxy', () => fetch(`http://127.0.0.1:${port}/`));
    return await call(app, 'GET', '/proxy');
  } finally {
    await new Promise((resolve) => upstream.close(resolve));
  }
}

describe('App', () => {
  it('is a callable app that delegates to a replaceable wsgiApp', async () => {
    const app = new App();
    app.route('/', () => 'hi');
    expect(typeof app).toBe('function');
    expect(app).toBeInstanceOf(Application);
    const inner = app.wsgiApp;
    app.wsgiApp = (environ, startResponse) => {
      environ.PATH_INFO = '/';
      return inner(environ, startResponse);
    };
    expect((await call(app, 'GET', '/elsewhere')).text()).toBe('hi');
  });

  it('turns strings into HTML, objects into JSON, bytes into octet-stream; passes Responses', async () => {
    const app = new App();
    app.route('/', () => '<p>Hello, World!</p>');
    app.route('/json', () => ({ message: 'Hello' }));
    app.route('/list', () => [1, 2]);
    app.route('/bytes', () => new Uint8Array([0, 255]));
    app.route('/response', () => new Response('made', { status: 202 }));
    app.route('/stream', async function* () {
      yield '<p>';
      yield '</p>';
    });
    const html = await call(app, 'GET', '/');
    expect([html.statusCode, html.header('content-type'), html.text()]).toEqual([
      200,
      'text/html; charset=utf-8',
      '<p>Hello, World!</p>',
    ]);
    const json = await call(app, 'GET', '/json');
    expect([json.header('content-type'), json.json()]).toEqual([
      'application/json',
      { message: 'Hello' },
    ]);
    expect((await call(app, 'GET', '/list')).json()).toEqual([1, 2]);
    const bytes = await call(app, 'GET', '/bytes');
    expect([bytes.header('content-type'), [...bytes.body]]).toEqual([
      'application/octet-stream',
      [0, 255],
    ]);
    expect((await call(app, 'GET', '/response')).status).toBe('202 Accepted');
    expect((await call(app, 'GET', '/stream')).text()).toBe('<p></p>');
  });

  it('converts a fetch Response a view returns, keeping every Set-Cookie and the body bytes', async () => {
    const app = new App();
    const bytes = new Uint8Array([0, 1, 254, 255]);
    app.route('/fetch', () => {
      const headers = new Headers({ 'Content-Type': 'application/x-bin', 'Content-Length': '4' });
      headers.append('Set-Cookie', 'a=1');
      headers.append('Set-Cookie', 'b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT');
      headers.append('Connection', 'keep-alive');
      return new globalThis.Response(bytes, { status: 201, statusText: 'Made', headers });
    });
    const res = await call(app, 'GET', '/fetch');
    expect(res.status).toBe('201 Made');
    expect(res.header('content-type')).toBe('application/x-bin');
    expect(res.header('connection')).toBeUndefined();
    expect(res.headerAll('set-cookie')).toEqual([
      'a=1',
      'b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT',
    ]);
    expect([...res.body]).toEqual([0, 1, 254, 255]);
  });

  it('sends a fetch Response without a Content-Type as octet-stream, not as text', async () => {
    const app = new App();
    app.route('/png', () => new globalThis.Response(new Uint8Array([0x89, 0x50, 0x4e, 0x47])));
    app.route('/text', () => new globalThis.Response('plain'));
    const png = await call(app, 'GET', '/png');
    expect(png.headers).toEqual([['Content-Type', 'application/octet-stream']]);
    expect([...png.body]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    // A string body gets its type from fetch itself, and keeps it.
    const text = await call(app, 'GET', '/text');
    expect(text.header('content-type')).toBe('text/plain;charset=UTF-8');
  });

  it('drops Content-Encoding from a fetch() Response, whose body fetch has already decoded', async () => {
    const body = gzipSync('hello from upstream');
    const res = await proxied(
      { 'Content-Encoding': 'gzip', 'Content-Length': body.byteLength },
      body,
    );
    expect(res.header('content-encoding')).toBeUndefined();
    expect(res.header('content-type')).toBe('text/plain');
    expect(res.text()).toBe('hello from upstream');
  });

  it('keeps Content-Encoding and the bytes of a fetch() Response in a coding fetch does not decode', async () => {
    const encoded = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]); // opaque to Node 20's fetch
    const res = await proxied({ 'Content-Encoding': 'zstd' }, encoded);
    expect(res.header('content-encoding')).toBe('zstd');
    expect([...res.body]).toEqual([...encoded]);
  });

  it('keeps Content-Encoding on a fetch Response built by hand, whose body is sent as given', async () => {
    const gzipped = gzipSync('hello');
    const app = new App();
    app.route(
      '/built',
      () =>
        new globalThis.Response(gzipped, {
          headers: { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' },
        }),
    );
    const res = await call(app, 'GET', '/built');
    expect(res.header('content-encoding')).toBe('gzip');
    expect([...res.body]).toEqual([...gzipped]);
  });

  it('passes typed parameters and the request to views', async () => {
    const app = new App();
    app.route('/users/<int:id>/<path:rest>', (request, { id, rest }) => ({
      id: id + 1,
      rest,
      params: request.params,
      endpoint: request.endpoint,
      q: request.args.get('q'),
    }));
    expect((await call(app, 'GET', '/users/41/a/b%20c?q=1')).json()).toEqual({
      id: 42,
      rest: 'a/b c',
      params: { id: 41, rest: 'a/b c' },
      endpoint: '/users/<int:id>/<path:rest>',
      q: '1',
    });
  });

  it('answers 404, 405 with Allow, HEAD for GET routes, and OPTIONS', async () => {
    const app = new App();
    app.route('/items', { methods: ['GET', 'POST'] }, (request) => request.method);
    const missing = await call(app, 'GET', '/nope');
    expect([missing.statusCode, missing.header('content-type')]).toEqual([
      404,
      'text/plain; charset=utf-8',
    ]);
    expect(missing.text()).toContain('Not Found');
    const wrong = await call(app, 'DELETE', '/items');
    expect(wrong.status).toBe('405 Method Not Allowed');
    expect(wrong.header('allow')).toBe('GET, HEAD, OPTIONS, POST');
    const head = await call(app, 'HEAD', '/items');
    expect([head.statusCode, head.body.byteLength, head.header('content-length')]).toEqual([
      200,
      0,
      '4',
    ]);
    const options = await call(app, 'OPTIONS', '/items');
    expect([options.statusCode, options.header('allow')]).toEqual([
      200,
      'GET, HEAD, OPTIONS, POST',
    ]);
    expect((await call(app, 'POST', '/items')).text()).toBe('POST');
  });

  it('redirects to the slash-terminated rule, keeping the mount point and query', async () => {
    const app = new App();
    app.route('/docs/', () => 'docs');
    const res = await call(app, 'GET', '/docs?x=1', { scriptName: '/site' });
    expect(res.status).toBe('308 Permanent Redirect');
    expect(res.header('location')).toBe('/site/docs/?x=1');
    app.route('/a b?/', () => 'odd');
    const odd = await call(app, 'GET', '/a%20b%3F');
    expect(odd.header('location')).toBe('/a%20b%3F/');
    app.route('/100%/', () => 'percent');
    const percent = await call(app, 'GET', '/100%25', { extra: { SCRIPT_NAME: '/50%' } });
    expect(percent.header('location')).toBe('/50%25/100%25/');
    // Characters that are not valid in a URI at all are encoded too, as request.url does.
    app.route('/a<b>{c}/', () => 'brackets');
    const brackets = await call(app, 'GET', '/a%3Cb%3E%7Bc%7D');
    expect(brackets.header('location')).toBe('/a%3Cb%3E%7Bc%7D/');
  });

  it('runs before hooks (which may answer) and after hooks (which see every response)', async () => {
    const app = new App();
    const order: string[] = [];
    app.beforeRequest((request) => {
      order.push(`before ${request.endpoint}`);
      if (request.args.has('stop')) return Response.json({ stopped: true }, { status: 403 });
      return undefined;
    });
    app.afterRequest((response, request) => {
      order.push(`after ${response.statusCode}`);
      response.headers.set('X-Path', request.path);
      return response;
    });
    app.afterRequest((response) => {
      response.headers.add('X-Second', '1');
    });
    app.route('/', { name: 'home' }, () => {
      order.push('view');
      return 'home';
    });
    const ok = await call(app, 'GET', '/');
    expect([ok.text(), ok.header('x-path'), ok.header('x-second')]).toEqual(['home', '/', '1']);
    const stopped = await call(app, 'GET', '/?stop');
    expect([stopped.statusCode, stopped.json()]).toEqual([403, { stopped: true }]);
    const missing = await call(app, 'GET', '/nope');
    expect([missing.statusCode, missing.header('x-path')]).toEqual([404, '/nope']);
    expect(order).toEqual([
      'before home',
      'view',
      'after 200',
      'before home',
      'after 403',
      'before undefined',
      'after 404',
    ]);
  });

  it('handles errors by status and by class, nearest class first', async () => {
    class AppError extends Error {}
    class QuotaError extends AppError {}
    const app = new App();
    app.errorHandler(404, (error, request) => ({ error: error.description, path: request.path }));
    app.errorHandler(AppError, (error) => `app error: ${error.message}`);
    app.errorHandler(QuotaError, () => new Response('slow down', { status: 429 }));
    app.errorHandler(BadRequest, (error) => ({ bad: error.code }));
    app.route('/app', () => {
      throw new AppError('boom');
    });
    app.route('/quota', () => {
      throw new QuotaError('x');
    });
    app.route('/abort', () => abort(404, 'No such user.'));
    app.route('/bad', () => {
      throw new BadRequest();
    });
    const notFound = await call(app, 'GET', '/nope');
    expect([notFound.statusCode, notFound.json()]).toEqual([
      404,
      { error: 'The requested URL was not found on the server.', path: '/nope' },
    ]);
    expect((await call(app, 'GET', '/abort')).json()).toEqual({
      error: 'No such user.',
      path: '/abort',
    });
    const appError = await call(app, 'GET', '/app');
    expect([appError.statusCode, appError.text()]).toEqual([500, 'app error: boom']);
    expect((await call(app, 'GET', '/quota')).statusCode).toBe(429);
    const bad = await call(app, 'GET', '/bad');
    expect([bad.statusCode, bad.json()]).toEqual([400, { bad: 400 }]);
  });

  it('leaves an unhandled error to the runner (a logged 500), or to a 500 handler', async () => {
    const app = new App();
    app.route('/', () => {
      throw new Error('kaboom');
    });
    const plain = await call(app, 'GET', '/');
    expect(plain.statusCode).toBe(500);
    expect(plain.text()).not.toContain('kaboom');
    expect(plain.errors).toContain('kaboom');

    app.errorHandler(500, (error) => ({
      type: error.name,
      cause: (error.cause as Error).message,
    }));
    const handled = await call(app, 'GET', '/');
    expect([handled.statusCode, handled.json()]).toEqual([
      500,
      { type: 'InternalServerError', cause: 'kaboom' },
    ]);
    expect(handled.errors).toContain('kaboom');
  });

  it('answers an HTTPException with its own headers and a 413 for a body over the limit', async () => {
    const app = new App({ maxContentLength: 10 });
    app.route('/auth', () => {
      throw new HTTPException(401, 'Log in.', { headers: { 'WWW-Authenticate': 'Basic' } });
    });
    app.route(
      '/upload',
      { methods: ['POST'] },
      async (request) => (await request.bytes()).byteLength,
    );
    const auth = await call(app, 'GET', '/auth');
    expect([auth.statusCode, auth.header('www-authenticate')]).toEqual([401, 'Basic']);
    expect(auth.text()).toContain('Log in.');
    const big = await call(app, 'POST', '/upload', { body: 'x'.repeat(11) });
    expect(big.status).toBe('413 Content Too Large');
    expect(big.text()).toContain('over the limit of 10 bytes');
    expect((await call(app, 'POST', '/upload', { body: 'x'.repeat(10) })).json()).toBe(10);
  });

  it('refuses a view that returns nothing with a logged 500', async () => {
    const app = new App();
    app.route('/', () => undefined as unknown as string);
    const res = await call(app, 'GET', '/');
    expect(res.statusCode).toBe(500);
    expect(res.errors).toContain('the view returned nothing');
  });

  it("hands an error converting an async view's result to the handlers, with or without hooks", async () => {
    for (const hooks of [false, true]) {
      const app = new App();
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      app.route('/sync', () => undefined as unknown as string);
      app.route('/async', async () => undefined as unknown as string);
      app.route('/function', async () => () => 1);
      app.route('/circular', async () => circular);
      app.route('/bigint', async () => ({ n: 1n }));
      app.errorHandler(500, (error) => ({ handled: (error.cause as Error).message }));
      if (hooks) app.afterRequest(() => {});
      for (const [path, message] of [
        ['/sync', 'the view returned nothing'],
        ['/async', 'the view returned nothing'],
        ['/function', 'the view returned a function'],
        ['/circular', 'circular'],
        ['/bigint', 'BigInt'],
      ] as const) {
        const res = await call(app, 'GET', path);
        expect(res.statusCode, `${path}, hooks: ${hooks}`).toBe(500);
        expect((res.json() as { handled: string }).handled).toContain(message);
      }

      const byClass = new App();
      byClass.route('/async', async () => undefined as unknown as string);
      byClass.errorHandler(TypeError, (error) => ({ byClass: error.message }));
      if (hooks) byClass.afterRequest(() => {});
      expect((await call(byClass, 'GET', '/async')).json()).toEqual({
        byClass: expect.stringContaining('the view returned nothing'),
      });
    }
  });

  it('builds URLs by name, with the mount point and host when asked', async () => {
    const app = new App();
    app.route('/users/<int:id>', { name: 'user' }, (request, { id }) => ({
      relative: app.urlFor('user', { id }),
      mounted: app.urlFor('user', { id, tab: 'x' }, { request }),
      external: app.urlFor('user', { id }, { request, external: true }),
    }));
    function profile(request: Request) {
      return app.urlFor('profile', {}, { request });
    }
    app.route('/me', profile);
    expect(
      (await call(app, 'GET', '/users/5', { baseUrl: 'https://example.com/api' })).json(),
    ).toEqual({
      relative: '/users/5',
      mounted: '/api/users/5?tab=x',
      external: 'https://example.com/api/users/5',
    });
    expect((await call(app, 'GET', '/me')).text()).toBe('/me');
    expect(
      (
        await call(app, 'GET', '/users/5', {
          baseUrl: 'https://example.com',
          extra: { SCRIPT_NAME: '/100%' },
        })
      ).json(),
    ).toMatchObject({
      mounted: '/100%25/users/5?tab=x',
      external: 'https://example.com/100%25/users/5',
    });
    expect(() => app.urlFor('user', { id: 1 }, { external: true })).toThrow(/needs a request/);
  });

  it('builds a name shared by several routes of one view from the rule its values fill', async () => {
    function users(_request: Request, params: { page?: number }) {
      return { page: params.page ?? 1 };
    }
    const app = new App();
    app.route('/users/page/<int:page>', users);
    app.route('/users/', users);
    expect(app.urlFor('users', {})).toBe('/users/');
    expect(app.urlFor('users', { page: 2 })).toBe('/users/page/2');
    expect((await call(app, 'GET', '/users/page/2')).json()).toEqual({ page: 2 });
  });

  it('refuses another view function under a name already taken', () => {
    const app = new App();
    const list = () => 'list';
    app.route('/items', list);
    app.route('/all-items', list);
    expect(() => app.route('/things', { name: 'list' }, () => 'other')).toThrow(
      /the name "list" already belongs to another view function/,
    );
    expect(() =>
      app.post('/list', function list() {
        return 'mine';
      }),
    ).toThrow(/already belongs/);
    // Unnamed views fall back to the rule, which builds the same URL whichever answers.
    app.get('/x', () => 'get');
    app.post('/x', () => 'post');
    expect(app.urlFor('/x')).toBe('/x');
  });

  it('has one shortcut per method', async () => {
    const app = new App()
      .get('/r', () => 'get')
      .post('/r', () => 'post')
      .put('/r', () => 'put')
      .patch('/r', () => 'patch')
      .delete('/r', () => 'delete');
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      expect((await call(app, method, '/r')).text()).toBe(method.toLowerCase());
    }
    expect((await call(app, 'OPTIONS', '/r')).header('allow')).toBe(
      'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT',
    );
  });

  it('keeps NotFound handlers per class working for routing misses', async () => {
    const app = new App();
    app.errorHandler(NotFound, () => 'custom');
    const res = await call(app, 'GET', '/x');
    expect([res.statusCode, res.text()]).toEqual([404, 'custom']);
  });
});
