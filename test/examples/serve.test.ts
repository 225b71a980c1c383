// Both examples under the command `npm start` runs (`tsx cli/main.ts serve <app>`), over real
// HTTP on a free port on 127.0.0.1, stopped by PID.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HELLO, startServe } from '../cli/_cli.js';

const SEED = fileURLToPath(new URL('../../examples/seed-framework/app.ts', import.meta.url));

describe('the examples under tsgi serve', () => {
  it('serves examples/hello', async () => {
    const server = await startServe([HELLO, '--port', '0']);
    try {
      const home = await fetch(`${server.url}/`);
      expect(home.status).toBe(200);
      expect(await home.text()).toBe('<p>Hello, World!</p>');
      const cookies = await fetch(`${server.url}/cookies`);
      expect(cookies.headers.getSetCookie()).toHaveLength(3);
      const echo = await fetch(`${server.url}/echo`, { method: 'POST', body: 'ping' });
      expect(await echo.text()).toBe('ping');
      const user = await fetch(`${server.url}/users/7`);
      expect(await user.json()).toEqual({ id: 7, url: '/users/7' });
    } finally {
      await server.stop();
    }
  });

  it('serves examples/seed-framework with its static files', async () => {
    const server = await startServe([SEED, '--port', '0']);
    try {
      const home = await fetch(`${server.url}/`);
      expect(await home.text()).toBe('Hello World!');
      const css = await fetch(`${server.url}/static/style.css`);
      expect(css.status).toBe(200);
      expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
      expect(await css.text()).toContain('font-family');
      const etag = css.headers.get('etag')!;
      const cached = await fetch(`${server.url}/static/style.css`, {
        headers: { 'If-None-Match': etag },
      });
      expect(cached.status).toBe(304);
    } finally {
      await server.stop();
    }
  });
});
