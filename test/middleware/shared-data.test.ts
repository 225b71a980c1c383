import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, runApp } from '../../src/index.js';
import {
  assetsLoader,
  fsLoader,
  lint,
  memoryLoader,
  safeRelativePath,
  sharedData,
} from '../../src/middleware/index.js';
import {
  buildEnviron,
  Client,
  type RequestOptions,
  type TestResponse,
} from '../../src/testing/index.js';

const fallback: App = (environ, startResponse) => {
  startResponse('404 Not Found', [['Content-Type', 'text/plain; charset=utf-8']]);
  return [`app: ${environ.REQUEST_METHOD} ${environ.PATH_INFO}`];
};

async function call(
  app: App,
  path: string,
  options: RequestOptions & { method?: string } = {},
): Promise<TestResponse> {
  const checked = lint(app);
  const res = await new Client(checked).request(options.method ?? 'GET', path, options);
  checked.assertClosed();
  expect(checked.violations).toEqual([]);
  return res;
}

// Created when the file loads: the table of hostile paths below names it.
const dir = mkdtempSync(join(tmpdir(), 'tsgi-static-'));
const root = join(dir, 'root');
const big = new Uint8Array(200_000).map((_, i) => (i * 31 + 7) & 255);
const mtime = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));

beforeAll(() => {
  mkdirSync(join(root, 'css'), { recursive: true });
  writeFileSync(join(root, 'css', 'site.css'), 'body { margin: 0 }');
  writeFileSync(join(root, 'big.bin'), big);
  writeFileSync(join(root, 'caf\u00e9 menu.txt'), 'menu');
  writeFileSync(join(dir, 'secret.txt'), 'TOP-SECRET-CONTENT');
  symlinkSync(join(dir, 'secret.txt'), join(root, 'escape.txt'));
  symlinkSync(dir, join(root, 'up'));
  symlinkSync(join(root, 'css', 'site.css'), join(root, 'inside.css'));
  utimesSync(join(root, 'css', 'site.css'), mtime, mtime);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('sharedData with the filesystem', () => {
  it('serves a file with type, length, ETag, Last-Modified and Cache-Control', async () => {
    const app = sharedData(fallback, { '/static': root });
    const res = await call(app, '/static/css/site.css');
    expect(res.status).toBe('200 OK');
    expect(res.text()).toBe('body { margin: 0 }');
    expect(res.header('content-type')).toBe('text/css; charset=utf-8');
    expect(res.header('content-length')).toBe('18');
    expect(res.header('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(res.header('last-modified')).toBe('Tue, 02 Jan 2024 03:04:05 GMT');
    expect(res.header('cache-control')).toBe('public, max-age=43200');
  });

  it('serves large binary files byte for byte and decoded names', async () => {
    const app = sharedData(fallback, { '/static/': fsLoader(root) }, { maxAge: 60 });
    const res = await call(app, '/static/big.bin');
    expect(res.header('content-type')).toBe('application/octet-stream');
    expect(res.header('cache-control')).toBe('public, max-age=60');
    expect(Buffer.from(res.body).equals(big)).toBe(true);
    expect((await call(app, '/static/caf%C3%A9%20menu.txt')).text()).toBe('menu');
  });

  it('answers If-None-Match and If-Modified-Since with a bodiless 304', async () => {
    const app = sharedData(fallback, { '/static': root });
    const first = await call(app, '/static/css/site.css');
    const etag = first.header('etag')!;
    const byTag = await call(app, '/static/css/site.css', {
      headers: { 'If-None-Match': `"nope", W/${etag}` },
    });
    expect(byTag.status).toBe('304 Not Modified');
    expect(byTag.body.byteLength).toBe(0);
    expect(byTag.header('etag')).toBe(etag);
    expect(byTag.header('content-type')).toBeUndefined();
    const byDate = await call(app, '/static/css/site.css', {
      headers: { 'If-Modified-Since': 'Tue, 02 Jan 2024 03:04:05 GMT' },
    });
    expect(byDate.statusCode).toBe(304);
    const older = await call(app, '/static/css/site.css', {
      headers: { 'If-Modified-Since': 'Tue, 02 Jan 2024 03:04:04 GMT' },
    });
    expect(older.statusCode).toBe(200);
    const otherTag = await call(app, '/static/css/site.css', {
      headers: { 'If-None-Match': '"other"', 'If-Modified-Since': 'Tue, 02 Jan 2024 03:04:05 GMT' },
    });
    expect(otherTag.statusCode).toBe(200);
    const badDate = await call(app, '/static/css/site.css', {
      headers: { 'If-Modified-Since': 'yesterday' },
    });
    expect(badDate.statusCode).toBe(200);
  });

  it('takes If-Modified-Since only as an HTTP-date, in any of its three forms (RFC 9110)', async () => {
    const app = sharedData(fallback, { '/static': root });
    const status = async (since: string) =>
      (await call(app, '/static/css/site.css', { headers: { 'If-Modified-Since': since } }))
        .statusCode;
    // The file changed at Tue, 02 Jan 2024 03:04:05 GMT.
    for (const since of [
      'Tue, 02 Jan 2024 03:04:05 GMT',
      'Tuesday, 02-Jan-24 03:04:05 GMT',
      'Tue Jan  2 03:04:05 2024',
    ]) {
      expect(await status(since), since).toBe(304);
    }
    expect(await status('Tue Jan  2 03:04:04 2024')).toBe(200); // asctime is GMT, not local time
    // Date.parse takes all of these; none is an HTTP-date, so each is ignored.
    for (const since of [
      '2030',
      '12345',
      '1/1/2030',
      'January 2030',
      '2030-01-01T00:00:00Z',
      'Thu, 01 Jan 2099 00:00:00 PST',
      'Sun, 30 Feb 2025 00:00:00 GMT',
      'Thu, 01 Jan 2099 24:00:00 GMT',
      'Sat, 01 Jan 2050 00:00:00 PST',
    ]) {
      expect(await status(since), since).toBe(200);
    }
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await call(sharedData(fallback, { '/static': root }), '/static/big.bin', {
      method: 'HEAD',
    });
    expect([res.statusCode, res.header('content-length'), res.body.byteLength]).toEqual([
      200,
      '200000',
      0,
    ]);
  });

  it('falls through to the app for missing files, directories, other prefixes and methods', async () => {
    const app = sharedData(fallback, { '/static': root });
    for (const path of [
      '/static/none.css',
      '/static/css',
      '/static/css/',
      '/static',
      '/staticfoo/css/site.css',
      '/',
    ]) {
      const res = await call(app, path);
      expect(res.statusCode, path).toBe(404);
      expect(res.text()).toMatch(/^app: GET /);
    }
    expect((await call(app, '/static/css/site.css', { method: 'POST' })).text()).toBe(
      'app: POST /static/css/site.css',
    );
  });

  it.each([
    '/static/../secret.txt',
    '/static/%2e%2e/secret.txt',
    '/static/%2E%2E%2Fsecret.txt',
    '/static/css/..%2f..%2fsecret.txt',
    '/static/..%5csecret.txt',
    '/static/css%5c..%5c..%5csecret.txt',
    '/static//etc/passwd',
    `/static/${encodeURIComponent(join(dir, 'secret.txt'))}`,
    '/static/css/site.css%00.png',
    '/static/./css/site.css',
    '/static/C:%5cWindows',
    '/static/escape.txt',
    '/static/up/secret.txt',
  ])('never serves outside the root: %s', async (path) => {
    const res = await call(sharedData(fallback, { '/static': root }), path);
    expect(res.statusCode).toBe(404);
    expect(res.text()).not.toContain('TOP-SECRET');
    expect(res.text()).toMatch(/^app: /);
  });

  it.skipIf(!existsSync('/proc/self/fd'))(
    'closes the file when the client goes away mid-body',
    async () => {
      const checked = lint(sharedData(fallback, { '/static': root }));
      const openFiles = () => readdirSync('/proc/self/fd').length;
      const before = openFiles();
      const res = await runApp(checked, buildEnviron({ path: '/static/big.bin' }));
      const first = await res.body.next();
      expect(first.value?.byteLength).toBe(64 * 1024);
      expect(openFiles()).toBe(before + 1);
      await res.body.return();
      expect(openFiles()).toBe(before);
      checked.assertClosed();
    },
  );

  it('follows a symlink that stays inside the root', async () => {
    const res = await call(sharedData(fallback, { '/static': root }), '/static/inside.css');
    expect(res.text()).toBe('body { margin: 0 }');
  });

  it('reports a missing directory as a logged 500', async () => {
    const res = await call(sharedData(fallback, { '/static': join(dir, 'nope') }), '/static/x.css');
    expect(res.statusCode).toBe(500);
    expect(res.errors).toContain('cannot open the directory');
  });

  it('refuses a prefix that is not a path', () => {
    expect(() => sharedData(fallback, { static: root })).toThrow(/must start with "\/"/);
  });
});

describe('safeRelativePath', () => {
  it('keeps ordinary paths and refuses the rest', () => {
    expect(safeRelativePath('a/b.css')).toBe('a/b.css');
    for (const bad of ['', '..', 'a/../b', './a', 'a//b', '/a', 'a\\b', 'a\0', 'C:x', 'a/']) {
      expect(safeRelativePath(bad), bad).toBeNull();
    }
  });
});

describe('sharedData with other loaders', () => {
  it('serves from memory with content ETags and conditional 304s', async () => {
    const app = sharedData(fallback, {
      '/assets': memoryLoader(
        {
          'app.js': 'console.log(1)',
          '/logo.svg': '<svg/>',
          'data.bin': new Uint8Array([1, 2, 3]),
        },
        { mtime },
      ),
    });
    const js = await call(app, '/assets/app.js');
    expect([js.text(), js.header('content-type'), js.header('content-length')]).toEqual([
      'console.log(1)',
      'text/javascript; charset=utf-8',
      '14',
    ]);
    expect((await call(app, '/assets/logo.svg')).header('content-type')).toBe('image/svg+xml');
    expect([...(await call(app, '/assets/data.bin')).body]).toEqual([1, 2, 3]);
    const again = await call(app, '/assets/app.js', {
      headers: { 'If-None-Match': js.header('etag')! },
    });
    expect(again.statusCode).toBe(304);
    expect((await call(app, '/assets/missing.js')).statusCode).toBe(404);
  });

  it('serves from an assets binding, falling through on its 404', async () => {
    const requested: string[] = [];
    const binding = {
      async fetch(request: Request) {
        requested.push(new URL(request.url).pathname);
        if (!request.url.endsWith('/hello%20world.txt'))
          return new Response('nope', { status: 404 });
        return new Response('hi there', {
          headers: {
            'Content-Type': 'text/plain; charset=utf-8',
            'Content-Length': '8',
            ETag: '"abc"',
            'Last-Modified': mtime.toUTCString(),
          },
        });
      },
    };
    const app = sharedData(fallback, { '/': assetsLoader(binding) });
    const res = await call(app, '/hello%20world.txt');
    expect([res.text(), res.header('etag'), res.header('last-modified')]).toEqual([
      'hi there',
      '"abc"',
      mtime.toUTCString(),
    ]);
    expect(
      (await call(app, '/hello%20world.txt', { headers: { 'If-None-Match': '"abc"' } })).statusCode,
    ).toBe(304);
    expect((await call(app, '/other.txt')).text()).toBe('app: GET /other.txt');
    expect(requested).toEqual(['/hello%20world.txt', '/hello%20world.txt', '/other.txt']);
  });

  it('lets a custom loader set the content type, and takes extra types by extension', async () => {
    const app = sharedData(
      fallback,
      {
        '/a': () => ({ body: new Uint8Array([1]), contentType: 'application/x-custom' }),
        '/b': memoryLoader({ 'x.webthing': 'x' }),
      },
      { mimetypes: { '.webthing': 'text/x-thing' } },
    );
    expect((await call(app, '/a/anything')).header('content-type')).toBe('application/x-custom');
    expect((await call(app, '/b/x.webthing')).header('content-type')).toBe(
      'text/x-thing; charset=utf-8',
    );
  });

  it('keeps the charset an extra type names instead of adding a second one', async () => {
    const app = sharedData(
      fallback,
      { '/': memoryLoader({ 'a.txt': 'a' }) },
      { mimetypes: { '.txt': 'text/plain; Charset=iso-8859-1' } },
    );
    expect((await call(app, '/a.txt')).header('content-type')).toBe(
      'text/plain; Charset=iso-8859-1',
    );
  });

  it('matches extra types by extension ignoring case, in the option and in the path', async () => {
    const app = sharedData(
      fallback,
      { '/': memoryLoader({ 'a.JS': 'a', 'b.js': 'b', 'c.Thing': 'c' }) },
      { mimetypes: { '.JS': 'application/x-upper', '.thing': 'application/x-thing' } },
    );
    for (const [path, type] of [
      ['/a.JS', 'application/x-upper'],
      ['/b.js', 'application/x-upper'],
      ['/c.Thing', 'application/x-thing'],
    ]) {
      expect((await call(app, path!)).header('content-type'), path).toBe(type);
    }
  });

  it('answers If-None-Match: * with a 304 for an existing file without an ETag', async () => {
    const app = sharedData(fallback, { '/a': () => ({ body: new Uint8Array([1]) }) });
    for (const method of ['GET', 'HEAD']) {
      const res = await call(app, '/a/x.bin', { method, headers: { 'If-None-Match': '*' } });
      expect([res.statusCode, res.body.length], method).toEqual([304, 0]);
    }
    const tagged = await call(app, '/a/x.bin', { headers: { 'If-None-Match': '"other"' } });
    expect(tagged.statusCode).toBe(200);
    expect((await call(app, '/missing', { headers: { 'If-None-Match': '*' } })).statusCode).toBe(
      404,
    );
  });
});
