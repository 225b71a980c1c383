import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { checkEvent, invokeEvent } from '../../cli/invoke.js';
import { localContext, readJsonObject } from '../../cli/lambda.js';
import app from '../../examples/hello/app.js';
import { CLI, HELLO, ROOT, runCli } from './_cli.js';

const run = promisify(execFile);
const FIXTURES = resolve(process.env.TSGI_FIXTURES ?? join(ROOT, '../shared/fixtures/aws'));
const haveFixtures = existsSync(FIXTURES);
if (!haveFixtures) console.warn(`skipping captured-event tests: ${FIXTURES} is absent`);

/** Captured request events (the folder also holds a few captured results). */
const events = haveFixtures
  ? readdirSync(FIXTURES).filter((name) => name.endsWith('.json') && !name.includes('-response'))
  : [];

describe('tsgi invoke', () => {
  it.skipIf(!haveFixtures)('runs the Lambda handler on every captured event', async () => {
    // In-process for the whole folder (a subprocess each would take minutes); the subprocess
    // path is exercised by the tests below.
    expect(events.length).toBeGreaterThan(40);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      for (const name of events) {
        const event = readJsonObject(join(FIXTURES, name), 'event');
        await checkEvent(event);
        for (const http of [false, true]) {
          const output = await invokeEvent(app, event, localContext(), http);
          if (http) {
            expect(output, name).toMatch(/^HTTP\/1\.1 [2-4]\d\d [A-Z][A-Za-z -]+\n/);
          } else {
            const result = JSON.parse(output) as { statusCode?: number; status?: string };
            const status = Number(result.statusCode ?? result.status);
            expect(status, name).toBeGreaterThanOrEqual(200);
            expect(status, name).toBeLessThan(500);
          }
        }
      }
    } finally {
      logged.mockRestore();
    }
  });

  it.skipIf(!haveFixtures)('runs as a subprocess on captured events of every kind', async () => {
    const names = [
      'powertools-ts--apigw-rest-no-auth.json',
      'dotnet--values-get-all-httpapi-v2-with-stage.json',
      'rust-runtime--lambda_function_url_request.json',
      'powertools-py--albEvent.json',
      'dotnet--alb-request-multi-value.json',
      'cloudfront-docs--lambda-event-structure-example-origin-request.json',
    ];
    for (const name of names) {
      const res = await runCli(['invoke', HELLO, '--event', join(FIXTURES, name)]);
      expect(res.code, `${name}: ${res.stderr}`).toBe(0);
      const result = JSON.parse(res.stdout) as { statusCode?: number; status?: string };
      expect(Number(result.statusCode ?? result.status), name).toBeLessThan(500);
    }
  });

  it.skipIf(!haveFixtures)('decodes results as HTTP with --http, per front end', async () => {
    const cases: [string, RegExp][] = [
      [
        'lambda-dev-guide--nodejs-apig-event.json',
        /^HTTP\/1\.1 200 OK\n[\s\S]*<p>Hello, World!<\/p>$/,
      ],
      ['aws-lambda-go--apigw-v2-request-no-authorizer.json', /^HTTP\/1\.1 200 OK\n/],
      ['powertools-py--lambdaFunctionUrlEvent.json', /^HTTP\/1\.1 200 OK\n/],
      ['rust-runtime--alb_request_encoded_query_parameters.json', /^HTTP\/1\.1 200 OK\n/],
      [
        'rust-runtime--alb_multi_value_request_encoded_query_parameters.json',
        /^HTTP\/1\.1 200 OK\n/,
      ],
      ['serverless-express--lambda-edge-event.json', /^HTTP\/1\.1 200 OK\n/],
    ];
    for (const [name, expected] of cases) {
      const res = await runCli(['invoke', HELLO, '--event', join(FIXTURES, name), '--http']);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout, name).toMatch(expected);
      expect(res.stdout.toLowerCase(), name).toContain('content-type: text/html; charset=utf-8');
    }
  });

  it('--http writes the front end status line: ALB its statusDescription, API Gateway the standard phrase', async () => {
    const module = join(mkdtempSync(join(tmpdir(), 'tsgi-status-')), 'custom.mjs');
    writeFileSync(
      module,
      "export default (_e, start) => { start('299 Custom', [['Content-Type', 'text/plain']]); return ['x']; };\n",
    );
    const statusFor = async (kind: string) => {
      const event = (await runCli(['event', kind, 'GET', '/'])).stdout;
      const res = await runCli(['invoke', module, '--event', '-', '--http'], { input: event });
      return res.stdout.split('\n')[0];
    };
    expect(await statusFor('alb')).toBe('HTTP/1.1 299 Custom');
    expect(await statusFor('edge')).toBe('HTTP/1.1 299 Custom');
    expect(await statusFor('aws-v2')).toBe('HTTP/1.1 299');
  });

  it('reads the event from stdin, BOM and all', async () => {
    const event = readFileSync(join(ROOT, 'test/cli/fixtures/v2-get-json.json'), 'utf8');
    const res = await runCli(['invoke', HELLO, '--event', '-'], { input: `\uFEFF${event}` });
    expect(res.code, res.stderr).toBe(0);
    const result = JSON.parse(res.stdout);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ message: 'Hello, World!' });
  });

  it.each([
    ['{ "version": "2.0", ', /is not valid JSON/],
    ['[1, 2]', /must be a JSON object/],
    [
      '{ "hello": "world" }',
      /^tsgi: the Lambda handler got an event with top-level keys \[hello\]; it serves /,
    ],
    [
      '{ "Records": [{ "cf": { "config": { "eventType": "viewer-response" }, "request": {}, "response": {} } }] }',
      /got a Lambda@Edge viewer-response event \(a response trigger/,
    ],
  ])('refuses %j with one line and exit status 2', async (input, message) => {
    const res = await runCli(['invoke', HELLO, '--event', '-'], { input });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses an event file that is missing', async () => {
    const res = await runCli(['invoke', HELLO, '--event', join(ROOT, 'no-such-event.json')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^tsgi: cannot read event .*no-such-event\.json: no such file\n$/);
  });
});

describe('tsgi event', () => {
  it.each(['aws-v1', 'aws-v2', 'alb', 'alb-multi', 'function-url', 'edge'])(
    '%s: an event piped into invoke reaches the app and comes back',
    async (kind) => {
      const event = await runCli([
        'event',
        kind,
        'POST',
        '/echo?x=1',
        '-H',
        'Content-Type: application/json',
        '-d',
        '{"a":"é"}',
      ]);
      expect(event.code, event.stderr).toBe(0);
      const parsed = JSON.parse(event.stdout);
      expect(typeof parsed).toBe('object');
      const res = await runCli(['invoke', HELLO, '--event', '-', '--http'], {
        input: event.stdout,
      });
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/^HTTP\/1\.1 200 OK\n/);
      expect(res.stdout.endsWith('\n\n{"a":"é"}')).toBe(true);
    },
  );

  it('works through a real shell pipe', async () => {
    const tsgi = `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(CLI)}`;
    const line = `${tsgi} event aws-v2 GET /json | ${tsgi} invoke ${JSON.stringify(HELLO)} --event - --http`;
    const { stdout } = await run('sh', ['-c', line], { cwd: ROOT });
    expect(stdout).toMatch(/^HTTP\/1\.1 200 OK\n/);
    expect(stdout.endsWith('\n\n{"message":"Hello, World!"}')).toBe(true);
  });

  it('takes a stage and a host', async () => {
    const res = await runCli([
      'event',
      'aws-v2',
      'GET',
      '/environ',
      '--stage',
      'beta',
      '--host',
      'api.example.com',
    ]);
    const event = JSON.parse(res.stdout);
    // HTTP API keeps a named stage in rawPath on a custom domain too (its mapping key it drops).
    expect(event.rawPath).toBe('/beta/environ');
    expect(event.requestContext.stage).toBe('beta');
    expect(event.requestContext.domainName).toBe('api.example.com');
    const invoked = await runCli(['invoke', HELLO, '--event', '-'], { input: res.stdout });
    const environ = JSON.parse(JSON.parse(invoked.stdout).body);
    expect(environ.SCRIPT_NAME).toBe('/beta');
    expect(environ.PATH_INFO).toBe('/environ');
    expect(environ.SERVER_NAME).toBe('api.example.com');
    const onAws = JSON.parse(
      (await runCli(['event', 'aws-v2', 'GET', '/environ', '--stage', 'beta'])).stdout,
    );
    expect(onAws.rawPath).toBe('/beta/environ');
  });

  it('takes the host from -H Host as request does, and refuses one that is no host', async () => {
    const res = await runCli(['event', 'aws-v2', 'GET', '/x', '-H', 'Host: mine.example']);
    const event = JSON.parse(res.stdout);
    expect(event.headers.host).toBe('mine.example');
    expect(event.requestContext.domainName).toBe('mine.example');
    for (const host of ['', 'bad host', 'x.com:abc', 'x.com:0', 'a/b']) {
      const bad = await runCli(['event', 'aws-v1', 'GET', '/', '--host', host]);
      expect(bad.code, host).toBe(2);
      expect(bad.stderr, host).toMatch(/is not a host name/);
    }
    for (const host of ['[::1]:8443', 'my_app:8000', 'xn--bcher-kva.example.']) {
      expect((await runCli(['event', 'aws-v1', 'GET', '/', '--host', host])).code, host).toBe(0);
    }
  });

  it('refuses an unknown kind', async () => {
    const res = await runCli(['event', 'sqs', 'GET', '/']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(
      /kind must be one of aws-v1, aws-v2, alb, alb-multi, function-url, edge/,
    );
  });
});
