/**
 * Lambda throughput: every candidate on the same API Gateway events, checked for correctness
 * first, then timed interleaved against the floor.
 */
import { handler as fastify } from './aws/fastify.js';
import { handler as floor } from './aws/floor.js';
import { handler as hono } from './aws/hono.js';
import { handler as serverlessExpress } from './aws/serverless-express.js';
import { handler as serverlessHttp } from './aws/serverless-http.js';
import { handler as tsgi } from './aws/tsgi.js';
import { handler as tsgiFramework } from './aws/tsgi-framework.js';
import { type CompareOptions, clock, measureTable, type Table, type Verified } from './measure.js';
import {
  checkLambdaResult,
  chosenScenarios,
  type EventKind,
  eventFor,
  lambdaContext,
  type Scenario,
} from './scenarios.js';

type LambdaHandler = (event: never, context: never) => Promise<unknown>;

/** The candidates, floor first. */
export const LAMBDA_CANDIDATES: readonly [string, LambdaHandler][] = [
  ['floor (raw handler)', floor as LambdaHandler],
  ['tsgi handler, plain app', tsgi as LambdaHandler],
  ['tsgi handler, framework App', tsgiFramework as LambdaHandler],
  ['serverless-http 4.0.0', serverlessHttp as LambdaHandler],
  ['hono 4.13 (hono/aws-lambda)', hono as LambdaHandler],
  ['@fastify/aws-lambda 6.4.1', fastify as LambdaHandler],
  ['serverless-express 4.17.1', serverlessExpress as unknown as LambdaHandler],
];

function call(handler: LambdaHandler, event: unknown, context: unknown): Promise<unknown> {
  return handler(event as never, context as never);
}

/**
 * Why the candidate is wrong on this event, or undefined. Called twice on the same event object,
 * as the timed loop does: some adapters fill in missing fields of the event they are given.
 */
async function verify(handler: LambdaHandler, event: unknown, scenario: Scenario) {
  for (let i = 0; i < 2; i++) {
    try {
      const wrong = checkLambdaResult(scenario, await call(handler, event, lambdaContext()));
      if (wrong !== undefined) return wrong;
    } catch (error) {
      return `threw ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return undefined;
}

async function candidate(
  name: string,
  handler: LambdaHandler,
  scenario: Scenario,
  kind: EventKind,
): Promise<Verified> {
  const event = eventFor(scenario, kind);
  const context = lambdaContext();
  const wrong = await verify(handler, event, scenario);
  if (wrong !== undefined) return { name, wrong };
  return {
    name,
    subject: {
      name,
      async batch(n) {
        const start = clock();
        for (let i = 0; i < n; i++) await call(handler, event, context);
        return clock() - start;
      },
    },
  };
}

export async function runLambda(
  options: CompareOptions,
  log: (line: string) => void,
  only: (name: string) => boolean = () => true,
): Promise<Table[]> {
  const chosen = LAMBDA_CANDIDATES.filter(([name], i) => i === 0 || only(name));
  const tables: Table[] = [];
  for (const scenario of chosenScenarios()) {
    for (const kind of ['v1', 'v2'] as const) {
      const verified: Verified[] = [];
      for (const [name, handler] of chosen)
        verified.push(await candidate(name, handler, scenario, kind));
      const label = kind === 'v1' ? 'REST v1' : 'HTTP API v2';
      tables.push(await measureTable(scenario.id, label, verified, options, log));
    }
  }
  return tables;
}
