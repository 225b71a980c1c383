/**
 * Property: through the fetch adapter, the app sees exactly the Request that was sent and the
 * client gets back exactly the bytes the app produced, every Set-Cookie, and close() once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fetchHandler } from '../../adapters/cloudflare/index.js';
import { echoApp } from './_echo.js';
import {
  cookieHeader,
  expectedBody,
  expectedSetCookies,
  expectedTestHeaders,
  headerGroups,
  type Model,
  model,
  RUNS,
  rawQuery,
  TIMEOUT,
  testHeadersOf,
} from './_model.js';

function toRequest(m: Model): Request {
  const query = rawQuery(m);
  const headers = new Headers();
  for (const [name, value] of m.headers) headers.append(name, value);
  if (m.cookies.length > 0) headers.set('cookie', cookieHeader(m));
  if (m.contentType !== undefined) headers.set('content-type', m.contentType);
  const hasBody = m.method !== 'GET' && m.method !== 'HEAD';
  if (hasBody) headers.set('content-length', String(m.body.byteLength));
  return new Request(`https://example.test${m.rawPath}${query === '' ? '' : `?${query}`}`, {
    method: m.method,
    headers,
    ...(hasBody && { body: m.body as Uint8Array<ArrayBuffer> }),
  });
}

describe('fetch adapter, generated requests', () => {
  it(`answers every request with what the app produced (${RUNS} runs)`, {
    timeout: TIMEOUT,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(model, async (m) => {
        const { app, state } = echoApp(m);
        const request = toRequest(m);
        // A Request joins repeated headers itself (and trims the join of empty values): the app
        // must see what the Request holds.
        const sent = new Map(
          [...headerGroups(m.headers).keys()].map((k) => [k, [request.headers.get(k)!]]),
        );
        const response = await fetchHandler(app)(request);
        const received = new Uint8Array(await response.arrayBuffer());

        const seen = state.seen!;
        expect(seen.environ.REQUEST_METHOD).toBe(m.method);
        expect(seen.environ.SCRIPT_NAME).toBe('');
        expect(seen.environ.PATH_INFO).toBe(m.pathInfo);
        expect(seen.environ.QUERY_STRING).toBe(rawQuery(m));
        expect(testHeadersOf(seen.environ)).toEqual(expectedTestHeaders(sent));
        expect(seen.environ.HTTP_COOKIE).toBe(m.cookies.length > 0 ? cookieHeader(m) : undefined);
        expect(seen.environ.CONTENT_TYPE).toBe(m.contentType);
        const sentLength = m.method !== 'GET' && m.method !== 'HEAD';
        expect(seen.environ.CONTENT_LENGTH).toBe(
          sentLength ? String(m.body.byteLength) : undefined,
        );
        expect(seen.environ.REMOTE_ADDR).toBeUndefined();
        expect(new Uint8Array(seen.body)).toEqual(m.body);

        expect(response.status).toBe(200);
        expect(response.headers.getSetCookie()).toEqual(expectedSetCookies(m));
        expect(received).toEqual(expectedBody(m));
        expect(state.closed).toBe(1);
        expect(app.violations).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });
});
