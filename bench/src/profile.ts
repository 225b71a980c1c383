/**
 * Runs one candidate (Lambda or fetch) on one scenario in a loop, to time or profile it alone:
 *
 *   npx esbuild src/profile.ts --bundle --platform=node --format=esm --packages=external \
 *     --outfile=.build/profile.mjs
 *   node --cpu-prof --cpu-prof-dir=.build/prof .build/profile.mjs 'tsgi handler, plain app' S3 v2
 *   node .build/profile.mjs 'tsgi fetchHandler, plain app' S1
 *
 * A fetch candidate's Requests are built outside the timed part, as in the benchmark.
 */
import { drain, FETCH_CANDIDATES } from './fetch.js';
import { LAMBDA_CANDIDATES } from './lambda.js';
import { type EventKind, eventFor, lambdaContext, requestFor, SCENARIOS } from './scenarios.js';

const [name = 'tsgi handler, plain app', id = 'S1', kind = 'v2', seconds = '5'] =
  process.argv.slice(2);
const scenario = SCENARIOS.find((s) => s.id === id);
if (!scenario) throw new Error(`unknown scenario ${id}`);
const lambda = LAMBDA_CANDIDATES.find(([n]) => n === name)?.[1];
const fetchHandler = FETCH_CANDIDATES.find(([n]) => n === name)?.[1];
if (!lambda && !fetchHandler) throw new Error(`unknown candidate ${name}`);

const event = eventFor(scenario, kind as EventKind);
const context = lambdaContext();
const end = Date.now() + Number(seconds) * 1000;
let calls = 0;
let ns = 0n;
while (Date.now() < end) {
  if (lambda) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 100; i++) await lambda(event as never, context as never);
    ns += process.hrtime.bigint() - start;
  } else if (fetchHandler) {
    const requests = Array.from({ length: 100 }, () => requestFor(scenario));
    const start = process.hrtime.bigint();
    for (const request of requests) await drain(await fetchHandler(request));
    ns += process.hrtime.bigint() - start;
  }
  calls += 100;
}
const us = Number(ns) / 1000 / calls;
const where = lambda ? ` ${kind}` : '';
console.log(`${name} ${id}${where}: ${us.toFixed(2)} µs per call over ${calls} calls`);
