/**
 * Bundle size and cold start. Each candidate's module (src/aws/*.ts: import, build the handler)
 * is bundled with esbuild --bundle --minify --platform=node; the bundle is measured (bytes, gzip
 * bytes) and run in fresh Node processes: require + build + one call, minus `node -e ''`, as
 * wall time and as the CPU time the process reports for itself (steady on a busy machine).
 * A third measure needs no subtraction: the child times itself from just before `require` to the
 * first answer, which is exactly what the candidate adds to a cold start, without the ±25 ms
 * that Node's own start varies by on a shared machine.
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
  /** Wall-clock milliseconds over `node -e ''`, per run. */
  coldMs?: Stats;
  /** CPU milliseconds (user + system) over `node -e ''`, per run. */
  coldCpuMs?: Stats;
  /** Milliseconds from just before `require` to the first answer, timed inside the child. */
  coldInProcessMs?: Stats;
  wrong?: string;
}

export interface StartupReport {
  baselineMs: Stats;
  baselineCpuMs: Stats;
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

/**
 * Printed by every child as its last act: the CPU it used since it started, in microseconds, and
 * the milliseconds since `t0` (set just before `require`; 0 in the baseline). The clock is read
 * before `process.stdout` is touched: that getter builds the stream on first use, which costs
 * several milliseconds when stdout is a pipe, and is no part of the candidate's start.
 */
const REPORT =
  "const ms = performance.now() - t0; const u = process.cpuUsage(); process.stdout.write((u.user + u.system) + ' ' + ms);";

/** Wall, CPU and in-process milliseconds of one fresh process, or why it failed. */
function timeProcess(code: string): [wall: number, cpu: number, inProcess: number] | string {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const [cpu, inProcess] = run.stdout.split(' ').map(Number);
  if (run.status !== 0 || !Number.isFinite(cpu) || !Number.isFinite(inProcess)) {
    return `exit ${run.status}: ${(run.stderr || run.stdout).trim().slice(0, 300)}`;
  }
  return [ms, cpu! / 1000, inProcess!];
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
  const bundles: {
    name: string;
    file: string;
    row: StartupRow;
    times: number[];
    cpu: number[];
    inProcess: number[];
  }[] = [];
  for (const [name, module] of chosen) {
    const file = await bundle(srcDir, outDir, module);
    const bytes = readFileSync(file);
    const row: StartupRow = {
      candidate: name,
      bytes: bytes.byteLength,
      gzipBytes: gzipSync(bytes, { level: 9 }).byteLength,
    };
    bundles.push({ name, file, row, times: [], cpu: [], inProcess: [] });
  }
  const baseline: number[] = [];
  const baselineCpu: number[] = [];
  // One process per candidate per run, interleaved with the baseline, so load drift hits all alike.
  for (let run = 0; run < runs; run++) {
    // The baseline is `node -e ''` plus the statements that report the times.
    const empty = timeProcess(`const t0 = performance.now(); ${REPORT}`);
    if (typeof empty === 'string') throw new Error(`node -e failed: ${empty}`);
    baseline.push(empty[0]);
    baselineCpu.push(empty[1]);
    for (const b of bundles) {
      if (b.row.wrong !== undefined) continue;
      const code =
        `const event = ${event}; const t0 = performance.now();` +
        `require(${JSON.stringify(b.file)}).handler(event, {}).then((r) => {` +
        `if (r.statusCode !== 200) { console.error(JSON.stringify(r)); process.exit(2); } ${REPORT} })`;
      const ms = timeProcess(code);
      if (typeof ms === 'string') {
        b.row.wrong = ms;
      } else {
        b.times.push(ms[0]);
        b.cpu.push(ms[1]);
        b.inProcess.push(ms[2]);
      }
    }
    log(`cold start run ${run + 1}/${runs}`);
  }
  const baselineMs = stats(baseline);
  const baselineCpuMs = stats(baselineCpu);
  for (const b of bundles) {
    if (b.row.wrong !== undefined) continue;
    b.row.coldMs = stats(b.times.map((t) => t - baselineMs.median));
    b.row.coldCpuMs = stats(b.cpu.map((t) => t - baselineCpuMs.median));
    b.row.coldInProcessMs = stats(b.inProcess);
  }
  return { baselineMs, baselineCpuMs, runs, rows: bundles.map((b) => b.row) };
}
