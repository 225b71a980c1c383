/**
 * Bundle size and cold start. Each candidate's module (src/aws/*.ts: import, build the handler)
 * is bundled with esbuild --bundle --minify --platform=node; the bundle is measured (bytes, gzip
 * bytes) and run in fresh Node processes: require + build + one call, minus `node -e ''`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { type Stats, stats } from './measure.js';
import { eventFor, SCENARIOS } from './scenarios.js';

export interface StartupRow {
  candidate: string;
  bytes: number;
  gzipBytes: number;
  /** Milliseconds over `node -e ''`, per run. */
  coldMs?: Stats;
  wrong?: string;
}

export interface StartupReport {
  baselineMs: Stats;
  runs: number;
  rows: StartupRow[];
}

/** Candidate name and its module under src/aws/. */
export const STARTUP_CANDIDATES: readonly [string, string][] = [
  ['floor (raw handler)', 'floor'],
  ['tsgi handler, plain app', 'tsgi'],
  ['tsgi handler, framework App', 'tsgi-framework'],
  ['serverless-http 4.0.0', 'serverless-http'],
  ['hono 4.13 (hono/aws-lambda)', 'hono'],
  ['@fastify/aws-lambda 6.4.1', 'fastify'],
  ['serverless-express 4.17.1', 'serverless-express'],
];

async function bundle(srcDir: string, outDir: string, module: string): Promise<string> {
  const outfile = join(outDir, `${module}.cjs`);
  await build({
    entryPoints: [join(srcDir, 'aws', `${module}.ts`)],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    logLevel: 'error',
    legalComments: 'none',
  });
  return outfile;
}

function timeProcess(args: string[]): number | string {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0)
    return `exit ${run.status}: ${(run.stderr || run.stdout).trim().slice(0, 300)}`;
  return ms;
}

export async function runStartup(
  srcDir: string,
  outDir: string,
  runs: number,
  log: (line: string) => void,
  only: (name: string) => boolean = () => true,
): Promise<StartupReport> {
  const event = JSON.stringify(eventFor(SCENARIOS[0]!, 'v2'));
  const chosen = STARTUP_CANDIDATES.filter(([name], i) => i === 0 || only(name));
  const bundles: { name: string; file: string; row: StartupRow; times: number[] }[] = [];
  for (const [name, module] of chosen) {
    const file = await bundle(srcDir, outDir, module);
    const bytes = readFileSync(file);
    const row: StartupRow = {
      candidate: name,
      bytes: bytes.byteLength,
      gzipBytes: gzipSync(bytes, { level: 9 }).byteLength,
    };
    bundles.push({ name, file, row, times: [] });
  }
  const baseline: number[] = [];
  // One process per candidate per run, interleaved with the baseline, so load drift hits all alike.
  for (let run = 0; run < runs; run++) {
    const empty = timeProcess(['-e', '']);
    if (typeof empty === 'number') baseline.push(empty);
    for (const b of bundles) {
      if (b.row.wrong !== undefined) continue;
      const code =
        `require(${JSON.stringify(b.file)}).handler(${event}, {}).then((r) => {` +
        `if (r.statusCode !== 200) { console.error(JSON.stringify(r)); process.exit(2); } })`;
      const ms = timeProcess(['-e', code]);
      if (typeof ms === 'string') b.row.wrong = ms;
      else b.times.push(ms);
    }
    log(`cold start run ${run + 1}/${runs}`);
  }
  const baselineMs = stats(baseline);
  for (const b of bundles) {
    if (b.row.wrong === undefined) b.row.coldMs = stats(b.times.map((t) => t - baselineMs.median));
  }
  return { baselineMs, runs, rows: bundles.map((b) => b.row) };
}
