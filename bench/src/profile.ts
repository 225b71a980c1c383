/**
 * Runs one Lambda candidate on one scenario in a loop, to profile it alone:
 *
 *   npx esbuild src/profile.ts --bundle --platform=node --format=esm --packages=external \
 *     --outfile=.build/profile.mjs
 *   node --cpu-prof --cpu-prof-dir=.build/prof .build/profile.mjs 'tsgi handler, plain app' S3 v2
 */
import { LAMBDA_CANDIDATES } from './lambda.js';
import { type EventKind, eventFor, lambdaContext, SCENARIOS } from './scenarios.js';

const [name = 'tsgi handler, plain app', id = 'S1', kind = 'v2', seconds = '5'] =
  process.argv.slice(2);
const handler = LAMBDA_CANDIDATES.find(([n]) => n === name)?.[1];
const scenario = SCENARIOS.find((s) => s.id === id);
if (!handler || !scenario) throw new Error(`unknown candidate ${name} or scenario ${id}`);
const event = eventFor(scenario, kind as EventKind);
const context = lambdaContext();
const end = Date.now() + Number(seconds) * 1000;
let calls = 0;
const start = process.hrtime.bigint();
while (Date.now() < end) {
  for (let i = 0; i < 100; i++) await handler(event as never, context as never);
  calls += 100;
}
const us = Number(process.hrtime.bigint() - start) / 1000 / calls;
console.log(`${name} ${id} ${kind}: ${us.toFixed(2)} µs per call over ${calls} calls`);
