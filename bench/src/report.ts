/** The benchmark's results as Markdown: the tables, the targets, and the machine they ran on. */
import { cpus, loadavg, totalmem } from 'node:os';
import type { Row, Stats, Table } from './measure.js';
import type { StartupReport } from './startup.js';

export interface Results {
  date: string;
  clock: 'cpu' | 'wall';
  rounds: number;
  batchMs: number;
  loadBefore: number[];
  loadAfter: number[];
  lambda: Table[];
  fetch: Table[];
  startup?: StartupReport;
}

const LAMBDA_TITLES: Record<string, string> = {
  S1: 'S1: GET small text',
  S2: 'S2: POST 1 KB JSON, echoed',
  S3: 'S3: GET 1 MiB binary (base64 in the Lambda result)',
  S4: 'S4: POST 1 MiB upload (base64 in the Lambda event), answered with its length',
};

const FETCH_TITLES: Record<string, string> = {
  S1: 'S1: GET small text',
  S2: 'S2: POST 1 KB JSON, echoed',
  S3: 'S3: GET 1 MiB binary',
  S4: 'S4: POST 1 MiB upload, answered with its length',
};

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits: number) => n.toFixed(digits);

function range(s: Stats, format: (n: number) => string): string {
  return `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}

function cells(row: Row | undefined, isFloor: boolean): string[] {
  if (row === undefined) return ['', '', ''];
  if (row.wrong !== undefined) return [`wrong: ${row.wrong}`, '', ''];
  const o = row.ops!;
  if (isFloor) return [range(o.ops, int), '0', '1'];
  return [
    range(o.ops, int),
    range(o.extraUs, (n) => fixed(n, 1)),
    range(o.ratio, (n) => fixed(n, 2)),
  ];
}

/** One table per scenario, the event kinds side by side. */
function throughputTables(tables: Table[], titles: Record<string, string>): string[] {
  const out: string[] = [];
  const scenarios = [...new Set(tables.map((t) => t.scenario))];
  for (const scenario of scenarios) {
    const group = tables.filter((t) => t.scenario === scenario);
    const header = ['candidate'];
    for (const t of group)
      header.push(`${t.kind} ops/s`, `${t.kind} +µs/call`, `${t.kind} × floor`);
    out.push(`#### ${titles[scenario] ?? scenario}`, '');
    out.push(
      `| ${header.join(' | ')} |`,
      `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    );
    const names = group[0]!.rows.map((r) => r.candidate);
    names.forEach((name, i) => {
      const line = [name];
      for (const t of group)
        line.push(
          ...cells(
            t.rows.find((r) => r.candidate === name),
            i === 0,
          ),
        );
      out.push(`| ${line.join(' | ')} |`);
    });
    out.push('');
  }
  return out;
}

function startupTable(report: StartupReport): string[] {
  const ms = (s: Stats) => range(s, (n) => fixed(n, 1));
  const out = [
    `\`node -e ''\` itself: ${ms(report.baselineCpuMs)} ms of CPU, ${ms(report.baselineMs)} ms of wall time; ${report.runs} runs of each.`,
    '',
    "| candidate | minified bytes | gzip bytes | cold start: ms from `require` to the first answer, in the process | CPU ms over `node -e ''` | wall ms over `node -e ''` |",
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of report.rows) {
    const cold =
      r.wrong !== undefined
        ? [`failed: ${r.wrong}`, '', '']
        : [ms(r.coldInProcessMs!), ms(r.coldCpuMs!), ms(r.coldMs!)];
    out.push(`| ${r.candidate} | ${int(r.bytes)} | ${int(r.gzipBytes)} | ${cold.join(' | ')} |`);
  }
  out.push('');
  return out;
}

type Verdict = [target: string, measured: string, met: boolean];

function find(tables: Table[], scenario: string, kind: string, prefix: string): Row | undefined {
  const table = tables.find((t) => t.scenario === scenario && t.kind === kind);
  return table?.rows.find((r) => r.candidate.startsWith(prefix));
}

/** The targets, checked against the medians of this run. */
export function verdicts(results: Results): Verdict[] {
  const out: Verdict[] = [];
  const kinds = ['REST v1', 'HTTP API v2'];
  for (const kind of kinds) {
    const row = find(results.lambda, 'S1', kind, 'tsgi handler');
    if (row?.ops) {
      const extra = row.ops.extraUs.median;
      out.push([
        `S1 ${kind}: tsgi adds ≤ 3 µs/call over the floor`,
        `${fixed(extra, 2)} µs`,
        extra <= 3,
      ]);
    }
  }
  for (const scenario of ['S3', 'S4']) {
    for (const kind of kinds) {
      const row = find(results.lambda, scenario, kind, 'tsgi handler');
      if (row?.ops) {
        const ratio = row.ops.ratio.median;
        out.push([
          `${scenario} ${kind}: tsgi ≥ 0.8 × the floor's ops/s`,
          fixed(ratio, 2),
          ratio >= 0.8,
        ]);
      }
    }
  }
  const tsgiStart = results.startup?.rows.find((r) => r.candidate.startsWith('tsgi handler'));
  if (tsgiStart?.coldInProcessMs && tsgiStart.coldCpuMs && tsgiStart.coldMs) {
    // Judged on the in-process time: what the candidate adds, with no subtraction of Node's own
    // start, which varies by more than the target on a shared machine.
    const own = tsgiStart.coldInProcessMs.median;
    out.push([
      "cold start: core + AWS adapter ≤ 5 ms over `node -e ''` (in-process; CPU over; wall over)",
      `${fixed(own, 1)} ms; ${fixed(tsgiStart.coldCpuMs.median, 1)} ms; ${fixed(tsgiStart.coldMs.median, 1)} ms`,
      own <= 5,
    ]);
  }
  if (tsgiStart) {
    out.push([
      'bundle: core + AWS adapter (with the app) ≤ 10,000 bytes minified',
      `${int(tsgiStart.bytes)} bytes`,
      tsgiStart.bytes <= 10_000,
    ]);
  }
  for (const scenario of ['S1', 'S2', 'S3', 'S4']) {
    const tsgi = find(results.fetch, scenario, 'Request', 'tsgi');
    const hono = find(results.fetch, scenario, 'Request', 'hono');
    if (tsgi?.ops && hono?.ops) {
      const ratio = tsgi.ops.ops.median / hono.ops.ops.median;
      out.push([
        `fetch ${scenario}: tsgi's fetchHandler ≥ hono's ops/s`,
        `${fixed(ratio, 2)} × hono`,
        ratio >= 1,
      ]);
    }
  }
  return out;
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${process.platform} ${process.arch}`;
}

export function currentLoad(): number[] {
  return loadavg().map((n) => Math.round(n * 100) / 100);
}

export function render(results: Results): string {
  const lines = [
    `Run of ${results.date} on ${machine()}.`,
    `Load average (1, 5, 15 min) before: ${results.loadBefore.join(', ')}; after: ${results.loadAfter.join(', ')}.`,
    `Throughput: ${results.rounds} interleaved rounds of ~${results.batchMs} ms batches per candidate, timed by ${
      results.clock === 'cpu' ? "the process's CPU time" : 'the wall clock'
    }; medians with min–max over the rounds.`,
    '',
    '### Targets',
    '',
    '| target | measured (median) | met |',
    '|---|---:|:---:|',
    ...verdicts(results).map(([t, m, ok]) => `| ${t} | ${m} | ${ok ? 'yes' : '**no**'} |`),
    '',
    '### Lambda, buffered (API Gateway events)',
    '',
    ...throughputTables(results.lambda, LAMBDA_TITLES),
    '### Fetch (the same Requests to each handler)',
    '',
    ...throughputTables(results.fetch, FETCH_TITLES),
  ];
  if (results.startup)
    lines.push('### Bundle size and cold start', '', ...startupTable(results.startup));
  return lines.join('\n');
}
