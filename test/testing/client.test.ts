import { describe, expect, it, vi } from 'vitest';
import { type App, type Environ, Request, Response } from '../../src/index.js';
import { lint } from '../../src/middleware/index.js';
import { buildEnviron, Client } from '../../src/testing/index.js';

describe('buildEnviron', () => {
  it('builds a valid environ with defaults', () => {
    const environ = buildEnviron();
    expect(environ).toMatchObject({
      REQUEST_METHOD: 'GET',
      SCRIPT_NAME: '',
      PATH_INFO: '/',
      QUERY_STRING: '',
      SERVER_NAME: 'localhost',
      SERVER_PORT: '80',
      HTTP_HOST: 'localhost',
      REMOTE_ADDR: '127.0.0.1',
      'wsgi.url_scheme': 'http',
    });
  });

  it('splits path and query, decodes the path and keeps the query raw', () => {
    const environ = buildEnviron({ path: '/caf%C3%A9/a%2Fb?x=%20y&x=2', query: { z: 'a b' } });
    expect(environ.PATH_INFO).toBe('/café/a/b');
    expect(environ.QUERY_STRING).toBe('x=%20y&x=2&z=a+b');
    expect(environ.REQUEST_URI).toBe('/caf%C3%A9/a%2Fb?x=%20y&x=2&z=a+b');
  });

  it('percent-encodes what no client sends raw (a space, é), keeping escapes already there', () => {
    const environ = buildEnviron({ path: '/café/x y%2F?q=é f&r=%26', query: 'z=ü' });
    expect(environ.PATH_INFO).toBe('/café/x y/');
    expect(environ.QUERY_STRING).toBe('q=%C3%A9%20f&r=%26&z=%C3%BC');
    expect(environ.REQUEST_URI).toBe('/caf%C3%A9/x%20y%2F?q=%C3%A9%20f&r=%26&z=%C3%BC');
  });

  it('takes SERVER_PORT from Host, else X-Forwarded-Port, else the default (SPEC §2)', () => {
    const port = (headers: Record<string, string>) => buildEnviron({ headers }).SERVER_PORT;
    expect(port({ Host: 'example.com', 'X-Forwarded-Port': '8443' })).toBe('8443');
    expect(port({ Host: 'example.com:81', 'X-Forwarded-Port': '8443' })).toBe('81');
    expect(port({ Host: 'example.com', 'X-Forwarded-Port': 'x' })).toBe('80');
    const twice = buildEnviron({
      headers: [
        ['Host', 'example.com'],
        ['X-Forwarded-Port', '1'],
        ['X-Forwarded-Port', '2'],
      ],
    });
    expect(twice.SERVER_PORT).toBe('80'); // as the Node adapter: two values name no one port
  });

  it('takes a whole URL, an empty path as "/", and refuses a path without a leading "/"', () => {
    const environ = buildEnviron({ path: 'https://example.com:8443/x?y=1' });
    expect(environ).toMatchObject({
      'wsgi.url_scheme': 'https',
      HTTP_HOST: 'example.com:8443',
      SERVER_NAME: 'example.com',
      SERVER_PORT: '8443',
      PATH_INFO: '/x',
      QUERY_STRING: 'y=1',
      REQUEST_URI: '/x?y=1',
    });
    // The path of a whole URL goes as written, as the relative form does: no dot segments resolved.
    expect(buildEnviron({ path: 'http://localhost/static/%2e%2e/secret' })).toMatchObject({
      PATH_INFO: '/static/../secret',
      REQUEST_URI: '/static/%2e%2e/secret',
    });
    expect(buildEnviron({ path: '' }).PATH_INFO).toBe('/');
    expect(buildEnviron({ path: '?a=1' })).toMatchObject({ PATH_INFO: '/', QUERY_STRING: 'a=1' });
    expect(() => buildEnviron({ path: 'x' })).toThrow(/must start with "\/" or be an absolute URL/);
  });

  it('drops a fragment, which clients never send', () => {
    for (const [path, pathInfo, query] of [
      ['/page#sec', '/page', ''],
      ['/page?x=1#sec?y', '/page', 'x=1'],
      ['/page#a?b', '/page', ''],
    ]) {
      const environ = buildEnviron({ path });
      expect([environ.PATH_INFO, environ.QUERY_STRING], path).toEqual([pathInfo, query]);
      expect(environ.REQUEST_URI).toBe(query ? `${pathInfo}?${query}` : pathInfo);
    }
  });

  it('takes scheme, host and script name from baseUrl', () => {
    const environ = buildEnviron({ baseUrl: 'https://example.com:8443/app/', path: '/x' });
    expect(environ).toMatchObject({
      'wsgi.url_scheme': 'https',
      SERVER_NAME: 'example.com',
      SERVER_PORT: '8443',
      SCRIPT_NAME: '/app',
      PATH_INFO: '/x',
    });
  });

  it('decodes the script name from baseUrl and encodes a given one into REQUEST_URI', () => {
    const fromUrl = buildEnviron({ baseUrl: 'http://x/café app', path: '/caf%C3%A9' });
    expect([fromUrl.SCRIPT_NAME, fromUrl.PATH_INFO, fromUrl.REQUEST_URI]).toEqual([
      '/café app',
      '/café',
      '/caf%C3%A9%20app/caf%C3%A9',
    ]);
    const given = buildEnviron({ scriptName: '/café 100%', path: '/x?q=1' });
    expect([given.SCRIPT_NAME, given.REQUEST_URI]).toEqual([
      '/café 100%',
      '/caf%C3%A9%20100%25/x?q=1',
    ]);
  });

  it('lets a Content-Type header or option win over the one json or form implies', () => {
    const header = buildEnviron({
      method: 'POST',
      json: { a: 1 },
      headers: { 'Content-Type': 'application/vnd.api+json' },
    });
    expect(header.CONTENT_TYPE).toBe('application/vnd.api+json');
    const option = buildEnviron({
      method: 'POST',
      form: { a: '1' },
      contentType: 'application/x-www-form-urlencoded; charset=utf-8',
      headers: { 'content-type': 'text/plain' },
    });
    expect(option.CONTENT_TYPE).toBe('application/x-www-form-urlencoded; charset=utf-8');
  });

  it('sets CONTENT_TYPE and CONTENT_LENGTH from a json or form body, never HTTP_CONTENT_*', async () => {
    const environ = buildEnviron({ method: 'POST', json: { a: 1 } });
    expect(environ.CONTENT_TYPE).toBe('application/json');
    expect(environ.CONTENT_LENGTH).toBe('7');
    expect(environ.HTTP_CONTENT_TYPE).toBeUndefined();
    expect(new TextDecoder().decode(await environ['wsgi.input'].read())).toBe('{"a":1}');
    const form = buildEnviron({ method: 'POST', form: { a: ['1', '2'], b: 'x y' } });
    expect(form.CONTENT_TYPE).toBe('application/x-www-form-urlencoded');
    expect(new TextDecoder().decode(await form['wsgi.input'].read())).toBe('a=1&a=2&b=x+y');
  });

  it('sends a form with a File or Blob as multipart/form-data that parsers read back exactly', async () => {
    const bytes = new Uint8Array(300).map((_, i) => (i * 7) % 256); // CR, LF and `--` included
    const form = {
      user: 'Adá "the" first',
      avatar: new File([bytes], 'pic "1".png', { type: 'image/png' }),
      notes: [new Blob(['plain blob']), 'second\r\nline'],
    };
    const environ = buildEnviron({ method: 'POST', form });
    expect(environ.CONTENT_TYPE).toMatch(/^multipart\/form-data; boundary=\S+$/);
    const body = await environ['wsgi.input'].read();
    expect(Number(environ.CONTENT_LENGTH)).toBe(body.byteLength);

    // The framework's parser, as an app sees it.
    const request = new Request(buildEnviron({ method: 'POST', form }));
    const fields = await request.form();
    const files = await request.files();
    expect(fields.get('user')).toBe('Adá "the" first');
    expect(fields.getAll('notes')).toEqual(['second\r\nline']);
    const avatar = files.get('avatar')!;
    expect([avatar.filename, avatar.contentType]).toEqual(['pic "1".png', 'image/png']);
    expect(avatar.data).toEqual(bytes);
    const blob = files.get('notes')!;
    expect([blob.filename, blob.contentType, blob.text()]).toEqual([
      'blob',
      'application/octet-stream',
      'plain blob',
    ]);

    // An independent parser: the web's own, on the same bytes.
    const parsed = await new globalThis.Request('http://localhost/', {
      method: 'POST',
      headers: { 'content-type': environ.CONTENT_TYPE as string },
      body: body as Uint8Array<ArrayBuffer>,
    }).formData();
    expect(parsed.get('user')).toBe('Adá "the" first');
    const file = parsed.get('avatar') as File;
    expect(file.name).toBe('pic "1".png');
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes);
    expect(parsed.getAll('notes').length).toBe(2);
  });

  it("lets a request's own body replace a Client's default one of another kind", async () => {
    const echo: App = async (environ, start) => {
      start('200 OK', [['Content-Type', 'text/plain']]);
      const body = new TextDecoder().decode(await environ['wsgi.input'].read());
      return [`${environ.CONTENT_TYPE} ${body}`];
    };
    const client = new Client(echo, { json: { token: 'default' } });
    expect((await client.post('/', { form: { user: 'ada' } })).text()).toBe(
      'application/x-www-form-urlencoded user=ada',
    );
    expect((await client.post('/', { body: 'raw' })).text()).toBe('undefined raw');
    expect((await client.post('/')).text()).toBe('application/json {"token":"default"}');
    expect((await client.post('/', { body: undefined })).text()).toBe(
      'application/json {"token":"default"}',
    );
    // What described the default body goes with it; a default type with no default body stays.
    for (const xml of [
      new Client(echo, { body: '<a/>', contentType: 'application/xml' }),
      new Client(echo, { body: '<a/>', headers: { 'Content-Type': 'application/xml' } }),
    ]) {
      expect((await xml.post('/', { json: { a: 1 } })).text()).toBe('application/json {"a":1}');
      expect((await xml.post('/', { form: { a: '1' } })).text()).toBe(
        'application/x-www-form-urlencoded a=1',
      );
    }
    const typed = new Client(echo, { contentType: 'application/xml' });
    expect((await typed.post('/', { body: '<a/>' })).text()).toBe('application/xml <a/>');
  });

  it('sends line endings in names and text values as CRLF, as FormData does', async () => {
    const fields = { 'a\nb': 'line1\nline2\rline3', file: new File(['x\ny'], 'f\n.txt') };
    const environ = buildEnviron({ method: 'POST', form: fields });
    const ours = await new globalThis.Request('http://localhost/', {
      method: 'POST',
      headers: { 'content-type': environ.CONTENT_TYPE as string },
      body: (await environ['wsgi.input'].read()) as Uint8Array<ArrayBuffer>,
    }).formData();
    const data = new FormData();
    for (const [name, value] of Object.entries(fields)) data.append(name, value);
    const theirs = await new globalThis.Request('http://localhost/', {
      method: 'POST',
      body: data,
    }).formData();
    const entries = async (form: FormData) =>
      Promise.all(
        [...form].map(async ([name, value]) => [
          name,
          typeof value === 'string' ? value : [value.name, await value.text()],
        ]),
      );
    expect(await entries(ours)).toEqual(await entries(theirs));
    expect(ours.get('a\r\nb')).toBe('line1\r\nline2\r\nline3');
  });

  it('sends a form without files urlencoded, and refuses two bodies at once', () => {
    expect(buildEnviron({ method: 'POST', form: { a: 'b' } }).CONTENT_TYPE).toBe(
      'application/x-www-form-urlencoded',
    );
    expect(() => buildEnviron({ method: 'POST', json: { a: 1 }, form: { a: '1' } })).toThrow(
      'give one request body, not json and form together',
    );
    expect(() => buildEnviron({ method: 'POST', body: 'x', json: null })).toThrow(
      'not body and json together',
    );
  });

  it('adds headers, joining repeats', () => {
    const environ = buildEnviron({
      headers: { 'X-Many': ['a', 'b'], Cookie: ['a=1', 'b=2'], 'Content-Type': 'text/plain' },
    });
    expect(environ.HTTP_X_MANY).toBe('a, b');
    expect(environ.HTTP_COOKIE).toBe('a=1; b=2');
    expect(environ.CONTENT_TYPE).toBe('text/plain');
  });

  it('passes lint', async () => {
    const checked = lint((_, s) => {
      s('200 OK', [['Content-Type', 'text/plain']]);
      return [];
    });
    await new Client(checked).post('/x?y=1', { body: 'abc', headers: { 'X-A': '1' } });
    expect(checked.violations).toEqual([]);
  });
});

describe('Client', () => {
  const echo: App = async (environ: Environ, start) => {
    const body = await environ['wsgi.input'].read();
    start('200 OK', [
      ['Content-Type', 'application/json'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
    ]);
    return [
      JSON.stringify({
        method: environ.REQUEST_METHOD,
        path: environ.PATH_INFO,
        body: new TextDecoder().decode(body),
      }),
    ];
  };

  it("adds a request's own headers to the client's defaults, its own winning by name", async () => {
    const seen: Environ[] = [];
    const client = new Client(
      (environ, start) => {
        seen.push(environ);
        start('204 No Content', []);
        return [];
      },
      { headers: { Authorization: 'Bearer t', 'X-Mode': 'default' } },
    );
    await client.get('/', { headers: { 'x-mode': 'mine', 'X-Extra': '1' } });
    expect([seen[0]!.HTTP_AUTHORIZATION, seen[0]!.HTTP_X_MODE, seen[0]!.HTTP_X_EXTRA]).toEqual([
      'Bearer t',
      'mine',
      '1',
    ]);
  });

  it('sends each method and reads status, headers and body', async () => {
    const client = new Client(echo);
    for (const method of ['get', 'post', 'put', 'patch', 'delete', 'options'] as const) {
      const res = await client[method]('/p', { body: 'b' });
      expect(res.statusCode).toBe(200);
      expect(res.status).toBe('200 OK');
      expect(res.json()).toEqual({ method: method.toUpperCase(), path: '/p', body: 'b' });
      expect(res.headerAll('set-cookie')).toEqual(['a=1', 'b=2']);
      expect(res.header('content-type')).toBe('application/json');
    }
  });

  it('HEAD gets headers and no body', async () => {
    const res = await new Client(echo).head('/p');
    expect(res.body.byteLength).toBe(0);
    expect(res.header('content-type')).toBe('application/json');
  });

  it('HEAD resolves once the app has ended and close() has run, even if it wrote early', async () => {
    let closes = 0;
    const res = await new Client(async (_environ, start) => {
      const write = start('200 OK', [['Content-Type', 'text/plain']]);
      write('a');
      await new Promise((resolve) => setTimeout(resolve, 20));
      return Object.assign(['c'], { close: () => void closes++ });
    }).head('/');
    expect([res.statusCode, res.body.byteLength, closes, res.errors]).toEqual([200, 0, 1, '']);
  });

  it('collects what the app logged, including the stack of a 500', async () => {
    const res = await new Client(() => {
      throw new Error('kaboom');
    }).get('/');
    expect(res.statusCode).toBe(500);
    expect(res.errors).toMatch(/kaboom/);
  });

  it('answers a 1xx, which no adapter can send as the answer, with a logged 500 and runs close()', async () => {
    let closed = 0;
    const res = await new Client((_environ, start) => {
      start('103 Early Hints', [['Link', '</a.css>; rel=preload']]);
      return Object.assign([], { close: () => void closed++ });
    }).get('/early');
    expect([res.statusCode, res.text(), res.header('link')]).toEqual([
      500,
      'Internal Server Error\n',
      undefined,
    ]);
    expect(res.errors).toMatch(/GET \/early cannot be sent by any adapter: a 1xx status/);
    expect(closed).toBe(1);
  });
});

describe('Client: cookies', () => {
  /** An app that sets what `?set=` says and answers with the Cookie header it got. */
  const cookieApp: App = (environ, start) => {
    const set = new URLSearchParams(environ.QUERY_STRING).getAll('set');
    start('200 OK', [
      ['Content-Type', 'text/plain'],
      ...set.map((value): [string, string] => ['Set-Cookie', value]),
    ]);
    return [environ.HTTP_COOKIE ?? ''];
  };
  const setting = (...cookies: string[]) =>
    `?${new URLSearchParams(cookies.map((c) => ['set', c])).toString()}`;

  it('keeps cookies a response sets and sends them on later requests', async () => {
    const client = new Client(cookieApp);
    expect(
      (await client.get(`/${setting('sid=abc; Path=/; HttpOnly', 'theme=dark')}`)).text(),
    ).toBe('');
    expect((await client.get('/me')).text()).toBe('sid=abc; theme=dark');
    expect(client.cookies?.get('sid')).toBe('abc');
    await client.get(`/${setting('sid=xyz; Path=/')}`);
    expect((await client.get('/me')).text()).toBe('theme=dark; sid=xyz');
  });

  it('deletes a cookie on Max-Age=0 or an Expires in the past, Max-Age winning over Expires', async () => {
    const client = new Client(cookieApp);
    await client.get(`/${setting('a=1', 'b=2', 'c=3', 'd=4')}`);
    await client.get(
      `/${setting(
        'a=; Max-Age=0',
        'b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
        'c=3; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
        'd=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0',
      )}`,
    );
    expect((await client.get('/')).text()).toBe('c=3');
  });

  it('deletes what Response.deleteCookie and a Max-Age that has run out say', async () => {
    const client = new Client((environ, start) => {
      const res =
        environ.PATH_INFO === '/logout'
          ? new Response('bye').deleteCookie('sid')
          : new Response(environ.HTTP_COOKIE ?? '').setCookie('sid', 'abc', { maxAge: 1 });
      return res(environ, start);
    });
    await client.get('/login');
    expect((await client.get('/')).text()).toBe('sid=abc');
    await client.get('/logout');
    expect([...(client.cookies ?? [])]).toEqual([]);
    await client.get('/login');
    expect(client.cookies?.get('sid')).toBe('abc');
    const later = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 2000);
    try {
      expect((await client.get('/')).text()).toBe('');
    } finally {
      later.mockRestore();
    }
  });

  it('scopes cookies by path: the Path attribute, else the directory of the request', async () => {
    const client = new Client(cookieApp);
    await client.get(`/admin/login${setting('a=1; Path=/admin', 'b=2')}`);
    await client.get(`/${setting('c=3; Path=/')}`);
    expect((await client.get('/admin')).text()).toBe('a=1; b=2; c=3');
    expect((await client.get('/admin/users')).text()).toBe('a=1; b=2; c=3');
    expect((await client.get('/administrator')).text()).toBe('c=3');
    expect((await client.get('/')).text()).toBe('c=3');
  });

  it('sends cookies to the host that set them, or to the Domain and its subdomains', async () => {
    const client = new Client(cookieApp);
    await client.get(
      `/${setting('host=1', 'wide=2; Domain=example.com', 'other=3; Domain=evil.com')}`,
      {
        host: 'example.com',
      },
    );
    expect((await client.get('/', { host: 'example.com:8080' })).text()).toBe('host=1; wide=2');
    expect((await client.get('/', { host: 'api.example.com' })).text()).toBe('wide=2');
    expect((await client.get('/', { host: 'localhost' })).text()).toBe('');
  });

  it('lets a Domain on an IP address match that address only', async () => {
    const client = new Client(cookieApp);
    await client.get(`/${setting('a=1; Domain=0.0.1', 'b=2; Domain=127.0.0.1')}`, {
      host: '127.0.0.1',
    });
    expect((await client.get('/', { host: '127.0.0.1' })).text()).toBe('b=2');
    expect((await client.get('/', { host: '10.0.0.1' })).text()).toBe('');
  });

  it('scopes a cookie by the encoded path, as a browser does', async () => {
    const client = new Client(cookieApp);
    await client.get(`/café/x${setting('a=1')}`);
    expect((await client.get('/caf%C3%A9/y')).text()).toBe('a=1');
    expect((await client.get('/café/z')).text()).toBe('a=1');
    expect((await client.get('/other')).text()).toBe('');
  });

  it('puts cookies given in the request headers first, and sends none with useCookies: false', async () => {
    const client = new Client(cookieApp);
    await client.get(`/${setting('a=jar')}`);
    expect((await client.get('/', { headers: { Cookie: 'a=mine' } })).text()).toBe('a=mine; a=jar');
    client.cookies?.set('extra', '1');
    expect((await client.get('/')).text()).toBe('a=jar; extra=1');
    client.cookies?.delete('a');
    expect((await client.get('/')).text()).toBe('extra=1');

    const plain = new Client(cookieApp, { useCookies: false });
    expect(plain.cookies).toBeNull();
    await plain.get(`/${setting('a=1')}`);
    expect((await plain.get('/')).text()).toBe('');
  });
});

describe('Client: followRedirects', () => {
  /** Redirects `/r/<code>/<target>` there; answers anything else with what it got. */
  const redirecting: App = async (environ, start) => {
    const body = new TextDecoder().decode(await environ['wsgi.input'].read());
    const match = /^\/r\/(\d+)(\/.*)$/.exec(environ.PATH_INFO);
    if (match) {
      start(`${match[1]} Redirect`, [
        ['Content-Type', 'text/plain'],
        ['Location', `${match[2]}${environ.QUERY_STRING ? `?${environ.QUERY_STRING}` : ''}`],
      ]);
      return [];
    }
    start('200 OK', [['Content-Type', 'application/json']]);
    return [
      JSON.stringify({
        method: environ.REQUEST_METHOD,
        script: environ.SCRIPT_NAME,
        path: environ.PATH_INFO,
        query: environ.QUERY_STRING,
        type: environ.CONTENT_TYPE ?? null,
        body,
      }),
    ];
  };

  it('sends a form with files again, whole, on a 307', async () => {
    const file = new File(['file body'], 'a.txt', { type: 'text/plain' });
    const res = await new Client(redirecting).post('/r/307/end', {
      form: { f: file },
      followRedirects: true,
    });
    const seen = res.json<{ type: string; body: string }>();
    expect(seen.type).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen.body).toContain(
      'filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nfile body\r\n',
    );
  });

  it('does not follow unless asked', async () => {
    const res = await new Client(redirecting).get('/r/302/end');
    expect([res.statusCode, res.header('location'), res.history]).toEqual([302, '/end', []]);
  });

  it('turns a 303, and a 301 or 302 after a POST, into a GET without the body', async () => {
    const client = new Client(redirecting);
    for (const code of [301, 302, 303]) {
      const res = await client.post(`/r/${code}/end?x=1`, {
        json: { a: 1 },
        headers: { 'Content-Type': 'application/json', 'X-Keep': 'y' },
        followRedirects: true,
      });
      expect(res.json()).toEqual({
        method: 'GET',
        script: '',
        path: '/end',
        query: 'x=1',
        type: null,
        body: '',
      });
      expect(res.history.map((r) => r.statusCode)).toEqual([code]);
      expect(res.history[0]?.request).toEqual({
        method: 'POST',
        url: `http://localhost/r/${code}/end?x=1`,
      });
      expect(res.request).toEqual({ method: 'GET', url: 'http://localhost/end?x=1' });
    }
    const put = await client.put('/r/303/end', { body: 'b', followRedirects: true });
    expect(put.json()).toMatchObject({ method: 'GET', body: '' });
    const head = await client.head('/r/303/end', { followRedirects: true });
    expect([head.statusCode, head.request?.method]).toEqual([200, 'HEAD']);
  });

  it('keeps the method and body through a 307 or 308, and a PUT through a 302', async () => {
    const client = new Client(redirecting);
    for (const code of [307, 308]) {
      const res = await client.post(`/r/${code}/end`, { json: { a: 1 }, followRedirects: true });
      expect(res.json()).toEqual({
        method: 'POST',
        script: '',
        path: '/end',
        query: '',
        type: 'application/json',
        body: '{"a":1}',
      });
    }
    const put = await client.put('/r/302/end', { body: 'b', followRedirects: true });
    expect(put.json()).toMatchObject({ method: 'PUT', body: 'b' });
  });

  it('keeps the mount point when the target is under it, and carries cookies along', async () => {
    const app: App = (environ, start) => {
      const path = environ.PATH_INFO;
      const res =
        path === '/login'
          ? Response.redirect(`${environ.SCRIPT_NAME}/me`).setCookie('sid', 'abc', { path: '/app' })
          : path === '/out'
            ? Response.redirect('/elsewhere')
            : Response.json({
                script: environ.SCRIPT_NAME,
                path,
                cookie: environ.HTTP_COOKIE ?? null,
              });
      return res(environ, start);
    };
    const client = new Client(app, { baseUrl: 'https://example.com/app' });
    const me = await client.get('/login', { followRedirects: true });
    expect(me.json()).toEqual({ script: '/app', path: '/me', cookie: 'sid=abc' });
    expect(me.request?.url).toBe('https://example.com/app/me');
    const out = await client.get('/out', { followRedirects: true });
    expect(out.json()).toEqual({ script: '', path: '/elsewhere', cookie: null });
  });

  it('follows a chain, and refuses another host, a loop past the limit and a stream to resend', async () => {
    const client = new Client(redirecting);
    const chain = await client.get('/r/301/r/302/r/308/end', { followRedirects: true });
    expect(chain.history.map((r) => r.statusCode)).toEqual([301, 302, 308]);
    expect(chain.json()).toMatchObject({ path: '/end' });

    await expect(client.get('/r/302//example.org/x', { followRedirects: true })).rejects.toThrow(
      /another host/,
    );
    const loop = new Client((_, start) => {
      start('302 Found', [
        ['Content-Type', 'text/plain'],
        ['Location', '/again'],
      ]);
      return [];
    });
    await expect(loop.get('/', { followRedirects: true })).rejects.toThrow(
      /more than 20 redirects/,
    );
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('x'));
        controller.close();
      },
    });
    await expect(
      client.post('/r/307/end', { body: stream, followRedirects: true }),
    ).rejects.toThrow(/stream/);
  });

  it('passes lint on every hop', async () => {
    const checked = lint(redirecting);
    const res = await new Client(checked).post('/r/303/r/307/end', {
      form: { a: '1' },
      followRedirects: true,
    });
    expect(res.statusCode).toBe(200);
    checked.assertClosed();
    expect(checked.violations).toEqual([]);
  });
});
