/**
 * The benchmark's correctness gate: the answer checks catch wrong answers, and tsgi's candidates
 * and the floors pass them on every scenario (the peers need bench/'s own install; `npm run
 * bench` checks them before timing).
 */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { handler as floor } from '../../bench/src/aws/floor.js';
import { handler as tsgi } from '../../bench/src/aws/tsgi.js';
import { handler as tsgiFramework } from '../../bench/src/aws/tsgi-framework.js';
import { fetch as rawFetch } from '../../bench/src/fetch/raw.js';
import { fetch as tsgiFetch } from '../../bench/src/fetch/tsgi.js';
import { fetch as tsgiFrameworkFetch } from '../../bench/src/fetch/tsgi-framework.js';
import {
  checkLambdaResult,
  checkResponse,
  eventFor,
  lambdaContext,
  requestFor,
  SCENARIOS,
} from '../../bench/src/scenarios.js';

type Handler = (event: never, context: never) => Promise<unknown>;

const lambdaCandidates: [string, Handler][] = [
  ['floor', floor as Handler],
  ['tsgi handler', tsgi as Handler],
  ['tsgi handler with the framework App', tsgiFramework as Handler],
];

describe('the Lambda scenarios', () => {
  for (const [name, handler] of lambdaCandidates) {
    for (const scenario of SCENARIOS) {
      for (const kind of ['v1', 'v2'] as const) {
        it(`${name} answers ${scenario.id} on ${kind} correctly`, async () => {
          const result = await handler(eventFor(scenario, kind) as never, lambdaContext() as never);
          expect(checkLambdaResult(scenario, result)).toBeUndefined();
        });
      }
    }
  }

  it('send the headers API Gateway sends', () => {
    const rest = eventFor(SCENARIOS[1]!, 'v1') as { headers: object; multiValueHeaders: object };
    const http = eventFor(SCENARIOS[1]!, 'v2') as { headers: object; cookies: string[] };
    expect(Object.keys(rest.headers).length).toBeGreaterThanOrEqual(15);
    expect(Object.keys(rest.multiValueHeaders)).toEqual(Object.keys(rest.headers));
    expect(Object.keys(http.headers).length).toBeGreaterThanOrEqual(10);
    expect(http.cookies).toHaveLength(2);
  });
});

describe('checkLambdaResult', () => {
  const [s1, , s3] = SCENARIOS;
  const good = {
    statusCode: 200,
    headers: { 'Content-Type': 'text/plain' },
    body: 'Hello, world!',
  };

  it('takes a right answer, whatever the header case or form', () => {
    expect(checkLambdaResult(s1!, good)).toBeUndefined();
    const multi = { statusCode: 200, multiValueHeaders: { 'content-type': ['text/plain'] } };
    expect(checkLambdaResult(s1!, { ...multi, body: 'Hello, world!' })).toBeUndefined();
  });

  it('catches a wrong status, type or body', () => {
    expect(checkLambdaResult(s1!, { ...good, statusCode: 500 })).toMatch(/status 500/);
    expect(checkLambdaResult(s1!, { ...good, headers: { 'content-type': 'text/html' } })).toMatch(
      /Content-Type/,
    );
    expect(checkLambdaResult(s1!, { ...good, body: 'Hello, world' })).toMatch(/body differs/);
  });

  it('catches a binary answer that is not base64 or one byte off', () => {
    const bytes = Buffer.from(s3!.responseBody);
    const answer = { statusCode: 200, headers: { 'content-type': 'application/octet-stream' } };
    expect(
      checkLambdaResult(s3!, { ...answer, body: bytes.toString('base64'), isBase64Encoded: true }),
    ).toBeUndefined();
    expect(checkLambdaResult(s3!, { ...answer, body: bytes.toString('latin1') })).toMatch(/base64/);
    bytes[12345] = bytes[12345]! ^ 1;
    expect(
      checkLambdaResult(s3!, { ...answer, body: bytes.toString('base64'), isBase64Encoded: true }),
    ).toMatch(/body differs/);
  });
});

describe('the fetch scenarios', () => {
  const candidates: [string, (request: Request) => Promise<Response>][] = [
    ['the raw floor', rawFetch],
    ['tsgi fetchHandler', tsgiFetch],
    ['tsgi fetchHandler with the framework App', tsgiFrameworkFetch],
  ];
  for (const [name, handler] of candidates) {
    for (const scenario of SCENARIOS) {
      it(`${name} answers ${scenario.id} correctly`, async () => {
        expect(await checkResponse(scenario, await handler(requestFor(scenario)))).toBeUndefined();
      });
    }
  }

  it('checkResponse catches a body one byte short', async () => {
    const s2 = SCENARIOS[1]!;
    const short = s2.responseBody.subarray(1);
    const response = new Response(short as Uint8Array<ArrayBuffer>, {
      headers: { 'content-type': 'application/json' },
    });
    expect(await checkResponse(s2, response)).toMatch(/body differs/);
  });
});
