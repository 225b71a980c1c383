/**
 * serverless.yml for real, with no AWS account: `serverless package` bundles the Lambda entry,
 * lambda-local runs that bundle the way the Lambda Node runtime calls it, and
 * `serverless offline start` answers real HTTP on 127.0.0.1 on the REST (v1) and HTTP API (v2)
 * routes. Every server is started here and stopped by PID (its process group) in afterAll.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvent } from '../../adapters/aws-lambda/index.js';
import { binaryPattern } from '../../examples/hello/app.js';
import { fixturesDir, haveFixtures, loadFixture } from '../adapters/aws-lambda/_helpers.js';
import { freePort } from './_ports.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const serverless = join(root, 'node_modules/.bin/serverless');
const env = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };
const COOKIES = [
  'a=1; Path=/',
  'b=2; Path=/; HttpOnly',
  'c=3; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/',
];

let work = '';
let bundle = '';

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'tsgi-sls-'));
  // Stale files in .esbuild/ would shadow the new build.
  await rm(join(root, '.esbuild'), { recursive: true, force: true });
  await run(serverless, ['package', '--package', join(work, 'package')], {
    cwd: root,
    env,
    timeout: 120_000,
  });
  await run('unzip', ['-q', join(work, 'package/tsgi-hello.zip'), '-d', join(work, 'unzipped')]);
  bundle = join(work, 'unzipped/examples/hello/lambda.cjs');
}, 150_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('serverless package', () => {
  it('writes a zip that holds the bundled handler, and little else', async () => {
    const { stdout } = await run('unzip', ['-Z1', join(work, 'package/tsgi-hello.zip')]);
    expect(stdout.trim().split('\n')).toEqual(['examples/hello/lambda.cjs']);
    const code = await readFile(bundle, 'utf8');
    expect(code).toContain('streamifyResponse');
    expect(code).not.toMatch(/require\(["']tsgi/); // the library is bundled in, not required
  });

  it('declares the REST API with binary media types, the HTTP API and both Function URLs', async () => {
    const template = JSON.parse(
      await readFile(join(work, 'package/cloudformation-template-update-stack.json'), 'utf8'),
    ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const resources = Object.values(template.Resources);
    const restApi = resources.find((r) => r.Type === 'AWS::ApiGateway::RestApi');
    expect(restApi?.Properties.BinaryMediaTypes).toEqual(['*/*']);
    expect(resources.some((r) => r.Type === 'AWS::ApiGatewayV2::Api')).toBe(true);
    const urls = resources.filter((r) => r.Type === 'AWS::Lambda::Url');
    expect(urls.map((r) => r.Properties.InvokeMode ?? 'BUFFERED').sort()).toEqual([
      'BUFFERED',
      'RESPONSE_STREAM',
    ]);
  });
});

describe('the bundle under lambda-local', () => {
  async function invoke(handlerName: string, event: unknown) {
    const lambdaLocal = await import('lambda-local');
    lambdaLocal.setLogger({ log() {}, info() {}, warn() {}, error() {}, transports: [] });
    return (await lambdaLocal.execute({
      event,
      lambdaPath: bundle,
      lambdaHandler: handlerName,
      timeoutMs: 20_000,
      verboseLevel: 0,
    })) as Record<string, unknown>;
  }

  it.skipIf(!haveFixtures)('answers a captured Function URL event', async () => {
    const event = loadFixture('aws-lambda-go--function-url-domain-only-get-request.json');
    const result = await invoke('handler', event);
    expect(result).toMatchObject({
      statusCode: 200,
      headers: { 'Content-Type': 'text/html; charset=utf-8' },
      body: '<p>Hello, World!</p>',
      isBase64Encoded: false,
    });
  });

  it.skipIf(!haveFixtures)('answers a captured REST API event on its stage', async () => {
    const event = loadFixture('lambda-dev-guide--nodejs-apig-event.json'); // GET /Prod/
    const result = await invoke('handler', event);
    expect(result).toMatchObject({ statusCode: 200, body: '<p>Hello, World!</p>' });
  });

  it('answers three cookies on an ALB event in single-value mode', async () => {
    const result = await invoke('handler', buildEvent('alb', { path: '/cookies' }));
    expect(result.statusDescription).toBe('200 OK');
    expect(Object.values(result.headers as object).filter((v) => COOKIES.includes(v))).toEqual(
      COOKIES,
    );
  });

  it('streams with streamingHandler through lambda-local’s awslambda polyfill', async () => {
    const result = await invoke(
      'streamingHandler',
      buildEvent('function-url', { path: '/stream?n=3&delay=10' }),
    );
    expect(result.statusCode).toBe(200);
    const chunks: Buffer[] = [];
    for await (const chunk of result.body as Readable) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('chunk 0\nchunk 1\nchunk 2\n');
  });
});

if (!haveFixtures) console.log(`lambda-local captured events: skipped, ${fixturesDir} is absent`);

describe('serverless offline start', () => {
  let child: ChildProcess | undefined;
  let output = '';
  let base = '';

  beforeAll(async () => {
    const [httpPort, lambdaPort] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${httpPort}`;
    child = spawn(
      serverless,
      ['offline', 'start', '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort)],
      { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (data) => {
      output += data;
    });
    child.stderr?.on('data', (data) => {
      output += data;
    });
    const stop = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`serverless offline exited early:\n${output}`);
      if (output.includes('Server ready')) break;
      if (Date.now() > stop) throw new Error(`serverless offline not ready in 90 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 120_000);

  afterAll(async () => {
    const process = child;
    if (process?.pid === undefined || process.exitCode !== null) return;
    const exited = new Promise<void>((done) => process.once('exit', () => done()));
    const signal = (name: NodeJS.Signals) => {
      try {
        globalThis.process.kill(-process.pid!, name); // the whole group: no orphans
      } catch {}
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }, 30_000);

  // REST (v1) routes are served under the stage; the HTTP API (v2) at the root.
  describe.each([
    ['REST API (v1)', '/dev'],
    ['HTTP API (v2)', ''],
  ])('%s', (_name, prefix) => {
    it('answers text', async () => {
      const res = await fetch(`${base}${prefix}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toBe('<p>Hello, World!</p>');
    });

    it('answers JSON', async () => {
      const res = await fetch(`${base}${prefix}/json`);
      expect(await res.json()).toEqual({ message: 'Hello, World!' });
    });

    it('answers a binary body byte for byte', async () => {
      const res = await fetch(`${base}${prefix}/binary?size=300000`);
      expect(res.status).toBe(200);
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.equals(Buffer.from(binaryPattern(300000)))).toBe(true);
    });

    it('echoes a binary request body byte for byte', async () => {
      const sent = Buffer.from(binaryPattern(70000)).reverse();
      const res = await fetch(`${base}${prefix}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: sent,
      });
      expect(Buffer.from(await res.arrayBuffer()).equals(sent)).toBe(true);
    });

    it('sends three Set-Cookie lines', async () => {
      const res = await fetch(`${base}${prefix}/cookies`);
      expect(res.headers.getSetCookie()).toEqual(COOKIES);
    });

    it('gives the app the path without the stage', async () => {
      // serverless-offline rebuilds v2's rawQueryString itself (`%20` comes back as `+`), so
      // the query here is one every rebuild keeps as it is.
      const res = await fetch(`${base}${prefix}/environ?x=1&x=2&y=z`);
      const environ = (await res.json()) as Record<string, string>;
      expect(environ.PATH_INFO).toBe('/environ');
      expect(environ.QUERY_STRING).toBe('x=1&x=2&y=z');
      expect(environ.REMOTE_ADDR).toBe('127.0.0.1');
    });
  });
});
