/**
 * `npm run bench`: bundles the throughput harness, runs it in a plain Node process, measures
 * bundle sizes and cold starts, and writes the report to results.md and docs/benchmarks.md.
 *
 * Environment: BENCH_QUICK=1 for a short run (fewer rounds, no docs update), plus the variables
 * throughput.ts reads (BENCH_ROUNDS, BENCH_BATCH_MS, BENCH_ONLY, BENCH_PARTS) and BENCH_COLD_RUNS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { currentLoad, type Results, render } from './report.js';
import { runStartup } from './startup.js';

const srcDir = dirname(fileURLToPath(import.meta.url));
const benchDir = dirname(srcDir);
const outDir = join(benchDir, '.build');
const docs = join(benchDir, '..', 'docs', 'benchmarks.md');
const quick = process.env.BENCH_QUICK === '1';
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, 'i') : undefined;
const parts = (process.env.BENCH_PARTS ?? 'lambda,fetch,startup').split(',');
const log = (line: string) => console.log(line);

mkdirSync(outDir, { recursive: true });
const loadBefore = currentLoad();

// Throughput runs on a bundle in plain Node: tsgi's TypeScript goes through esbuild as a user's
// bundler would, with no loader hooks in the process; the peers load from node_modules as shipped.
const harness = join(outDir, 'throughput.mjs');
await build({
  entryPoints: [join(srcDir, 'throughput.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outfile: harness,
  logLevel: 'error',
});
const tablesFile = join(outDir, 'throughput.json');
const env = {
  ...process.env,
  BENCH_ROUNDS: process.env.BENCH_ROUNDS ?? (quick ? '3' : '15'),
  BENCH_BATCH_MS: process.env.BENCH_BATCH_MS ?? (quick ? '30' : '100'),
  BENCH_PARTS: parts.filter((p) => p !== 'startup').join(','),
};
const run = spawnSync(process.execPath, [harness, tablesFile], {
  stdio: 'inherit',
  env,
  cwd: benchDir,
});
if (run.status !== 0) throw new Error(`the throughput run failed with exit code ${run.status}`);
const tables = JSON.parse(readFileSync(tablesFile, 'utf8'));

const startup = parts.includes('startup')
  ? await runStartup(
      srcDir,
      join(outDir, 'bundles'),
      Number(process.env.BENCH_COLD_RUNS ?? (quick ? 7 : 15)),
      log,
      (name) => only === undefined || only.test(name),
    )
  : undefined;

const results: Results = {
  date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
  clock: tables.clock,
  rounds: tables.rounds,
  batchMs: tables.batchMs,
  loadBefore,
  loadAfter: currentLoad(),
  lambda: tables.lambda,
  fetch: tables.fetch,
  startup,
};
const markdown = render(results);
writeFileSync(join(benchDir, 'results.md'), `${markdown}\n`);
writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, null, 1));
console.log(`\n${markdown}`);

// docs/benchmarks.md keeps its method text; only the part between the markers is replaced.
const START = '<!-- results:start -->';
const END = '<!-- results:end -->';
if (!quick && existsSync(docs)) {
  const text = readFileSync(docs, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a !== -1 && b > a) {
    writeFileSync(docs, `${text.slice(0, a + START.length)}\n${markdown}\n${text.slice(b)}`);
    // The tables are written plainly; the repository's formatter pads them.
    const biome = join(benchDir, '..', 'node_modules', '.bin', 'biome');
    spawnSync(biome, ['format', '--write', docs], { stdio: 'ignore' });
    console.log(`\nupdated ${docs}`);
  }
}
