/**
 * Meets the package the way users do: `npm pack`, install the tarball into an empty project, then
 * import every public subpath in plain ESM and compile a consumer under strict `tsc`.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
  bin?: Record<string, string>;
};
const subpaths = Object.keys(manifest.exports)
  .filter((key) => key !== './package.json')
  .map((key) => (key === '.' ? 'tsgi' : `tsgi/${key.slice(2)}`));

/** Each step spawns node, npm or tsc; a loaded 2-core machine needs room. */
const SLOW = 180_000;

let project = '';

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'tsgi-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', project], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [{ filename }] = JSON.parse(stdout.slice(stdout.indexOf('['))) as [{ filename: string }];
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  await run('npm', ['install', '--no-audit', '--no-fund', join(project, filename)], {
    cwd: project,
  });
}, 240_000);

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

describe('the packed package', () => {
  it(
    'ships no source maps, tests or sources, only dist and docs',
    async () => {
      const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: root,
      });
      const files = (
        JSON.parse(stdout.slice(stdout.indexOf('['))) as [{ files: { path: string }[] }]
      )[0].files.map((f) => f.path);
      expect(files.some((f) => f.startsWith('test/') || f.startsWith('src/'))).toBe(false);
    },
    SLOW,
  );

  it.each(subpaths)(
    'imports %s in plain ESM',
    async (specifier) => {
      const script = `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m)));`;
      const { stdout } = await run('node', ['--input-type=module', '-e', script], { cwd: project });
      const names = JSON.parse(stdout) as string[];
      expect(names.length).toBeGreaterThan(0);
    },
    SLOW,
  );

  it.each(subpaths)(
    'requires %s from CommonJS (the default of npm init), through require(esm)',
    async (specifier) => {
      const script = `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(specifier)}))));`;
      const { stdout } = await run('node', ['--no-warnings', '-e', script], { cwd: project });
      expect((JSON.parse(stdout) as string[]).length).toBeGreaterThan(0);
    },
    SLOW,
  );

  it(
    'runs an app through the installed core and test client',
    async () => {
      const script = `
      import { Client } from 'tsgi/testing';
      import { lint } from 'tsgi/middleware';
      const app = lint((environ, start) => { start('200 OK', [['Content-Type', 'text/plain']]); return ['hi ' + environ.PATH_INFO]; });
      const res = await new Client(app).get('/there');
      console.log(res.statusCode, res.text());`;
      const { stdout } = await run('node', ['--input-type=module', '-e', script], { cwd: project });
      expect(stdout.trim()).toBe('200 hi /there');
    },
    SLOW,
  );

  it(
    'compiles a consumer of every subpath under strict tsc (types resolve)',
    async () => {
      const lines = subpaths.map((s, i) => `import * as m${i} from '${s}';\nvoid m${i};`);
      lines.push(
        "import type { App, Environ } from 'tsgi';",
        "const app: App = (environ: Environ, start) => { start('200 OK', []); return [environ.PATH_INFO]; };",
        'void app;',
      );
      await writeFile(join(project, 'consumer.ts'), lines.join('\n'));
      await writeFile(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            lib: ['ES2023', 'DOM', 'DOM.Iterable'],
            types: ['node'],
            typeRoots: [join(root, 'node_modules/@types')],
          },
          files: ['consumer.ts'],
        }),
      );
      const tsc = join(root, 'node_modules/typescript/bin/tsc');
      const result = await run('node', [tsc, '-p', 'tsconfig.json'], { cwd: project }).catch(
        (error: { stdout: string }) => ({ stdout: error.stdout, failed: true }),
      );
      expect(result.stdout).toBe('');
    },
    SLOW,
  );

  it.skipIf(!manifest.bin?.tsgi || !existsSync(join(root, 'cli/main.ts')))(
    'installs a working tsgi command: version, request, and event piped into invoke',
    async () => {
      const tsgi = join(project, 'node_modules/.bin/tsgi');
      const { stdout } = await run(tsgi, ['--version'], { cwd: project });
      expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      await writeFile(
        join(project, 'app.mjs'),
        "export default (environ, start) => { start('200 OK', [['Content-Type', 'text/plain']]); return ['at ' + environ.PATH_INFO]; };\n",
      );
      const request = await run(tsgi, ['request', 'app.mjs', 'GET', '/here'], { cwd: project });
      expect(request.stdout).toMatch(/^HTTP\/1\.1 200 OK/);
      expect(request.stdout).toMatch(/at \/here$/);
      const event = await run(tsgi, ['event', 'aws-v2', 'GET', '/piped'], { cwd: project });
      const invoked = spawnSync(tsgi, ['invoke', 'app.mjs', '--event', '-'], {
        cwd: project,
        input: event.stdout,
        encoding: 'utf8',
      });
      expect(invoked.status).toBe(0);
      expect(JSON.parse(invoked.stdout)).toMatchObject({ statusCode: 200, body: 'at /piped' });
    },
    SLOW,
  );
});
