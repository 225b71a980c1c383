import { describe, expect, it } from 'vitest';
import app, { binaryPattern } from '../../examples/hello/app.js';
import { lint } from '../../src/middleware/index.js';
import { Client, type RequestOptions, type TestResponse } from '../../src/testing/index.js';

async function call(
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

describe('examples/hello', () => {
  it('GET / is the Flask-style HTML greeting, and HEAD / its headers', async () => {
    const res = await call('GET', '/');
    expect([res.status, res.header('content-type'), res.text()]).toEqual([
      '200 OK',
      'text/html; charset=utf-8',
      '<p>Hello, World!</p>',
    ]);
    const head = await call('HEAD', '/');
    expect([head.statusCode, head.header('content-type'), head.body.byteLength]).toEqual([
      200,
      'text/html; charset=utf-8',
      0,
    ]);
  });

  it('GET /json is the JSON message', async () => {
    const res = await call('GET', '/json');
    expect(res.headers).toEqual([['Content-Type', 'application/json']]);
    expect(res.text()).toBe('{"message":"Hello, World!"}');
  });

  it('GET /binary sends the pattern, 1 MiB by default, capped at 8 MiB', async () => {
    const small = await call('GET', '/binary?size=1000');
    expect(small.header('content-type')).toBe('application/octet-stream');
    expect(small.header('content-length')).toBe('1000');
    expect(Buffer.from(small.body).equals(binaryPattern(1000))).toBe(true);
    expect((await call('GET', '/binary')).body.byteLength).toBe(1048576);
    expect((await call('GET', '/binary?size=-5')).body.byteLength).toBe(1048576);
    expect((await call('GET', '/binary?size=99999999')).body.byteLength).toBe(8 * 1048576);
  });

  it('GET /cookies sends three Set-Cookie headers, exactly', async () => {
    const res = await call('GET', '/cookies');
    expect(res.headers).toEqual([
      ['Content-Type', 'text/plain; charset=utf-8'],
      ['Set-Cookie', 'a=1; Path=/'],
      ['Set-Cookie', 'b=2; Path=/; HttpOnly'],
      ['Set-Cookie', 'c=3; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/'],
    ]);
    expect(res.text()).toBe('three cookies');
  });

  it('POST /echo sends the body back byte for byte with its Content-Type', async () => {
    const body = binaryPattern(100_000);
    const res = await call('POST', '/echo', { body, contentType: 'application/x-thing' });
    expect([res.header('content-type'), res.header('content-length')]).toEqual([
      'application/x-thing',
      '100000',
    ]);
    expect(Buffer.from(res.body).equals(body)).toBe(true);
    const untyped = await call('POST', '/echo', { body: 'x' });
    expect(untyped.header('content-type')).toBe('application/octet-stream');
    const empty = await call('POST', '/echo');
    expect([empty.header('content-length'), empty.body.byteLength]).toEqual(['0', 0]);
  });

  it('GET /stream sends n chunks', async () => {
    const res = await call('GET', '/stream?n=3&delay=1');
    expect(res.header('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.text()).toBe('chunk 0\nchunk 1\nchunk 2\n');
  });

  it('GET /environ sends environ string keys and the bindings', async () => {
    const res = await call('GET', '/environ?x=1', {
      headers: { 'X-Test': 'yes' },
      extra: { 'cloudflare.env': { GREETING: 'hi', NUMBER: 1 } },
    });
    const body = res.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      REQUEST_METHOD: 'GET',
      PATH_INFO: '/environ',
      QUERY_STRING: 'x=1',
      HTTP_X_TEST: 'yes',
      bindings: { GREETING: 'hi' },
    });
  });

  it('routes typed parameters and builds URLs back', async () => {
    expect((await call('GET', '/hello/%3Cb%3EAda')).text()).toBe('<p>Hello, &#60;b&#62;Ada!</p>');
    expect((await call('GET', '/users/42', { scriptName: '/site' })).json()).toEqual({
      id: 42,
      url: '/site/users/42',
    });
    expect((await call('GET', '/users/abc')).statusCode).toBe(404);
  });

  it('answers unknown paths with a plain 404 and known paths with other methods with 405', async () => {
    const missing = await call('GET', '/nowhere');
    expect([missing.status, missing.header('content-type'), missing.text()]).toEqual([
      '404 Not Found',
      'text/plain; charset=utf-8',
      'Not Found',
    ]);
    const wrong = await call('PUT', '/echo');
    expect([wrong.statusCode, wrong.header('allow')]).toEqual([405, 'OPTIONS, POST']);
  });
});
