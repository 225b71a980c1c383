import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import app, { FrameWork, STATIC_DIR } from '../../examples/seed-framework/app.js';
import { lint } from '../../src/middleware/index.js';
import { Client, type RequestOptions, type TestResponse } from '../../src/testing/index.js';

async function call(path: string, options: RequestOptions = {}): Promise<TestResponse> {
  const checked = lint(app);
  const res = await new Client(checked).get(path, options);
  checked.assertClosed();
  expect(checked.violations).toEqual([]);
  return res;
}

describe('examples/seed-framework', () => {
  it('is a callable framework object with a name', () => {
    expect(typeof app).toBe('function');
    expect(app).toBeInstanceOf(FrameWork);
    expect(app.name).toBe('seed');
  });

  it('answers Hello World! from dispatchRequest', async () => {
    for (const path of ['/', '/anything/else', '/static/missing.css']) {
      const res = await call(path);
      expect([res.status, res.header('content-type'), res.text()]).toEqual([
        '200 OK',
        'text/plain; charset=utf-8',
        'Hello World!',
      ]);
    }
  });

  it('serves ./static through sharedData wrapped around wsgiApp in place', async () => {
    const res = await call('/static/style.css');
    expect(res.header('content-type')).toBe('text/css; charset=utf-8');
    expect(res.text()).toBe(readFileSync(join(STATIC_DIR, 'style.css'), 'utf8'));
    const again = await call('/static/style.css', {
      headers: { 'If-None-Match': res.header('etag')! },
    });
    expect(again.statusCode).toBe(304);
  });

  it('does not serve files next to the static directory', async () => {
    const res = await call('/static/..%2fapp.ts');
    expect(res.text()).toBe('Hello World!');
  });

  it('a fresh instance without the middleware only says hello', async () => {
    const bare = new FrameWork('bare');
    const res = await new Client(lint(bare)).get('/static/style.css');
    expect(res.text()).toBe('Hello World!');
  });
});
