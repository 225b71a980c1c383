import { describe, expect, it } from 'vitest';
import type { App } from '../../src/index.js';
import { lint } from '../../src/middleware/index.js';
import { Client } from '../../src/testing/index.js';

describe('smoke', () => {
  it('runs a hello app through the client and lint', async () => {
    const app: App = (environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain; charset=utf-8']]);
      return [`Hello ${environ.PATH_INFO}`];
    };
    const checked = lint(app);
    const res = await new Client(checked).get('/caf%C3%A9');
    expect(res.statusCode).toBe(200);
    expect(res.text()).toBe('Hello /café');
    checked.assertClosed();
    expect(checked.violations).toEqual([]);
  });
});
