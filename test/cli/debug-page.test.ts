import { describe, expect, it } from 'vitest';
import { debugPage, escapeHtml, isLocalHost, isLoopback } from '../../cli/debug-page.js';
import type { App } from '../../src/index.js';
import { lint } from '../../src/middleware/index.js';
import { Client } from '../../src/testing/index.js';

const failing: App = () => {
  throw new Error('<b>broken</b>');
};

describe('debugPage', () => {
  it('answers an error with the page, escaped, and logs it', async () => {
    const checked = lint(debugPage(failing));
    const res = await new Client(checked).get('/x', { headers: { 'X-Secret': '<s>' } });
    expect(res.statusCode).toBe(500);
    expect(res.header('content-type')).toBe('text/html; charset=utf-8');
    expect(res.text()).toContain('Error: &lt;b&gt;broken&lt;/b&gt;');
    expect(res.text()).toContain('<td>HTTP_X_SECRET</td><td>&lt;s&gt;</td>');
    expect(res.text()).toMatch(
      /<span class="here"><i>\d+<\/i> {2}throw new Error\(&#39;&lt;b&gt;broken&lt;\/b&gt;&#39;\);/,
    );
    expect(res.errors).toContain('<b>broken</b>');
    expect(checked.violations).toEqual([]);
  });

  it('gives a client that is not on this machine the generic 500', async () => {
    const res = await new Client(debugPage(failing)).get('/x', { remoteAddr: '203.0.113.9' });
    expect(res.statusCode).toBe(500);
    expect(res.text()).toBe('Internal Server Error\n');
  });

  it('gives a loopback client that asked for another host name the generic 500 (DNS rebinding)', async () => {
    const res = await new Client(debugPage(failing)).get('/x', { host: 'attacker.example' });
    expect(res.text()).toBe('Internal Server Error\n');
    for (const host of ['localhost:5000', '127.0.0.1', '[::1]:8080', 'app.localhost']) {
      expect(isLocalHost(host), host).toBe(true);
    }
    expect(
      ['attacker.example', 'localhost.evil.com', '127.0.0.1.nip.io', ''].some(isLocalHost),
    ).toBe(false);
  });

  it('reads source only for real frames, not for lines the error message forged', async () => {
    const app: App = (environ) => {
      throw new Error(`no such item: ${decodeURIComponent(environ.QUERY_STRING)}`);
    };
    const forged = encodeURIComponent('x\n    at evil (/etc/hostname:1:1)');
    const res = await new Client(debugPage(app)).get(`/item?${forged}`);
    expect(res.statusCode).toBe(500);
    expect(res.text()).toContain('at evil (/etc/hostname:1:1)'); // shown, as the message
    expect(res.text()).not.toMatch(/<div class="frame"><code>at evil/);
    expect(res.text()).toMatch(/<div class="frame"><code>at /); // the real frames are there
  });

  it('renders a thrown value that cannot be made a string', async () => {
    const res = await new Client(
      debugPage(() => {
        throw Object.create(null);
      }),
    ).get('/');
    expect(res.header('content-type')).toBe('text/html; charset=utf-8');
    expect(res.text()).toContain('non-Error thrown: [object Object]');
  });

  it('catches an error raised while iterating, before any body, and closes the iterable', async () => {
    let closed = 0;
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      const body = (function* () {
        yield '';
        throw new Error('late but before the body');
      })();
      return Object.assign(body, { close: () => void closed++ });
    };
    const checked = lint(debugPage(app));
    const res = await new Client(checked).get('/');
    expect(res.statusCode).toBe(500);
    expect(res.text()).toContain('late but before the body');
    expect(closed).toBe(1);
    checked.assertClosed();
  });

  it('leaves an error after the body began to the runner, which aborts the stream', async () => {
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return (function* () {
        yield 'partial';
        throw new Error('mid-stream');
      })();
    };
    await expect(new Client(debugPage(app)).get('/')).rejects.toThrow('mid-stream');
  });

  it('knows loopback addresses and escapes HTML', () => {
    expect(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['10.0.0.1', '::ffff:10.0.0.1', '', undefined, '1127.0.0.1'].some(isLoopback)).toBe(
      false,
    );
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });
});
