/**
 * Static-file traversal: every way of naming a file outside sharedData's root (`..`, `%2e%2e`,
 * `%2f`, backslashes, NUL, absolute paths, double encoding, symlinks out of the root), sent as
 * raw bytes to the Node adapter and as Lambda events. No answer may carry the secret.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../adapters/aws-lambda/index.js';
import { type ServerHandle, serve } from '../../adapters/node/index.js';
import type { App } from '../../src/index.js';
import { type LintedApp, lint, sharedData } from '../../src/middleware/index.js';
import { eventFor, readResult } from './_aws.js';
import { plainRequest } from './_model.js';
import { rawRequest } from './_raw.js';

const SECRET = 'TOP SECRET: outside the root';
let base: string;
let server: ServerHandle;
let app: LintedApp;

const fallback: App = (_environ, startResponse) => {
  startResponse('404 Not Found', [['Content-Type', 'text/plain']]);
  return ['not a static file'];
};

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'tsgi-traversal-'));
  const root = join(base, 'root');
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'secret.txt'), SECRET);
  writeFileSync(join(base, 'outside', 'secret.txt'), SECRET);
  writeFileSync(join(root, 'a.txt'), 'public a');
  writeFileSync(join(root, 'sub', 'b.txt'), 'public b');
  symlinkSync(join(base, 'secret.txt'), join(root, 'link-out.txt'));
  symlinkSync(join(base, 'outside'), join(root, 'dir-out'));
  symlinkSync(join(root, 'a.txt'), join(root, 'link-in.txt'));
  app = lint(sharedData(fallback, { '/static': root }));
  server = await serve(app, { host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await server?.close();
  if (base) rmSync(base, { recursive: true, force: true });
});

/** Sends one request with the target exactly as given; resolves with status and body. */
function get(target: string): Promise<{ status: number; body: string }> {
  return rawRequest(server.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
}

const ATTACKS = [
  '/static/../secret.txt',
  '/static/%2e%2e/secret.txt',
  '/static/%2E%2E%2Fsecret.txt',
  '/static/..%2fsecret.txt',
  '/static/.%2e/secret.txt',
  '/static/sub/../../secret.txt',
  '/static/sub/%2e%2e/%2e%2e/secret.txt',
  '/static/..%5csecret.txt',
  '/static/..\\secret.txt',
  '/static/sub\\..\\..\\secret.txt',
  '/static/%252e%252e/secret.txt',
  '/static/%00../secret.txt',
  '/static/a.txt%00.png',
  `/static/${'%2e%2e/'.repeat(20)}etc/passwd`,
  '/static//etc/passwd',
  '/static/%2fetc%2fpasswd',
  '/static/C:%5cWindows%5cwin.ini',
  '/static/link-out.txt',
  '/static/dir-out/secret.txt',
  '/static/./a.txt',
  '/static/',
  '/static',
];

describe('sharedData over the Node adapter: traversal attempts', () => {
  it('serves the files that are inside the root (the control)', async () => {
    expect(await get('/static/a.txt')).toEqual({ status: 200, body: 'public a' });
    expect(await get('/static/sub/b.txt')).toEqual({ status: 200, body: 'public b' });
    expect(await get('/static/link-in.txt')).toEqual({ status: 200, body: 'public a' });
  });

  it.each(ATTACKS)('GET %s never reaches the secret', async (target) => {
    const { status, body } = await get(target);
    expect(body).not.toContain('TOP SECRET');
    expect(body).not.toContain('root:');
    // sharedData passes it on to the app, which has no such page.
    expect(status).toBe(404);
    expect(app.violations).toEqual([]);
  });
});

describe('sharedData behind the Lambda handler: traversal attempts', () => {
  it.each(ATTACKS.filter((a) => !a.includes('\\')))(
    '%s never reaches the secret',
    async (target) => {
      for (const kind of ['rest-v1', 'http-v2', 'alb', 'edge'] as const) {
        const { event } = eventFor(kind, plainRequest({ rawPath: target }), 0);
        const result = await handler(app, { logger: () => {} })(event as never);
        const response = readResult(kind, result);
        expect(new TextDecoder().decode(response.body)).not.toContain('TOP SECRET');
        expect(response.status).toBe(404);
      }
    },
  );
});
