import { describe, expect, it } from 'vitest';
import { App, type Environ, runAppBuffered } from '../../src/index.js';
import { lint, proxyFix } from '../../src/middleware/index.js';
import { buildEnviron, Client, type RequestOptions } from '../../src/testing/index.js';

/** What the wrapped app sees: the keys proxyFix may change, and the originals it kept. */
const inspect: App = (environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'application/json']]);
  const pick = (e: Record<string, unknown>) => ({
    REMOTE_ADDR: e.REMOTE_ADDR,
    scheme: e['wsgi.url_scheme'],
    HTTP_HOST: e.HTTP_HOST,
    SERVER_NAME: e.SERVER_NAME,
    SERVER_PORT: e.SERVER_PORT,
    SCRIPT_NAME: e.SCRIPT_NAME,
  });
  const orig = environ['tsgi.proxy_fix.orig'] as Record<string, unknown>;
  return [
    JSON.stringify({ now: pick(environ as Environ & Record<string, unknown>), orig: pick(orig) }),
  ];
};

async function seen(app: App, options: RequestOptions) {
  const checked = lint(app);
  const res = await new Client(checked).get('/', {
    remoteAddr: '10.0.0.9',
    host: 'internal:8080',
    ...options,
  });
  checked.assertClosed();
  expect(checked.violations).toEqual([]);
  return res.json<{ now: Record<string, string>; orig: Record<string, string> }>();
}

describe('proxyFix', () => {
  it('by default trusts one hop of X-Forwarded-For and -Proto, and keeps the originals', async () => {
    const result = await seen(proxyFix(inspect), {
      headers: {
        'X-Forwarded-For': 'spoofed, 203.0.113.7',
        'X-Forwarded-Proto': 'HTTPS',
        'X-Forwarded-Host': 'evil.example',
      },
    });
    expect(result.now).toEqual({
      REMOTE_ADDR: '203.0.113.7',
      scheme: 'https',
      HTTP_HOST: 'internal:8080',
      SERVER_NAME: 'internal',
      SERVER_PORT: '8080',
      SCRIPT_NAME: '',
    });
    expect(result.orig).toEqual({
      REMOTE_ADDR: '10.0.0.9',
      scheme: 'http',
      HTTP_HOST: 'internal:8080',
      SERVER_NAME: 'internal',
      SERVER_PORT: '8080',
      SCRIPT_NAME: '',
    });
  });

  it('takes the value exactly N hops from the right, and ignores a header with fewer values', async () => {
    const app = proxyFix(inspect, { for: 2, proto: 2 });
    const two = await seen(app, {
      headers: {
        'X-Forwarded-For': ['spoofed, 198.51.100.1', '10.0.0.1'],
        'X-Forwarded-Proto': 'https, http',
      },
    });
    expect([two.now.REMOTE_ADDR, two.now.scheme]).toEqual(['198.51.100.1', 'https']);
    const short = await seen(app, {
      headers: { 'X-Forwarded-For': '198.51.100.1', 'X-Forwarded-Proto': 'https' },
    });
    expect([short.now.REMOTE_ADDR, short.now.scheme]).toEqual(['10.0.0.9', 'http']);
  });

  it('applies host, port and prefix when trusted', async () => {
    const result = await seen(proxyFix(inspect, { host: 1, port: 1, prefix: 1 }), {
      headers: {
        'X-Forwarded-Host': 'www.example.com',
        'X-Forwarded-Port': '8443',
        'X-Forwarded-Prefix': '/my%20app/',
        'X-Forwarded-Proto': 'https',
      },
    });
    expect(result.now).toMatchObject({
      scheme: 'https',
      HTTP_HOST: 'www.example.com:8443',
      SERVER_NAME: 'www.example.com',
      SERVER_PORT: '8443',
      SCRIPT_NAME: '/my app',
    });
    const v6 = await seen(proxyFix(inspect, { host: 1, port: 1 }), {
      headers: { 'X-Forwarded-Host': '[2001:db8::1]:80', 'X-Forwarded-Port': '8080' },
    });
    expect(v6.now).toMatchObject({ HTTP_HOST: '[2001:db8::1]:8080', SERVER_PORT: '8080' });
  });

  it('ignores values that are not what they claim to be', async () => {
    const result = await seen(proxyFix(inspect, { host: 1, port: 1, prefix: 1 }), {
      headers: {
        'X-Forwarded-For': 'not an address',
        'X-Forwarded-Proto': 'gopher',
        'X-Forwarded-Host': 'a/b@evil',
        'X-Forwarded-Port': 'eighty',
        'X-Forwarded-Prefix': 'no-slash',
      },
    });
    expect(result.now).toEqual(result.orig);
  });

  it('ignores ports outside 1-65535, in X-Forwarded-Port and X-Forwarded-Host', async () => {
    const fix = proxyFix(inspect, { host: 1, port: 1 });
    for (const headers of [
      { 'X-Forwarded-Port': '0' },
      { 'X-Forwarded-Port': '99999' },
      { 'X-Forwarded-Host': '[::1]:99999' },
      { 'X-Forwarded-Host': 'example.com:0' },
    ]) {
      const result = await seen(fix, { headers });
      expect(result.now, JSON.stringify(headers)).toEqual(result.orig);
    }
    const edge = await seen(fix, { headers: { 'X-Forwarded-Host': 'example.com:65535' } });
    expect(edge.now).toMatchObject({ HTTP_HOST: 'example.com:65535', SERVER_PORT: '65535' });
  });

  it('ignores a prefix with control characters once decoded, or starting with "//"', async () => {
    const fix = proxyFix(inspect, { prefix: 1 });
    for (const prefix of [
      '/a%0D%0Ab',
      '/a%00b',
      '/a%09b',
      '/a%7Fb',
      '//evil.example',
      '/%2Fevil.example',
      '//',
      '/a?b',
      '/a#b',
    ]) {
      const result = await seen(fix, { headers: { 'X-Forwarded-Prefix': prefix } });
      expect(result.now.SCRIPT_NAME, prefix).toBe('');
    }
    const encoded = await seen(fix, { headers: { 'X-Forwarded-Prefix': '/a%3Fb//' } });
    expect(encoded.now.SCRIPT_NAME).toBe('/a?b');
  });

  it('keeps a redirect on the site when a prefix tries "//host"', async () => {
    const app = new App();
    app.route('/docs/', () => 'docs');
    app.wsgiApp = proxyFix(app.wsgiApp, { prefix: 1 });
    const res = await new Client(app).get('/docs', {
      headers: { 'X-Forwarded-Prefix': '//evil.example' },
    });
    expect([res.statusCode, res.header('location')]).toEqual([308, '/docs/']);
  });

  it('takes the address from an X-Forwarded-For entry that carries a port', async () => {
    for (const [entry, address] of [
      ['203.0.113.7:4711', '203.0.113.7'],
      ['[2001:db8::1]:4711', '2001:db8::1'],
      ['2001:db8::2', '2001:db8::2'],
    ]) {
      const { now } = await seen(proxyFix(inspect), { headers: { 'X-Forwarded-For': entry! } });
      expect(now.REMOTE_ADDR, entry).toBe(address);
    }
  });

  it("writes no port in HTTP_HOST when X-Forwarded-Port is the scheme's default", async () => {
    const { now } = await seen(proxyFix(inspect, { proto: 1, port: 1 }), {
      host: 'example.com',
      headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Port': '443' },
    });
    expect([now.HTTP_HOST, now.SERVER_PORT]).toEqual(['example.com', '443']);
  });

  it("moves a port that was only the old scheme's default to the new scheme's", async () => {
    const https = { 'X-Forwarded-Proto': 'https' };
    const plain = await seen(proxyFix(inspect), { host: 'example.com', headers: https });
    expect([plain.orig.SERVER_PORT, plain.now.SERVER_PORT]).toEqual(['80', '443']);
    const explicit = await seen(proxyFix(inspect), { host: 'example.com:80', headers: https });
    expect(explicit.now.SERVER_PORT).toBe('80');
    // HTTP/1.0 without a Host header: SERVER_NAME and SERVER_PORT are all there is.
    const environ = buildEnviron({ headers: https });
    delete environ.HTTP_HOST;
    environ.SERVER_PORT = '80';
    let port: string | undefined;
    await runAppBuffered(
      proxyFix((e, start) => {
        port = e.SERVER_PORT;
        start('204 No Content', []);
        return [];
      }),
      environ,
    );
    expect(port).toBe('443');
  });

  it('ignores headers that are trusted for zero hops, and refuses bad counts', async () => {
    const result = await seen(proxyFix(inspect, { for: 0, proto: 0 }), {
      headers: { 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Proto': 'https' },
    });
    expect(result.now).toEqual(result.orig);
    expect(() => proxyFix(inspect, { for: -1 })).toThrow(/number of proxies/);
    expect(() => proxyFix(inspect, { host: 1.5 })).toThrow(/number of proxies/);
  });
});
