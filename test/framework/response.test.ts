import { describe, expect, it } from 'vitest';
import { type CookieOptions, HeaderList, Response, runApp, TsgiResponse } from '../../src/index.js';
import { lint } from '../../src/middleware/index.js';
import { buildEnviron, Client, type TestResponse } from '../../src/testing/index.js';

/** Sends `make()`'s response for one request, through lint and the client. */
async function send(make: () => Response, method = 'GET'): Promise<TestResponse> {
  const checked = lint((environ, startResponse) => make()(environ, startResponse));
  const res = await new Client(checked).request(method, '/');
  checked.assertClosed();
  expect(checked.violations).toEqual([]);
  return res;
}

/** environ and startResponse for calling a Response directly. */
function fakeCall(): Parameters<Response> {
  const environ = { REQUEST_METHOD: 'GET' } as Parameters<Response>[0];
  return [environ, () => () => {}];
}

describe('Response', () => {
  it('is an app, and its own class under the alias', () => {
    const response = new TsgiResponse('x');
    expect(typeof response).toBe('function');
    expect(response).toBeInstanceOf(Response);
    expect(TsgiResponse).toBe(Response);
  });

  it('sends a string as UTF-8 text with Content-Length', async () => {
    const res = await send(() => new Response('héllo'));
    expect(res.status).toBe('200 OK');
    expect(res.header('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.header('content-length')).toBe('6');
    expect(res.text()).toBe('héllo');
    const astral = await send(() => new Response('a😀\uD800'));
    expect(astral.header('content-length')).toBe('8');
    expect(Buffer.from(astral.body).toString('hex')).toBe('61f09f9880efbfbd');
  });

  it('sends bytes byte for byte', async () => {
    const bytes = new Uint8Array(1000).map((_, i) => (i * 13) & 255);
    const res = await send(() => new Response(bytes, { mimetype: 'application/octet-stream' }));
    expect(res.header('content-type')).toBe('application/octet-stream');
    expect(res.header('content-length')).toBe('1000');
    expect(Buffer.from(res.body).equals(bytes)).toBe(true);
  });

  it('streams a sync iterable, an async generator and a ReadableStream', async () => {
    async function* generate() {
      yield 'a';
      yield new TextEncoder().encode('b');
    }
    const stream = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('s1'));
          controller.enqueue(new TextEncoder().encode('s2'));
          controller.close();
        },
      });
    expect((await send(() => new Response(['x', 'y']))).text()).toBe('xy');
    const streamed = await send(() => new Response(generate()));
    expect(streamed.text()).toBe('ab');
    expect(streamed.header('content-length')).toBeUndefined();
    expect((await send(() => new Response(stream()))).text()).toBe('s1s2');
  });

  it('sends no body as an empty one with Content-Length 0, and an ArrayBuffer as bytes', async () => {
    const empty = await send(() => new Response());
    expect([empty.header('content-length'), empty.body.byteLength]).toEqual(['0', 0]);
    const buffer = await send(() => new Response(new Uint8Array([9, 8, 7]).buffer));
    expect([...buffer.body]).toEqual([9, 8, 7]);
    expect(() => new Response(42 as unknown as string)(...fakeCall())).toThrow(/response body/);
  });

  it('takes a status code or a whole line, and refuses nonsense', () => {
    expect(new Response('', { status: 201 }).status).toBe('201 Created');
    const custom = new Response('', { status: '299 Fine Indeed' });
    expect([custom.statusCode, custom.status]).toEqual([299, '299 Fine Indeed']);
    custom.statusCode = 404;
    expect(custom.status).toBe('404 Not Found');
    expect(() => new Response('', { status: 99 })).toThrow(/between 100 and 599/);
    expect(() => new Response('', { status: '20 OK' })).toThrow(/not a code/);
  });

  it('keeps repeated headers and sets mimetype and charset', async () => {
    const res = await send(() => {
      const response = new Response('<p>x</p>', {
        mimetype: 'text/html',
        headers: { Vary: ['Accept', 'Cookie'] },
      });
      response.headers.add('X-Thing', '1');
      response.headers.set('x-thing', '2');
      expect(response.mimetype).toBe('text/html');
      expect(response.charset).toBe('utf-8');
      return response;
    });
    expect(res.header('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headerAll('vary')).toEqual(['Accept', 'Cookie']);
    expect(res.headerAll('x-thing')).toEqual(['2']);
    const latin1 = new Response('x', { contentType: 'text/csv; charset=latin1' });
    expect(latin1.charset).toBe('latin1');
    expect(() => latin1(...fakeCall())).toThrow(/sent as UTF-8/);
    const bytes = new Response(new Uint8Array([0xe9]), { contentType: 'text/csv; charset=latin1' });
    expect(() => bytes(...fakeCall())).not.toThrow();
  });

  it('refuses header values that would split a header line', () => {
    const response = new Response('x');
    expect(() => response.headers.set('X-Bad', 'a\r\nSet-Cookie: evil=1')).toThrow(/CR, LF or NUL/);
    expect(() => response.headers.add('Bad Name', 'x')).toThrow(/not a token/);
    expect(() => new HeaderList({ 'X-Nul': 'a\0b' })).toThrow();
    expect(() => response.headers.set('X-Ctl', 'a\x01b')).toThrow(/control character/);
    expect(() => response.headers.set('X-Mark', 'done ✓')).toThrow(/above U\+00FF/);
    expect(() => {
      response.status = '200 Done ✓';
    }).toThrow(/not a code or a line/);
    response.status = '200 Très bien';
    expect([response.status, response.statusCode]).toEqual(['200 Très bien', 200]);
    expect(response.headers.set('X-Latin', 'café\tau lait').get('X-Latin')).toBe('café\tau lait');
  });

  it('sets cookies with every attribute, each its own Set-Cookie', async () => {
    const res = await send(() =>
      new Response('x')
        .setCookie('a', '1')
        .setCookie('b', 'x y;"z"', {
          maxAge: 3600,
          expires: new Date(Date.UTC(2037, 9, 21, 7, 28, 0)),
          path: '/app',
          domain: 'example.com',
          secure: true,
          httpOnly: true,
          sameSite: 'Strict',
          partitioned: true,
        })
        .setCookie('c', 'café', { path: null, sameSite: 'Lax' })
        .deleteCookie('old', { path: '/x' }),
    );
    expect(res.headerAll('set-cookie')).toEqual([
      'a=1; Path=/',
      'b=x%20y%3B%22z%22; Domain=example.com; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Max-Age=3600; Path=/app; Secure; HttpOnly; SameSite=Strict; Partitioned',
      'c=caf%C3%A9; SameSite=Lax',
      'old=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/x',
    ]);
  });

  it('refuses bad cookie names and attributes', () => {
    const response = new Response('x');
    expect(() => response.setCookie('a b', '1')).toThrow(/not a token/);
    expect(() => response.setCookie('a', '1', { expires: new Date('nope') })).toThrow(/valid date/);
    for (const domain of ['a.com\r\nX: 1', 'a.com; Secure', 'a .com', 'a.com/x', 'bü cher.de']) {
      expect(() => response.setCookie('a', '1', { domain }), domain).toThrow(/not a domain/);
    }
  });

  it('writes a cookie domain without port or leading dot, IDNA-encoded', () => {
    const domainOf = (domain: string) =>
      new Response('x').setCookie('a', '1', { domain, path: null }).headers.get('Set-Cookie');
    expect(domainOf('localhost:5000')).toBe('a=1; Domain=localhost');
    expect(domainOf('.example.com')).toBe('a=1; Domain=example.com');
    expect(domainOf('bücher.de')).toBe('a=1; Domain=xn--bcher-kva.de');
    expect(domainOf('.Bücher.de:8080')).toBe('a=1; Domain=xn--bcher-kva.de');
  });

  it('percent-encodes a cookie path as werkzeug quotes it', () => {
    const pathOf = (path: string) =>
      new Response('x').setCookie('a', '1', { path }).headers.get('Set-Cookie');
    expect(pathOf('/café')).toBe('a=1; Path=/caf%C3%A9');
    expect(pathOf('/my app')).toBe('a=1; Path=/my%20app');
    expect(pathOf("/a%20b/!$&'()*+,:=@~")).toBe("a=1; Path=/a%20b/!$&'()*+,:=@~");
    expect(pathOf('/x; Domain=evil\r\n')).toBe('a=1; Path=/x%3B%20Domain=evil%0D%0A');
  });

  it('sets Secure on a partitioned cookie', () => {
    const response = new Response('x').setCookie('a', '1', { partitioned: true, path: null });
    expect(response.headers.get('Set-Cookie')).toBe('a=1; Secure; Partitioned');
  });

  it('takes sameSite in any case and writes it canonically', () => {
    const sameSiteOf = (sameSite: NonNullable<CookieOptions['sameSite']>) =>
      new Response('x').setCookie('a', '1', { sameSite, path: null }).headers.get('Set-Cookie');
    expect(sameSiteOf('lax')).toBe('a=1; SameSite=Lax');
    expect(sameSiteOf('STRICT')).toBe('a=1; SameSite=Strict');
    expect(sameSiteOf('none')).toBe('a=1; SameSite=None');
    expect(() => sameSiteOf('loose' as 'lax')).toThrow(/Strict, Lax or None/);
  });

  it('makes JSON and redirects', async () => {
    const json = await send(() => Response.json({ a: [1, 'é'] }, { status: 201 }));
    expect(json.status).toBe('201 Created');
    expect(json.header('content-type')).toBe('application/json');
    expect(json.json()).toEqual({ a: [1, 'é'] });
    expect(() => Response.json(undefined)).toThrow(/JSON/);

    const redirect = await send(() => Response.redirect('/caf\u00e9?q=<x>', 301));
    expect(redirect.status).toBe('301 Moved Permanently');
    expect(redirect.header('location')).toBe('/caf%C3%A9?q=%3Cx%3E');
    expect(redirect.header('content-type')).toBe('text/html; charset=utf-8');
    expect(redirect.text()).toContain('href="/caf%C3%A9?q=%3Cx%3E"');
  });

  it('percent-encodes what a URI may not hold in a redirect, keeping the rest', () => {
    const locationOf = (location: string) => Response.redirect(location).headers.get('Location');
    expect(locationOf('/\\evil.com')).toBe('/%5Cevil.com');
    expect(locationOf('https://evil.com\\@good.com/')).toBe('https://evil.com%5C@good.com/');
    expect(locationOf('/a<b>"c{d}|e^`')).toBe('/a%3Cb%3E%22c%7Bd%7D%7Ce%5E%60');
    const valid = "https://u@[::1]:8/a-._~!$&'()*+,;=:@/b%2Fc?d=/?#e";
    expect(locationOf(valid)).toBe(valid);
    expect(locationOf('/caf%C3%A9/100%/a b')).toBe('/caf%C3%A9/100%25/a%20b');
  });

  it('sends no body, nor body headers, for a 1xx', async () => {
    // Through the runner itself: the test client, like every adapter, answers a 1xx with a 500.
    const hints = await runApp(
      new Response('ignored', { status: 103, headers: { Link: '</a.css>; rel=preload' } }),
      buildEnviron(),
    );
    expect(hints.complete?.byteLength).toBe(0);
    expect(hints.headers).toEqual([['Link', '</a.css>; rel=preload']]);
  });

  it('sends no body, nor body headers, for 204 and 304; and no body for HEAD', async () => {
    const noContent = await send(() => new Response('ignored', { status: 204 }));
    expect(noContent.body.byteLength).toBe(0);
    expect(noContent.header('content-type')).toBeUndefined();
    expect(noContent.header('content-length')).toBeUndefined();

    const notModified = await send(
      () => new Response('ignored', { status: 304, headers: { ETag: '"v1"' } }),
    );
    expect(notModified.body.byteLength).toBe(0);
    expect(notModified.header('content-type')).toBeUndefined();
    expect(notModified.header('etag')).toBe('"v1"');

    let ran = false;
    async function* expensive() {
      ran = true;
      yield 'x';
    }
    const head = await send(() => new Response('hello'), 'HEAD');
    expect(head.body.byteLength).toBe(0);
    expect(head.header('content-length')).toBe('5');
    const headStream = await send(() => new Response(expensive()), 'HEAD');
    expect(headStream.body.byteLength).toBe(0);
    expect(ran).toBe(false);
  });

  it('runs callOnClose callbacks and the body close() once the server closes', async () => {
    const events: string[] = [];
    const body = Object.assign(['a', 'b'], { close: () => events.push('body') });
    const res = await send(() => new Response(body).callOnClose(() => events.push('callback')));
    expect(res.text()).toBe('ab');
    expect(events).toEqual(['body', 'callback']);
  });

  it('runs a generator body to its finally when the response is bodiless', async () => {
    let finished = false;
    async function* body() {
      try {
        yield 'x';
      } finally {
        finished = true;
      }
    }
    const gen = body();
    await gen.next();
    await send(() => new Response(gen, { status: 304 }));
    expect(finished).toBe(true);
  });
});
