import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, HELLO, startServe } from './_cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tsgi-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');

/**
 * A POST with `Expect: 100-continue` that sends its body only once invited; `continued` tells
 * whether the server sent a 100.
 */
function postExpectingContinue(
  url: string,
  length: number,
  body: string,
): Promise<{ continued: boolean; status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          Expect: '100-continue',
          'Content-Length': String(length),
          'Content-Type': 'text/plain',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ continued, status: res.statusCode!, text }));
      },
    );
    req.on('continue', () => {
      continued = true;
      req.end(body);
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

async function get(url: string): Promise<{ status: number; text: string; type: string }> {
  const res = await fetch(url);
  return {
    status: res.status,
    text: await res.text(),
    type: res.headers.get('content-type') ?? '',
  };
}

/**
 * Writes an app that streams a tick every 50 ms until it is stopped, then writes "closed" to
 * `marker`; `/pid` answers with the process id of whoever serves it.
 */
function writeEndlessApp(module: string, marker: string): void {
  writeFileSync(
    module,
    `import { writeFileSync } from 'node:fs';
export default (environ: Record<string, unknown>, startResponse: (s: string, h: [string, string][]) => void) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  if (environ.PATH_INFO === '/pid') return [String(process.pid)];
  return (async function* () {
    try {
      for (;;) {
        yield 'tick\\n';
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      writeFileSync(${JSON.stringify(marker)}, 'closed');
    }
  })();
};
`,
  );
}

describe('tsgi serve', () => {
  it('prints its URL, serves the app and logs one line per request', async () => {
    const server = await startServe([HELLO, '--port', '0']);
    try {
      expect(server.stdout()).toMatch(/serving .*app\.ts on http:\/\/127\.0\.0\.1:\d+/);
      const res = await get(`${server.url}/json`);
      expect(res).toEqual({
        status: 200,
        text: '{"message":"Hello, World!"}',
        type: 'application/json',
      });
      await eventually(async () =>
        /^GET \/json 200 27B [\d.]+ms$/m.test(server.stdout()) ? true : undefined,
      );
      const cookies = await fetch(`${server.url}/cookies`);
      expect(cookies.headers.getSetCookie()).toHaveLength(3);
    } finally {
      await server.stop();
    }
  });

  it('streams a response in pieces as the app yields them', async () => {
    const server = await startServe([HELLO, '--port', '0']);
    try {
      const res = await fetch(`${server.url}/stream?n=3&delay=400`);
      const reader = res.body!.getReader();
      const pieces: string[] = [];
      for (let step = await reader.read(); !step.done; step = await reader.read()) {
        pieces.push(new TextDecoder().decode(step.value));
      }
      expect(pieces.join('')).toBe('chunk 0\nchunk 1\nchunk 2\n');
      // 400 ms apart, the chunks cannot arrive as one piece unless the server buffered them.
      expect(pieces.length).toBeGreaterThanOrEqual(2);
    } finally {
      await server.stop();
    }
  });

  it("runs the app's close() when the client disconnects mid-stream", async () => {
    const marker = join(dir, 'closed.txt');
    const module = join(dir, 'endless.ts');
    writeEndlessApp(module, marker);
    const server = await startServe([module, '--port', '0']);
    try {
      await new Promise<void>((resolve, reject) => {
        const req = request(`${server.url}/`, (res) => {
          res.once('data', () => {
            res.destroy();
            resolve();
          });
        });
        req.on('error', reject);
        req.end();
      });
      expect(await eventually(async () => (existsSync(marker) ? 'yes' : undefined))).toBe('yes');
      expect(readFileSync(marker, 'utf8')).toBe('closed');
    } finally {
      await server.stop();
    }
  });

  /** An app module with `imports` (whole lines) that answers its `body` expression as text. */
  const appModule = (imports: string[], body: string) =>
    `${imports.map((line) => `${line}\n`).join('')}export default (_environ: unknown, startResponse: (s: string, h: [string, string][]) => void) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [${body}];
};
`;

  /** `tsgi serve --reload` on `module`, and a wait for an answer whose text holds `want`. */
  async function startReloading(module: string) {
    const server = await startServe([module, '--port', '0', '--reload']);
    const answer = (want: string) =>
      eventually(async () => {
        const res = await get(`${server.url}/`);
        return res.text.includes(want) ? res : undefined;
      });
    return { server, answer };
  }

  /** A CommonJS project (a package.json without "type") in its own folder. */
  function commonJsProject(name: string): string {
    const project = join(dir, name);
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), `{ "name": "${name}" }\n`);
    return project;
  }

  it('--reload restarts on a change to an imported file, keeps the port, survives a syntax error', async () => {
    const module = join(dir, 'reloading.ts');
    const message = join(dir, 'message.ts');
    writeFileSync(message, "export const message = 'one';\n");
    writeFileSync(module, appModule(["import { message } from './message.ts';"], 'message'));
    const { server, answer } = await startReloading(module);
    try {
      expect((await answer('one')).status).toBe(200);
      writeFileSync(message, "export const message = 'two';\n");
      expect((await answer('two')).status).toBe(200);

      writeFileSync(message, "export const message = 'thr\n");
      const broken = await answer('failed to load');
      expect(broken.status).toBe(500);
      expect(broken.text).toContain('message.ts');
      expect(server.stderr()).toContain('Unterminated string literal');

      writeFileSync(message, "export const message = 'three';\n");
      expect((await answer('three')).status).toBe(200);
      expect(server.stdout()).toContain('message.ts changed, restarting');
    } finally {
      await server.stop();
    }
  });

  it('--reload in a CommonJS project: a module broken at the first start is watched; a log is not', async () => {
    const project = commonJsProject('commonjs-reload');
    const module = join(project, 'app.ts');
    const message = join(project, 'msg.ts');
    writeFileSync(message, "export const message = 'bro\n");
    writeFileSync(module, appModule(["import { message } from './msg';"], 'message'));
    const { server, answer } = await startReloading(module);
    try {
      expect((await answer('failed to load')).status).toBe(500);
      writeFileSync(message, "export const message = 'fixed';\n");
      expect((await answer('fixed')).status).toBe(200);
      const restarts = () => server.stdout().split('restarting').length - 1;
      const before = restarts();
      writeFileSync(join(project, 'server.log'), 'a line the app wrote\n');
      writeFileSync(join(project, 'data.sqlite'), 'not source');
      await new Promise((resolve) => setTimeout(resolve, 500)); // past the 100 ms debounce
      expect(restarts()).toBe(before);
      expect((await get(`${server.url}/`)).text).toBe('fixed');
    } finally {
      await server.stop();
    }
  });

  it('--reload in a CommonJS project: a new module that breaks a running app is watched', async () => {
    const project = commonJsProject('commonjs-late');
    const module = join(project, 'app.ts');
    const extra = join(project, 'extra.ts');
    writeFileSync(module, appModule([], "'first'"));
    const { server, answer } = await startReloading(module);
    try {
      expect((await answer('first')).status).toBe(200);
      writeFileSync(extra, 'export const extra: string = ;\n');
      writeFileSync(module, appModule(["import { extra } from './extra';"], 'extra'));
      expect((await answer('failed to load')).status).toBe(500);
      writeFileSync(extra, "export const extra = 'second';\n");
      expect((await answer('second')).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('--debug answers an app error with an HTML page: error, source lines, environ', async () => {
    const module = join(dir, 'failing.ts');
    writeFileSync(
      module,
      `export default (environ: Record<string, unknown>) => {
  const reason = 'the widget is missing';
  throw new Error(reason + ' for ' + environ.PATH_INFO);
};
`,
    );
    const debug = await startServe([module, '--port', '0', '--debug']);
    try {
      const res = await fetch(`${debug.url}/widgets?id=7`, {
        headers: { 'X-Probe': 'probe-value' },
      });
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await res.text();
      expect(html).toContain('Error: the widget is missing for /widgets');
      expect(html).toContain('throw new Error(reason + &#39; for &#39; + environ.PATH_INFO);');
      expect(html).toContain('failing.ts');
      expect(html).toMatch(/<td>HTTP_X_PROBE<\/td><td>probe-value<\/td>/);
      expect(html).toMatch(/<td>QUERY_STRING<\/td><td>id=7<\/td>/);
      expect(debug.stderr()).toContain('the widget is missing');
    } finally {
      await debug.stop();
    }
    const plain = await startServe([module, '--port', '0']);
    try {
      const res = await fetch(`${plain.url}/widgets`);
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('Internal Server Error\n');
    } finally {
      await plain.stop();
    }
  });

  it('--debug shows the source of a .ts app in a package without "type": "module"', async () => {
    const pkg = commonJsProject('commonjs');
    const module = join(pkg, 'failing.ts');
    writeFileSync(
      module,
      `const reason: string = 'the gadget is missing';
export default () => {
  throw new Error(reason);
};
`,
    );
    const server = await startServe([module, '--port', '0', '--debug']);
    try {
      const html = await (await fetch(`${server.url}/`)).text();
      expect(html).toContain(`${module}:3:9`);
      expect(html).toMatch(/<span class="here"><i>3<\/i> {2}throw new Error\(reason\);<\/span>/);
      expect(html).not.toContain('data:');
      expect(server.stderr()).toContain(`${module}:3:9`);
      expect(server.stderr()).not.toContain('data:');
    } finally {
      await server.stop();
    }
  });

  it.each([
    ['Ctrl-C reaches the child', 'SIGINT'],
    ['the parent is stopped', 'SIGTERM'],
  ])('--reload: when %s, a request in flight is closed and logged', async (_, signal) => {
    const marker = join(dir, `reload-closed-${signal}.txt`);
    const module = join(dir, `reload-stop-${signal}.ts`);
    writeEndlessApp(module, marker);
    const server = await startServe([module, '--port', '0', '--reload']);
    try {
      const child = Number((await get(`${server.url}/pid`)).text);
      expect(child).not.toBe(0);
      await new Promise<void>((resolve, reject) => {
        const req = request(`${server.url}/stream`, (res) => {
          res.on('error', () => {});
          res.once('data', () => resolve());
        });
        req.on('error', reject);
        req.end();
      });
      if (signal === 'SIGINT') process.kill(child, 'SIGINT');
      else await server.stop();
      expect(await eventually(async () => (existsSync(marker) ? 'yes' : undefined))).toBe('yes');
      await eventually(async () =>
        /^GET \/stream 200 \d+B [\d.]+ms \(aborted\)$/m.test(server.stdout()) ? true : undefined,
      );
    } finally {
      await server.stop();
    }
  });

  it.each([
    ['plain', []],
    ['--emulate aws-v2', ['--emulate', 'aws-v2']],
    ['--emulate cloudflare', ['--emulate', 'cloudflare']],
  ])('%s: Expect: 100-continue over --max-body is refused before the upload', async (_, extra) => {
    const server = await startServe([HELLO, '--port', '0', '--max-body', '10', ...extra]);
    try {
      const refused = await postExpectingContinue(`${server.url}/echo`, 100, 'x'.repeat(100));
      expect([refused.continued, refused.status]).toEqual([false, 413]);
      expect(refused.text).toMatch(/^Content Too Large: /);
      await eventually(async () =>
        /^POST \/echo 413 [1-9]\d*B /m.test(server.stdout()) ? true : undefined,
      );
      const invited = await postExpectingContinue(`${server.url}/echo`, 5, 'hello');
      expect(invited).toEqual({ continued: true, status: 200, text: 'hello' });
    } finally {
      await server.stop();
    }
  });
});
