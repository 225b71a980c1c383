/**
 * Properties over generated requests, for every front end: buildEvent → handler → decodeResult
 * keeps request and response bodies byte for byte, every Set-Cookie, the path and the query.
 */
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildEvent,
  decodeResult,
  type EventKindName,
  handler,
} from '../../../adapters/aws-lambda/index.js';
import { type App, decodePath, type Header } from '../../../src/index.js';

const KINDS: EventKindName[] = ['aws-v1', 'aws-v2', 'function-url', 'alb', 'alb-multi', 'edge'];

/** Echoes what it saw, and sets the cookies the request asked for in X-Cookies (JSON). */
const app: App = async (environ, startResponse) => {
  const body = await environ['wsgi.input'].read();
  const cookies = JSON.parse((environ.HTTP_X_COOKIES as string | undefined) ?? '[]') as string[];
  const echo = {
    PATH_INFO: environ.PATH_INFO,
    QUERY_STRING: environ.QUERY_STRING,
    body: Buffer.from(body).toString('base64'),
  };
  startResponse('200 OK', [
    ['Content-Type', 'application/json'],
    ...cookies.map((cookie): Header => ['Set-Cookie', cookie]),
  ]);
  return [JSON.stringify(echo)];
};

const run = handler(app, { logger: () => {} });

/**
 * The query as each front end can carry it. v2, Function URLs and Edge pass the raw string.
 * REST and ALB pass a map, so the order between different keys is gone (values of one key keep
 * theirs), and ALB's single-value mode keeps only the last value of a repeated key.
 */
function comparable(kind: EventKindName, query: string): unknown {
  if (kind === 'aws-v2' || kind === 'function-url' || kind === 'edge') return query;
  const groups = new Map<string, string[]>();
  for (const pair of query === '' ? [] : query.split('&')) {
    const [key, value] = pair.split('=') as [string, string];
    const values = groups.get(key) ?? [];
    if (kind === 'alb') values.length = 0;
    values.push(value);
    groups.set(key, values);
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : 1));
}

const segment = fc.stringMatching(/^(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-F]{2}){1,12}$/);
const path = fc
  .array(segment, { minLength: 1, maxLength: 4 })
  .map((parts) => `/${parts.join('/')}`);
const word = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);
const query = fc.array(fc.tuple(word, word), { maxLength: 4 });
const cookie = fc
  .tuple(word, word, fc.constantFrom('', '; Path=/', '; Expires=Wed, 21 Oct 2037 07:28:00 GMT'))
  .map(([name, value, attributes]) => `${name}=${value}${attributes}`);

describe.each(KINDS)('%s', (kind) => {
  it('round-trips bodies, cookies, paths and queries', async () => {
    await fc.assert(
      fc.asyncProperty(
        path,
        query,
        fc.uint8Array({ maxLength: kind === 'edge' ? 4000 : 20000 }),
        fc.array(cookie, { maxLength: 5 }),
        async (rawPath, pairs, body, cookies) => {
          const queryString = pairs.map(([k, v]) => `${k}=${v}`).join('&');
          const event = buildEvent(kind, {
            method: 'POST',
            path: queryString ? `${rawPath}?${queryString}` : rawPath,
            headers: {
              'content-type': 'application/octet-stream',
              'x-cookies': JSON.stringify(cookies),
            },
            body,
          });
          const response = decodeResult(kind, await run(event));
          expect(response.statusCode).toBe(200);
          const echo = JSON.parse(Buffer.from(response.body).toString()) as {
            PATH_INFO: string;
            QUERY_STRING: string;
            body: string;
          };
          expect(Buffer.from(echo.body, 'base64').equals(Buffer.from(body))).toBe(true);
          expect(echo.PATH_INFO).toBe(decodePath(rawPath));
          expect(comparable(kind, echo.QUERY_STRING)).toEqual(comparable(kind, queryString));
          const sent = response.headers
            .filter(([name]) => name.toLowerCase() === 'set-cookie')
            .map(([, value]) => value);
          expect(sent).toEqual(cookies);
        },
      ),
      { numRuns: 60 },
    );
  });
});

/** Every path to a field of an event, as key lists. */
function fieldPaths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const paths: string[][] = prefix.length > 0 ? [prefix] : [];
  for (const [key, child] of Object.entries(value))
    paths.push(...fieldPaths(child, [...prefix, key]));
  return paths;
}

describe.each(KINDS)('%s events with a field of the wrong type', (kind) => {
  it('give an answer or a clear Error, never a TypeError from inside', async () => {
    const base = JSON.stringify(
      buildEvent(kind, { method: 'POST', path: '/p?q=1', headers: { cookie: 'a=1' }, body: 'x' }),
    );
    const paths = fieldPaths(JSON.parse(base));
    const junk = fc.oneof(
      fc.constant(null),
      fc.integer(),
      fc.string({ maxLength: 5 }),
      fc.boolean(),
      fc.array(fc.integer(), { maxLength: 2 }),
      fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: paths.length - 1 }),
        junk,
        async (index, value) => {
          const event = JSON.parse(base) as Record<string, unknown>;
          const path = paths[index]!;
          let target = event as Record<string, unknown>;
          for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
          target[path.at(-1)!] = value;
          try {
            const result = await run(event as never);
            expect(typeof result).toBe('object');
          } catch (error) {
            expect(error).toBeInstanceOf(Error);
            expect((error as Error).constructor).toBe(Error);
            expect((error as Error).message).toMatch(/^tsgi: /);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
