/**
 * Interleaved throughput measurement: every candidate runs one timed batch per round, in an order
 * that rotates each round, so drift in the machine's load hits all of them alike.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
/** A full collection before a table's rounds, so the calibration's garbage is not billed to them. */
const gc = runInNewContext('gc') as () => void;

/**
 * The clock batches are timed with, in nanoseconds. `wall` (the default) is the monotonic clock:
 * the latency a caller sees, on an idle machine. `cpu` is this process's CPU time, user + system,
 * all threads: steadier while other work shares the machine, but it also bills the garbage
 * collector's helper threads, about three times the wall time per call here. Chosen with
 * BENCH_CLOCK.
 */
export const CLOCK: 'cpu' | 'wall' = process.env.BENCH_CLOCK === 'cpu' ? 'cpu' : 'wall';

export const clock: () => number =
  CLOCK === 'wall'
    ? () => Number(process.hrtime.bigint())
    : () => {
        const usage = process.cpuUsage();
        return (usage.user + usage.system) * 1000;
      };

/** Something to time: runs `n` operations and returns the nanoseconds they took, by {@link clock}. */
export interface Subject {
  name: string;
  batch(n: number): Promise<number>;
}

export interface Stats {
  median: number;
  min: number;
  max: number;
}

export interface Measured {
  name: string;
  /** Operations per second, one value per round. */
  ops: number[];
}

export function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** The batch size that takes about `targetMs` (also warms the subject up). */
async function calibrate(subject: Subject, targetMs: number): Promise<number> {
  let n = 1;
  for (;;) {
    const ns = await subject.batch(n);
    if (ns >= targetMs * 1e5 || n >= 1 << 22) {
      // Time it again at the right size: the first batches ran cold.
      const size = Math.max(1, Math.round((n * targetMs * 1e6) / ns));
      const again = await subject.batch(size);
      return Math.max(1, Math.round((size * targetMs * 1e6) / again));
    }
    n *= 2;
  }
}

export interface CompareOptions {
  rounds: number;
  batchMs: number;
}

/** Runs every subject `rounds` times, interleaved, and returns ops/s per round. */
export async function compare(
  subjects: readonly Subject[],
  options: CompareOptions,
): Promise<Measured[]> {
  const sizes = new Map<Subject, number>();
  for (const subject of subjects) sizes.set(subject, await calibrate(subject, options.batchMs));
  const ops = new Map<Subject, number[]>(subjects.map((s) => [s, []]));
  // One full collection before the rounds, none between batches: a full collection also
  // shrinks the young generation to its minimum, and V8 grows it back only as the program
  // allocates, so a batch timed straight after one pays for scavenges no steady-state server
  // sees (tsgi's S1 read 7.2–9.8 µs over the floor with one before every batch, 3.5 without:
  // more than tsgi's whole overhead). Garbage a batch leaves
  // is collected when V8 chooses, as in a server; the order rotates every round, so who follows
  // whom changes, and the median drops the odd round.
  gc();
  for (let round = 0; round < options.rounds; round++) {
    for (let i = 0; i < subjects.length; i++) {
      const subject = subjects[(i + round) % subjects.length]!;
      const n = sizes.get(subject)!;
      const ns = await subject.batch(n);
      ops.get(subject)!.push((n * 1e9) / Math.max(ns, 1));
    }
  }
  return subjects.map((s) => ({ name: s.name, ops: ops.get(s)! }));
}

/** Per-round comparison with the floor (same round, so the same machine state). */
export function againstFloor(candidate: Measured, floor: Measured) {
  const extraUs = candidate.ops.map((ops, i) => 1e6 / ops - 1e6 / floor.ops[i]!);
  const ratio = candidate.ops.map((ops, i) => ops / floor.ops[i]!);
  return { ops: stats(candidate.ops), extraUs: stats(extraUs), ratio: stats(ratio) };
}

/** One candidate's line in a table. */
export interface Row {
  candidate: string;
  /** Why it was not timed, when its answer was wrong. */
  wrong?: string;
  ops?: ReturnType<typeof againstFloor>;
}

/** One scenario on one kind of input, every candidate in it. */
export interface Table {
  scenario: string;
  kind: string;
  rows: Row[];
}

export interface Verified {
  name: string;
  wrong?: string;
  subject?: Subject;
}

/** Times the candidates whose answers were right; the first one is the floor. */
export async function measureTable(
  scenario: string,
  kind: string,
  candidates: readonly Verified[],
  options: CompareOptions,
  log: (line: string) => void,
): Promise<Table> {
  if (candidates[0]!.wrong !== undefined)
    throw new Error(`the floor is wrong: ${candidates[0]!.wrong}`);
  const rows: Row[] = [];
  const subjects: Subject[] = [];
  for (const c of candidates) {
    if (c.wrong !== undefined)
      log(`  ${scenario} ${kind}: ${c.name} is wrong, not timed: ${c.wrong}`);
    rows.push(
      c.wrong === undefined ? { candidate: c.name } : { candidate: c.name, wrong: c.wrong },
    );
    if (c.subject) subjects.push(c.subject);
  }
  log(`${scenario} ${kind}: timing ${subjects.length} candidates`);
  const measured = await compare(subjects, options);
  for (const m of measured)
    rows.find((r) => r.candidate === m.name)!.ops = againstFloor(m, measured[0]!);
  return { scenario, kind, rows };
}
