/**
 * The hello worker under `wrangler dev` (workerd behind wrangler's local proxy), spoken to over
 * real HTTP on 127.0.0.1, then stopped by PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryPattern } from '../../examples/hello/app.js';
import { freePort } from './_ports.js';

const root = resolve(import.meta.dirname, '../..');

let child: ChildProcess | undefined;
let output = '';
let base = '';
let state = '';

async function waitForServer(url: string, ms: number): Promise<void> {
  const stop = Date.now() + ms;
  for (;;) {
    if (child?.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      return;
    } catch {
      if (Date.now() > stop) throw new Error(`wrangler dev did not answer in ${ms} ms:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Stops wrangler and the workerd it started: its own process group, by its PID. */
async function stop(process: ChildProcess): Promise<void> {
  if (process.pid === undefined || process.exitCode !== null) return;
  const exited = new Promise<void>((done) => process.once('exit', () => done()));
  const signal = (name: NodeJS.Signals) => {
    try {
      globalThis.process.kill(-process.pid!, name);
    } catch {}
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

beforeAll(async () => {
  const [port, inspectorPort] = [await freePort(), await freePort()];
  state = await mkdtemp(join(tmpdir(), 'tsgi-wrangler-'));
  child = spawn(
    join(root, 'node_modules/.bin/wrangler'),
    [
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspectorPort),
      '--persist-to',
      state,
      '--show-interactive-dev-session=false',
    ],
    {
      cwd: root,
      detached: true, // its own process group, so workerd goes with it
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: 'false',
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        WRANGLER_LOG_PATH: state,
      },
    },
  );
  child.stdout?.on('data', (data) => {
    output += String(data);
  });
  child.stderr?.on('data', (data) => {
    output += String(data);
  });
  base = `http://127.0.0.1:${port}`;
  await waitForServer(`${base}/json`, 90_000);
}, 120_000);

afterAll(async () => {
  if (child) await stop(child);
  if (state) await rm(state, { recursive: true, force: true });
}, 30_000);

describe('the hello worker under wrangler dev, over HTTP', () => {
  it('answers text and JSON', async () => {
    const text = await fetch(`${base}/`);
    expect(text.status).toBe(200);
    expect(await text.text()).toBe('<p>Hello, World!</p>');
    const json = await fetch(`${base}/json`);
    expect(await json.json()).toEqual({ message: 'Hello, World!' });
  });

  it('sends 1 MiB of binary byte for byte', async () => {
    const res = await fetch(`${base}/binary`);
    expect(res.headers.get('content-length')).toBe('1048576');
    expect(Buffer.from(await res.arrayBuffer()).equals(binaryPattern(1_048_576))).toBe(true);
  });

  it('delivers three Set-Cookie headers', async () => {
    const res = await fetch(`${base}/cookies`);
    expect(res.headers.getSetCookie()).toEqual([
      'a=1; Path=/',
      'b=2; Path=/; HttpOnly',
      'c=3; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/',
    ]);
  });

  it('streams: the first chunk arrives while the app still has seconds to go', async () => {
    const delay = 500;
    const started = performance.now();
    // gzip, which fetch asks for by default, makes the local runtime collect the whole body.
    const res = await fetch(`${base}/stream?n=3&delay=${delay}`, {
      headers: { 'Accept-Encoding': 'identity' },
    });
    const reader = res.body!.getReader();
    const first = await reader.read();
    const firstAt = performance.now();
    let text = new TextDecoder().decode(first.value);
    for (let step = await reader.read(); !step.done; step = await reader.read()) {
      text += new TextDecoder().decode(step.value);
    }
    const doneAt = performance.now();
    console.info(
      `wrangler dev /stream: first chunk ${(firstAt - started).toFixed(0)} ms, ` +
        `last ${(doneAt - started).toFixed(0)} ms`,
    );
    expect(text.startsWith('chunk 0\n')).toBe(true);
    expect(text).toBe('chunk 0\nchunk 1\nchunk 2\n');
    expect(doneAt - firstAt).toBeGreaterThanOrEqual(2 * delay - 100);
  });

  it('streams a 5 MiB upload through the app and back byte for byte', async () => {
    const payload = binaryPattern(5 * 1_048_576 + 1);
    const res = await fetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-upload' },
      body: new Blob([new Uint8Array(payload)]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(res.headers.get('content-type')).toBe('application/x-upload');
    expect(Buffer.from(await res.arrayBuffer()).equals(payload)).toBe(true);
  });

  it('serves examples/hello/static under /static through the assets binding', async () => {
    const res = await fetch(`${base}/static/hello.txt`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Hello from the Workers assets binding.\n');
    const missing = await fetch(`${base}/static/missing.txt`);
    expect(missing.status).toBe(404);
    await missing.arrayBuffer();
  });

  it('gives the app the bindings, the client address and the request line', async () => {
    const res = await fetch(`${base}/environ?q=%20x`);
    const environ = (await res.json()) as Record<string, unknown>;
    expect(environ.bindings).toEqual({ GREETING: 'Hello from wrangler.toml' });
    expect(environ).toMatchObject({
      REQUEST_METHOD: 'GET',
      PATH_INFO: '/environ',
      QUERY_STRING: 'q=%20x',
      REQUEST_URI: '/environ?q=%20x',
      SERVER_NAME: '127.0.0.1',
      REMOTE_ADDR: '127.0.0.1',
    });
  });
});
