import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binaryPattern } from '../../examples/hello/app.js';
import { HELLO, ROOT, runCli } from './_cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tsgi-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tsgi help, version and errors', () => {
  it('prints help and the version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['serve', 'invoke', 'request', 'event']) {
      expect(help.stdout).toContain(command);
    }
    const serveHelp = await runCli(['serve', '--help']);
    expect(serveHelp.code).toBe(0);
    expect(serveHelp.stdout).toContain('--emulate');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  it.each([
    [
      ['request', join(dir, 'missing.ts'), 'GET', '/'],
      /^tsgi: cannot find module .*missing\.ts\n$/,
    ],
    [
      ['request', 'package.json', 'GET', '/'],
      /must be \.js, \.mjs or \.cjs, or \(with tsx\) \.ts, \.mts, \.cts, \.tsx or \.jsx/,
    ],
    [['frobnicate'], /^tsgi: unknown command "frobnicate"/],
    [['serve', HELLO, '--port', 'eighty'], /--port must be a number/],
    [['serve', HELLO, '--emulate', 'mainframe'], /--emulate must be one of/],
    [['request', HELLO, 'GET'], /usage: tsgi request/],
    [
      ['request', HELLO, 'GET', '/', '--bogus'],
      /^tsgi: unknown option --bogus \(see tsgi request --help\)\n$/,
    ],
    [
      ['request', HELLO, 'GET', '/', "--it's"],
      /^tsgi: unknown option --it's \(see tsgi request --help\)\n$/,
    ],
    [['request', HELLO, 'GET', '/', '-H', 'no colon'], /is not a header/],
    [['request', HELLO, 'POST', '/echo', '-d', `@${join(dir, 'nope.bin')}`], /cannot read data/],
    [
      ['request', HELLO, 'GET', '/', '-o', join(dir, 'no', 'such', 'dir', 'out')],
      /^tsgi: cannot write .*out: no such directory\n$/,
    ],
    [['request', HELLO, 'POST', '/echo', '-d', '-1'], /starting with a dash use '--data=-XYZ'/],
    [['invoke', HELLO, '--event', dir], /^tsgi: cannot read event .*: it is a directory\n$/],
    [['event', 'alb', 'GET', '/', '--stage', 'beta'], /--stage is for API Gateway events/],
  ])('%j: one clear line on stderr, exit status 2', async (args, message) => {
    const res = await runCli(args);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a module without an app, naming the export it looked for', async () => {
    const module = join(dir, 'noapp.mjs');
    writeFileSync(module, 'export const notAnApp = 42;\n');
    const missing = await runCli(['request', module, 'GET', '/']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/has no app: its default export is nothing/);
    const named = await runCli(['request', module, 'GET', '/', '--export', 'notAnApp']);
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/its export "notAnApp" is a number/);
    const worker = join(dir, 'worker.mjs');
    writeFileSync(worker, 'export default { fetch: () => new Response("hi") };\n');
    const fetchModule = await runCli(['request', worker, 'GET', '/']);
    expect(fetchModule.code).toBe(2);
    expect(fetchModule.stderr).toMatch(/is an object; it looks like a fetch handler module/);
  });

  it("tsgi help <command> prints that command's help", async () => {
    const res = await runCli(['help', 'serve']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/--reload/);
    expect((await runCli(['serve', '--help'])).stdout).toBe(res.stdout);
    for (const args of [
      ['help', '-h'],
      ['help', '--help'],
    ]) {
      const general = await runCli(args);
      expect(general.code, args.join(' ')).toBe(0);
      expect(general.stdout, args.join(' ')).toMatch(/^Usage: tsgi <command>/);
    }
    for (const args of [['help', 'nope'], ['help', 'toString'], ['toString']]) {
      const refused = await runCli(args);
      expect(refused.code, args.join(' ')).toBe(2);
      expect(refused.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });

  it('hands a pipe the body bytes as they are, a UTF-8 BOM too', async () => {
    const module = join(dir, 'bom.mjs');
    writeFileSync(
      module,
      "export default (_e, start) => { start('200 OK', [['Content-Type', 'text/csv']]); return [new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0x2c, 0x62, 0x0a])]; };\n",
    );
    const alone = await runCli(['request', module, 'GET', '/', '-o', '-']);
    expect([...alone.raw]).toEqual([0xef, 0xbb, 0xbf, 0x61, 0x2c, 0x62, 0x0a]);
    const piped = await runCli(['request', module, 'GET', '/']);
    expect([...piped.raw.subarray(-7)]).toEqual([0xef, 0xbb, 0xbf, 0x61, 0x2c, 0x62, 0x0a]);
  });

  it('stops quietly when the reader of its output closes early (| head)', async () => {
    const module = join(dir, 'big.mjs');
    writeFileSync(
      module,
      "export default (_e, start) => { start('200 OK', [['Content-Type', 'text/plain']]); return ['x'.repeat(8 << 20)]; };\n",
    );
    const cli = `${JSON.stringify(process.execPath)} --import tsx cli/main.ts request ${JSON.stringify(module)} GET /`;
    const run = spawnSync('bash', ['-c', `set -o pipefail; ${cli} | head -c 10 >/dev/null`], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect([run.status, run.stderr]).toEqual([0, '']);
  });

  it('reports a module that fails to load with its error, exit status 1', async () => {
    const module = join(dir, 'broken.ts');
    writeFileSync(module, 'export default (\n');
    const res = await runCli(['request', module, 'GET', '/']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/broken\.ts failed to load/);
    expect(res.stderr).toMatch(/Unexpected end of file/);
  });

  it("says where an ES module's syntax error is, which Node's error leaves out", async () => {
    const module = join(dir, 'broken.mjs');
    writeFileSync(module, 'export default (_e, start) => {\n  return [ "x" ;\n};\n');
    const res = await runCli(['request', module, 'GET', '/']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${module}:2\n  return [ "x" ;\n`);
    expect(res.stderr).toMatch(/SyntaxError: Unexpected token ';'/);

    const entry = join(dir, 'imports-broken.mjs');
    writeFileSync(entry, "export { default } from './broken.mjs';\n");
    const indirect = await runCli(['request', entry, 'GET', '/']);
    expect(indirect.code).toBe(1);
    expect(indirect.stderr).toContain(`(in a module that ${entry} imports)`);
  });
});

describe('tsgi request', () => {
  it('prints the status line, headers and body', async () => {
    const res = await runCli(['request', HELLO, 'GET', '/cookies']);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(
      'HTTP/1.1 200 OK\n' +
        'Content-Type: text/plain; charset=utf-8\n' +
        'Set-Cookie: a=1; Path=/\n' +
        'Set-Cookie: b=2; Path=/; HttpOnly\n' +
        'Set-Cookie: c=3; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/\n' +
        '\n' +
        'three cookies',
    );
  });

  it('loads a plain .mjs module and its named export', async () => {
    const module = join(dir, 'named.mjs');
    writeFileSync(
      module,
      `export const api = (environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [environ.REQUEST_METHOD + ' ' + environ.PATH_INFO + ' ' + environ.HTTP_X_NAME];
};
`,
    );
    const res = await runCli([
      'request',
      module,
      'delete',
      '/thing',
      '--export',
      'api',
      '-H',
      'X-Name: Ada',
    ]);
    expect(res.code).toBe(0);
    expect(res.stdout.endsWith('\n\nDELETE /thing Ada')).toBe(true);
  });

  it('sends -d @file byte for byte and writes a binary body with -o', async () => {
    const input = join(dir, 'in.bin');
    const output = join(dir, 'out.bin');
    const bytes = randomBytes(100_000);
    writeFileSync(input, bytes);
    const res = await runCli([
      'request',
      HELLO,
      'POST',
      '/echo',
      '-H',
      'Content-Type: application/octet-stream',
      '-d',
      `@${input}`,
      '-o',
      output,
    ]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Content-Length: 100000\n');
    expect(Buffer.compare(readFileSync(output), bytes)).toBe(0);

    const stdin = await runCli(['request', HELLO, 'POST', '/echo', '-d', '@-'], {
      input: 'a=1&b=2',
    });
    expect(stdin.stdout).toContain('Content-Type: application/x-www-form-urlencoded\n');
    expect(stdin.stdout.endsWith('\n\na=1&b=2')).toBe(true);

    // A pipe takes the bytes after the head, as curl -i gives them; -o - gives the body alone.
    const expected = Buffer.from(binaryPattern(64));
    const piped = await runCli(['request', HELLO, 'GET', '/binary?size=64']);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toMatch(/^HTTP\/1\.1 200 OK\n/);
    expect(Buffer.compare(piped.raw.subarray(piped.raw.length - 64), expected)).toBe(0);
    const alone = await runCli(['request', HELLO, 'GET', '/binary?size=64', '-o', '-']);
    expect(Buffer.compare(alone.raw, expected)).toBe(0);
    expect(alone.stderr).toMatch(/^HTTP\/1\.1 200 OK\n/);
  });

  it.skipIf(!existsSync('/dev/full'))(
    'a full disk is one line and exit status 2, never a stack',
    () => {
      const cli = `${JSON.stringify(process.execPath)} --import tsx cli/main.ts request ${JSON.stringify(HELLO)} GET /`;
      for (const redirect of ['-o /dev/full', '> /dev/full']) {
        const run = spawnSync('bash', ['-c', `${cli} ${redirect}`], {
          cwd: ROOT,
          encoding: 'utf8',
        });
        expect(run.status, redirect).toBe(2);
        expect(run.stderr, redirect).toMatch(/no space left on the device\n$/);
        expect(run.stderr, redirect).not.toMatch(/\n\s+at /);
      }
    },
  );

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('keeps a binary body off a terminal', () => {
    // script(1) gives the command a terminal for stdout.
    const cli = `${JSON.stringify(process.execPath)} --import tsx cli/main.ts request ${JSON.stringify(HELLO)} GET '/binary?size=64'`;
    const run = spawnSync('script', ['-qec', cli, '/dev/null'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/64 bytes of binary data; save it with -o FILE/);
  });

  it('names the .ts file and its lines in stacks, in a package without "type": "module"', async () => {
    const pkg = join(dir, 'commonjs');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'package.json'), '{ "name": "commonjs" }\n');
    const module = join(pkg, 'app.ts');
    writeFileSync(
      module,
      `const reason: string = 'kaboom';
export default () => {
  throw new Error(reason);
};
`,
    );
    const res = await runCli(['request', module, 'GET', '/']);
    expect(res.stdout).toMatch(/^HTTP\/1\.1 500 /);
    expect(res.stderr).toContain(`${module}:3:9`);
    expect(res.stderr).not.toContain('data:');
  });

  it('prints a body an app error cut short, says so on stderr, exit status 1', async () => {
    const module = join(dir, 'cut.mjs');
    writeFileSync(
      module,
      `export default (_environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return (function* () {
    yield 'part1';
    throw new Error('boom-after');
  })();
};
`,
    );
    const res = await runCli(['request', module, 'GET', '/']);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('HTTP/1.1 200 OK\nContent-Type: text/plain\n\npart1');
    expect(res.stderr).toMatch(/^tsgi: error in app for GET \/: Error: boom-after\n\s+at /);
    expect(res.stderr).toMatch(
      /\ntsgi: the body was cut after 5 bytes by an app error: Error: boom-after\n$/,
    );
  });

  it('answers a 1xx status with the 500 every adapter sends, and closes the app', async () => {
    const module = join(dir, 'interim.mjs');
    writeFileSync(
      module,
      `export default (environ, startResponse) => {
  startResponse('103 Early Hints', [['Link', '</style.css>; rel=preload']]);
  return Object.assign(['hint'], { close: () => environ['wsgi.errors'].write('closed\\n') });
};
`,
    );
    const res = await runCli(['request', module, 'GET', '/']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^HTTP\/1\.1 500 Internal Server Error\n/);
    expect(res.stdout.endsWith('\n\nInternal Server Error\n')).toBe(true);
    expect(res.stderr).toContain('closed\n');
    expect(res.stderr).toMatch(
      /cannot be sent by any adapter: a 1xx status is an interim response/,
    );
  });
});
