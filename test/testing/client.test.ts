import { describe, expect, it } from 'vitest';
import type { App, Environ } from '../../src/index.js';
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

  it('collects what the app logged, including the stack of a 500', async () => {
    const res = await new Client(() => {
      throw new Error('kaboom');
    }).get('/');
    expect(res.statusCode).toBe(500);
    expect(res.errors).toMatch(/kaboom/);
  });
});
