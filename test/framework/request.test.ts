import { describe, expect, it } from 'vitest';
import type { App } from '../../src/index.js';
import { MultiDict, Request, RequestEntityTooLarge, Response } from '../../src/index.js';
import { lint } from '../../src/middleware/index.js';
import { buildEnviron, Client } from '../../src/testing/index.js';

/** Runs `inspect` on the Request for one request through lint and the client; gives its JSON. */
async function seen(
  options: Parameters<Client['request']>[2] & { method?: string; path?: string },
  inspect: (request: Request) => unknown,
): Promise<unknown> {
  const app: App = async (environ, startResponse) =>
    Response.json(await inspect(new Request(environ)))(environ, startResponse);
  const checked = lint(app);
  const res = await new Client(checked).request(
    options.method ?? 'GET',
    options.path ?? '/',
    options,
  );
  checked.assertClosed();
  expect(checked.violations).toEqual([]);
  expect(res.statusCode, res.text()).toBe(200);
  return res.json();
}

describe('Request', () => {
  it('reads method, paths and urls from environ', async () => {
    const result = await seen(
      {
        method: 'POST',
        path: '/a%20b/caf%C3%A9?x=1&y=%20',
        baseUrl: 'https://example.com:8443/mount',
      },
      (r) => ({
        method: r.method,
        path: r.path,
        fullPath: r.fullPath,
        scriptRoot: r.scriptRoot,
        host: r.host,
        url: r.url,
        baseUrl: r.baseUrl,
        rootUrl: r.rootUrl,
        hostUrl: r.hostUrl,
        secure: r.isSecure,
      }),
    );
    expect(result).toEqual({
      method: 'POST',
      path: '/a b/café',
      fullPath: '/a b/café?x=1&y=%20',
      scriptRoot: '/mount',
      host: 'example.com:8443',
      url: 'https://example.com:8443/mount/a%20b/caf%C3%A9?x=1&y=%20',
      baseUrl: 'https://example.com:8443/mount/a%20b/caf%C3%A9',
      rootUrl: 'https://example.com:8443/mount/',
      hostUrl: 'https://example.com:8443/',
      secure: true,
    });
  });

  it('encodes a decoded "%" again when it rebuilds URLs', () => {
    const environ = buildEnviron({ path: '/100%25/x%3Fy%23z?q=%25' });
    environ.SCRIPT_NAME = '/50%';
    const request = new Request(environ);
    expect(request.path).toBe('/100%/x?y#z');
    expect(request.url).toBe('http://localhost/50%25/100%25/x%3Fy%23z?q=%25');
    expect(request.baseUrl).toBe('http://localhost/50%25/100%25/x%3Fy%23z');
    expect(request.rootUrl).toBe('http://localhost/50%25/');
  });

  it('gives "/" as the path when PATH_INFO is empty under a mount point', () => {
    const environ = buildEnviron({ scriptName: '/app' });
    environ.PATH_INFO = '';
    expect(new Request(environ).path).toBe('/');
  });

  it('keeps repeated query keys in args', async () => {
    const result = await seen({ path: '/?tag=a&tag=b&q=x+y&empty=' }, (r) => ({
      first: r.args.get('tag'),
      all: r.args.getAll('tag'),
      q: r.args.get('q'),
      empty: r.args.get('empty'),
      missing: r.args.get('nope') ?? null,
      n: r.args.getAs('tag', Number) ?? null,
    }));
    expect(result).toEqual({
      first: 'a',
      all: ['a', 'b'],
      q: 'x y',
      empty: '',
      missing: null,
      n: null,
    });
  });

  it('reads headers case-insensitively and splits repeats again', async () => {
    const result = await seen(
      {
        headers: [
          ['X-Forwarded-For', '203.0.113.7'],
          ['X-Forwarded-For', '10.0.0.1'],
          ['Accept', 'text/html, application/json;q="0.9,x"'],
        ],
        contentType: 'text/plain',
        body: 'x',
      },
      (r) => ({
        joined: r.headers.get('x-forwarded-for'),
        all: r.headers.getAll('X-FORWARDED-FOR'),
        accept: r.headers.getAll('accept'),
        contentType: r.headers.get('Content-Type'),
        has: r.headers.has('x-missing'),
        names: [...r.headers].map(([name]) => name).sort(),
      }),
    );
    expect(result).toEqual({
      joined: '203.0.113.7, 10.0.0.1',
      all: ['203.0.113.7', '10.0.0.1'],
      accept: ['text/html', 'application/json;q="0.9,x"'],
      contentType: 'text/plain',
      has: false,
      names: ['Accept', 'Content-Length', 'Content-Type', 'Host', 'X-Forwarded-For'],
    });
  });

  it('parses cookies: first of a repeat wins, quotes and escapes undone', async () => {
    const result = await seen(
      { headers: { Cookie: ['a=1; b="x y"', 'a=2; c=caf%C3%A9; d=100%'] } },
      (r) => Object.fromEntries(r.cookies),
    );
    expect(result).toEqual({ a: '1', b: 'x y', c: 'café', d: '100%' });
  });

  it('undoes the backslash escapes of quoted cookie values, octal ones as UTF-8 bytes', async () => {
    const result = await seen(
      { headers: { Cookie: 'a="a\\"b"; b="x\\054y"; c="caf\\303\\251"; d="\\\\\\x"' } },
      (r) => Object.fromEntries(r.cookies),
    );
    expect(result).toEqual({ a: 'a"b', b: 'x,y', c: 'café', d: '\\x' });
  });

  it('unescapes a long quoted cookie value, and keeps a leading U+FEFF as part of it', () => {
    const long = `${'x'.repeat(200_000)}\\"`;
    const cookies = new Request(
      buildEnviron({ headers: { Cookie: `a="${long}"; b="\\357\\273\\277v\\"w"` } }),
    ).cookies;
    expect(cookies.get('a')).toBe(`${'x'.repeat(200_000)}"`);
    expect(cookies.get('b')).toBe('\uFEFFv"w');
  });

  it('drops the default port from the Host header', () => {
    const hostOf = (scheme: 'http' | 'https', host: string) =>
      new Request(buildEnviron({ scheme, host })).host;
    expect(hostOf('https', 'example.com:443')).toBe('example.com');
    expect(hostOf('http', 'example.com:80')).toBe('example.com');
    expect(hostOf('http', '[::1]:80')).toBe('[::1]');
    expect(hostOf('http', 'example.com:443')).toBe('example.com:443');
    expect(hostOf('https', 'example.com:8080')).toBe('example.com:8080');
    const request = new Request(buildEnviron({ scheme: 'https', host: 'example.com:443' }));
    expect([request.url, request.hostUrl]).toEqual([
      'https://example.com/',
      'https://example.com/',
    ]);
  });

  it('brackets a bare IPv6 SERVER_NAME when there is no Host header', () => {
    const environ = buildEnviron({ scheme: 'http' });
    delete environ.HTTP_HOST;
    Object.assign(environ, { SERVER_NAME: '::1', SERVER_PORT: '8080', PATH_INFO: '/p' });
    const request = new Request(environ);
    expect(request.host).toBe('[::1]:8080');
    expect(new URL(request.url).href).toBe('http://[::1]:8080/p');
  });

  it.each(['1e3', '0x10', '+5', '-1', ' 5', '5.0', 'abc'])(
    'reads Content-Length %j as no length',
    (value) => {
      const environ = buildEnviron({ extra: { CONTENT_LENGTH: value } });
      expect(new Request(environ).contentLength).toBeUndefined();
    },
  );

  it('exposes the remote address, content type and length', async () => {
    const result = await seen(
      {
        method: 'POST',
        remoteAddr: '198.51.100.2',
        body: 'héllo',
        contentType: 'text/plain; charset=UTF-8',
      },
      async (r) => ({
        remote: r.remoteAddr,
        mimetype: r.mimetype,
        charset: r.charset,
        length: r.contentLength,
        text: await r.text(),
        again: await r.text(),
      }),
    );
    expect(result).toEqual({
      remote: '198.51.100.2',
      mimetype: 'text/plain',
      charset: 'utf-8',
      length: 6,
      text: 'héllo',
      again: 'héllo',
    });
  });

  it('reads the body byte for byte', async () => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 7 + 3) & 255);
    const environ = buildEnviron({ method: 'POST', body: bytes });
    const read = await new Request(environ).bytes();
    expect(Buffer.from(read).equals(bytes)).toBe(true);
  });

  it('decodes a body in its declared charset', async () => {
    const environ = buildEnviron({
      method: 'POST',
      body: new Uint8Array([0x63, 0x61, 0x66, 0xe9]),
      contentType: 'text/plain; charset=latin1',
    });
    expect(await new Request(environ).text()).toBe('café');
  });

  it('parses JSON, and refuses a body that is not declared JSON (415) or does not parse (400)', async () => {
    expect(await new Request(buildEnviron({ method: 'POST', json: { a: [1] } })).json()).toEqual({
      a: [1],
    });
    const vendor = buildEnviron({
      method: 'POST',
      body: '{"b":2}',
      contentType: 'application/vnd.x+json',
    });
    expect(await new Request(vendor).json()).toEqual({ b: 2 });
    const plain = buildEnviron({ method: 'POST', body: '{}', contentType: 'text/plain' });
    await expect(new Request(plain).json()).rejects.toMatchObject({ code: 415 });
    const broken = buildEnviron({ method: 'POST', body: '{"a":', contentType: 'application/json' });
    await expect(new Request(broken).json()).rejects.toMatchObject({ code: 400 });
  });

  it('refuses a body over maxContentLength with a 413, before reading when Content-Length says so', async () => {
    let pulled = 0;
    async function* body() {
      for (let i = 0; i < 10; i++) {
        pulled++;
        yield new Uint8Array(100);
      }
    }
    const declared = buildEnviron({
      method: 'POST',
      body: body(),
      headers: { 'Content-Length': '1000' },
    });
    const error = await new Request(declared, { maxContentLength: 999 }).bytes().catch((e) => e);
    expect(error).toBeInstanceOf(RequestEntityTooLarge);
    expect(error.code).toBe(413);
    expect(error.message).toContain('999');
    expect(pulled).toBe(0);

    const undeclared = buildEnviron({ method: 'POST', body: body() });
    pulled = 0;
    await expect(new Request(undeclared, { maxContentLength: 250 }).bytes()).rejects.toBeInstanceOf(
      RequestEntityTooLarge,
    );
    expect(pulled).toBe(3);

    const fits = buildEnviron({ method: 'POST', body: new Uint8Array(250) });
    expect((await new Request(fits, { maxContentLength: 250 }).bytes()).byteLength).toBe(250);
  });

  it('parses an urlencoded form and gives an empty one for other types', async () => {
    const form = await new Request(
      buildEnviron({ method: 'POST', form: { name: 'Ada Lovelace', tag: ['a', 'b'] } }),
    ).form();
    expect(form).toBeInstanceOf(MultiDict);
    expect(form.get('name')).toBe('Ada Lovelace');
    expect(form.getAll('tag')).toEqual(['a', 'b']);
    const none = await new Request(buildEnviron({ method: 'POST', json: {} })).form();
    expect(none.size).toBe(0);
  });

  it('MultiDict keeps repeats and converts to plain objects', () => {
    const dict = new MultiDict([
      ['a', '1'],
      ['b', '2'],
      ['a', '3'],
    ]);
    expect([...dict]).toEqual([
      ['a', '1'],
      ['a', '3'],
      ['b', '2'],
    ]);
    expect(dict.toObject()).toEqual({ a: '1', b: '2' });
    expect(JSON.parse(JSON.stringify(dict))).toEqual({ a: ['1', '3'], b: ['2'] });
    dict.set('a', 'x');
    dict.delete('b');
    expect([dict.getAll('a'), dict.has('b'), dict.size]).toEqual([['x'], false, 1]);
    expect(dict.getAs('a', Number)).toBeUndefined();
  });

  it('MultiDict.toObject keeps a __proto__ key as its own property', () => {
    const object = new MultiDict([
      ['__proto__', 'x'],
      ['a', '1'],
    ]).toObject();
    expect(Object.entries(object)).toEqual([
      ['__proto__', 'x'],
      ['a', '1'],
    ]);
    expect(Object.getPrototypeOf(object)).toBe(Object.prototype);
  });

  it('gives the headers as a plain object with lower-case names', () => {
    const environ = buildEnviron({ headers: { 'X-One': '1' }, host: 'example.com' });
    expect(new Request(environ).headers.toObject()).toEqual({ host: 'example.com', 'x-one': '1' });
  });
});
