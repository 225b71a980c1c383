/**
 * The throughput half of the benchmark, run as plain Node on an esbuild bundle (so tsgi runs as
 * users' bundlers emit it). Writes its tables as JSON to the path in argv[2].
 *
 * Environment: BENCH_CLOCK (`wall`, the default, or `cpu`), BENCH_ROUNDS (default 15), BENCH_BATCH_MS (default 100), BENCH_ONLY (a regular
 * expression on candidate names; the floor always runs), BENCH_PARTS (`lambda,fetch`).
 */
import { writeFileSync } from 'node:fs';
import { runFetch } from './fetch.js';
import { runLambda } from './lambda.js';
import { CLOCK } from './measure.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const batchMs = Number(process.env.BENCH_BATCH_MS ?? 100);
const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, 'i') : undefined;
const parts = (process.env.BENCH_PARTS ?? 'lambda,fetch').split(',');
const filter = (name: string) => only === undefined || only.test(name);
const log = (line: string) => console.log(line);

const options = { rounds, batchMs };
const lambda = parts.includes('lambda') ? await runLambda(options, log, filter) : [];
const fetch = parts.includes('fetch') ? await runFetch(options, log, filter) : [];
writeFileSync(
  process.argv[2]!,
  JSON.stringify({ clock: CLOCK, rounds, batchMs, lambda, fetch }, null, 1),
);
