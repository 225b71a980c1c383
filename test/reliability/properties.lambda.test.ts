/**
 * Property: for every Lambda front end, a well-formed event never makes the handler throw; the
 * result is valid for that front end; the app sees exactly the request that was sent; the client
 * receives exactly the bytes the app produced and every Set-Cookie; close() runs once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handler } from '../../adapters/aws-lambda/index.js';
import { eventFor, KINDS, type Kind, queryMatches, readResult, setCookiesOf } from './_aws.js';
import { echoApp, type Seen } from './_echo.js';
import {
  expectedBody,
  expectedSetCookies,
  type Model,
  model,
  RUNS,
  TIMEOUT,
  testHeadersOf,
} from './_model.js';
import { clientStream, lambdaStreamHandler } from './_platforms.js';

const logs: string[] = [];
const logger = (line: string) => logs.push(line);

function checkSeen(
  seen: Seen | undefined,
  m: Model,
  expect_: ReturnType<typeof eventFor>['expect'],
) {
  expect(seen, 'the app was called').toBeDefined();
  const environ = seen!.environ;
  expect(environ.REQUEST_METHOD).toBe(m.method);
  expect(environ.SCRIPT_NAME).toBe(expect_.scriptName);
  expect(environ.PATH_INFO).toBe(m.pathInfo);
  expect(
    queryMatches(environ.QUERY_STRING!, expect_.query),
    `QUERY_STRING ${environ.QUERY_STRING}`,
  ).toBe(true);
  expect(testHeadersOf(environ)).toEqual(expect_.headers);
  expect(environ.HTTP_COOKIE).toBe(expect_.cookie);
  expect(environ.CONTENT_TYPE).toBe(m.contentType);
  expect(environ.CONTENT_LENGTH).toBe(String(m.body.byteLength));
  expect(environ.REMOTE_ADDR).toBe(expect_.remoteAddr);
  expect(new Uint8Array(seen!.body)).toEqual(m.body);
}

describe.each(KINDS)('Lambda handler, generated %s events', (kind: Kind) => {
  it(`answers every event with what the app produced (${RUNS} runs)`, {
    timeout: TIMEOUT,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(model, fc.nat(), async (m, variant) => {
        const { event, expect: expected } = eventFor(kind, m, variant);
        const { app, state } = echoApp(m);
        logs.length = 0;
        const result = await handler(app, { logger })(event as never);

        checkSeen(state.seen, m, expected);
        const response = readResult(kind, result);
        expect(response.status).toBe(200);
        expect(response.body).toEqual(expectedBody(m));
        expect(setCookiesOf(response)).toEqual(expectedSetCookies(m));
        expect(state.closed).toBe(1);
        expect(app.violations).toEqual([]);
        expect(logs).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe.each(['rest-v1', 'http-v2', 'function-url'] as const)(
  'Lambda streamHandler, generated %s events',
  (kind) => {
    it(`streams every answer as the app produced it (${RUNS} runs)`, {
      timeout: TIMEOUT,
    }, async () => {
      await fc.assert(
        fc.asyncProperty(model, fc.nat(), async (m, variant) => {
          const { event, expect: expected } = eventFor(kind, m, variant);
          const { app, state } = echoApp(m);
          const { stream, read } = clientStream();
          await lambdaStreamHandler(app)(event as never, stream as never);

          checkSeen(state.seen, m, expected);
          const { prelude, body } = read();
          expect(prelude.statusCode).toBe(200);
          for (const value of Object.values(prelude.headers)) expect(typeof value).toBe('string');
          expect(Object.keys(prelude.headers).map((k) => k.toLowerCase())).not.toContain(
            'set-cookie',
          );
          expect(prelude.cookies ?? []).toEqual(expectedSetCookies(m));
          expect(body).toEqual(expectedBody(m));
          expect(state.closed).toBe(1);
          expect(app.violations).toEqual([]);
        }),
        { numRuns: RUNS },
      );
    });
  },
);
