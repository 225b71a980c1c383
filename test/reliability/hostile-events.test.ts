/**
 * Hostile Lambda events: well-formed events with one field broken (null, missing, wrong type),
 * invalid base64, huge header counts, NUL in the path, and responses over each front end's size
 * limit. The handler must answer with a valid response or refuse with a clear `tsgi:` error,
 * never a TypeError, never an app that sees a malformed environ.
 */
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handler } from '../../adapters/aws-lambda/index.js';
import type { App } from '../../src/index.js';
import { lint } from '../../src/middleware/index.js';
import { eventFor, KINDS, type Kind, readResult } from './_aws.js';
import { model, plainRequest, RUNS, TIMEOUT } from './_model.js';

const JUNK: unknown[] = [
  null,
  undefined,
  0,
  -1,
  42.5,
  Number.NaN,
  '',
  'junk',
  '%%%',
  '\u0000',
  true,
  false,
  [],
  [1, 'a', null],
  {},
  { nested: { deeper: [] } },
  'x'.repeat(10_000),
];

type Path = (string | number)[];

function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const out: Path[] = [];
  for (const [key, child] of Object.entries(value)) {
    const path = [...prefix, Array.isArray(value) ? Number(key) : key];
    out.push(path, ...pathsOf(child, path));
  }
  return out;
}

function replaced(
  event: Record<string, unknown>,
  path: Path,
  junk: unknown,
): Record<string, unknown> {
  const copy = structuredClone(event);
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (junk === undefined) delete parent[last];
  else parent[last] = junk;
  return copy;
}

/** A small request with every part present. */
const sample = plainRequest({
  method: 'POST',
  rawPath: '/a',
  pathInfo: '/a',
  query: [['a', '1']],
  headers: [['x-t-a', 'v']],
  cookies: [['sid', '1']],
  contentType: 'text/plain',
  body: new TextEncoder().encode('hi'),
});

const okApp: App = (_environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['ok'];
};

/** A result that some front end accepts. */
function validForSomeFrontEnd(result: unknown): boolean {
  return KINDS.some((kind) => {
    try {
      readResult(kind, result);
      return true;
    } catch {
      return false;
    }
  });
}

/** Calls the handler; returns the result, or the error it was refused with. */
async function invoke(app: App, event: unknown, logs: string[] = []) {
  try {
    return { result: await handler(app, { logger: (l) => logs.push(l) })(event as never) };
  } catch (error) {
    return { error };
  }
}

/** Where each kind carries the method and the path. */
const FIELDS: Record<Kind, { method: string; path: string }> = {
  'rest-v1': { method: 'httpMethod', path: 'path' },
  'http-v2': { method: 'requestContext.http.method', path: 'rawPath' },
  'function-url': { method: 'requestContext.http.method', path: 'rawPath' },
  alb: { method: 'httpMethod', path: 'path' },
  'alb-multi': { method: 'httpMethod', path: 'path' },
  edge: { method: 'Records.0.cf.request.method', path: 'Records.0.cf.request.uri' },
};

/** Checks one broken event; throws naming what went wrong. */
async function judge(broken: Record<string, unknown>): Promise<void> {
  const app = lint(okApp);
  const { result, error } = await invoke(app, broken);
  expect(app.violations, 'the app never sees a malformed environ').toEqual([]);
  if (error !== undefined) {
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^tsgi: /);
  } else {
    expect(validForSomeFrontEnd(result), JSON.stringify(result)).toBe(true);
  }
}

describe.each(KINDS)('a %s event with one field broken', (kind: Kind) => {
  it(`is answered or refused clearly (${RUNS} runs)`, { timeout: TIMEOUT }, async () => {
    await fc.assert(
      fc.asyncProperty(
        model,
        fc.nat(),
        fc.nat(),
        fc.constantFrom(...JUNK),
        async (m, v, at, junk) => {
          const { event } = eventFor(kind, m, v);
          const paths = pathsOf(event);
          const path = paths[at % paths.length]!;
          await judge(replaced(event, path, junk));
        },
      ),
      { numRuns: RUNS },
    );
  });

  // PEP 3333 and the lint refuse both; the adapter answers 400 naming the field.
  it('refuses an empty method clearly', async () => {
    const { event } = eventFor(kind, sample, 0);
    await judge(replaced(event, FIELDS[kind].method.split('.'), ''));
  });
  it('refuses a path that does not start with "/" clearly', async () => {
    const { event } = eventFor(kind, sample, 0);
    await judge(replaced(event, FIELDS[kind].path.split('.'), 'junk'));
  });
});

describe('events no front end sends', () => {
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a string', '{"httpMethod":"GET"}'],
    ['an array', [{ httpMethod: 'GET' }]],
    ['an empty object', {}],
    ['empty Records', { Records: [] }],
    ['an S3 notification', { Records: [{ s3: { bucket: { name: 'b' } } }] }],
    ['v2 without requestContext', { version: '2.0', rawPath: '/' }],
  ])('%s is refused with a clear, logged error', async (_name, event) => {
    const logs: string[] = [];
    const { result, error } = await invoke(okApp, event, logs);
    expect(result).toBeUndefined();
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^tsgi: the Lambda handler got/);
    expect(logs).toHaveLength(1);
  });
});

describe('bodies marked base64 that are not', () => {
  const bad = ['not base64!', 'YWJj ZGVm', 'YWJjZA===', 'Y', 'YW-_', '\u0000\u0001'];
  it.each(KINDS)('%s: a 400, and the app is not called', async (kind) => {
    for (const body of bad) {
      const { event } = eventFor(kind, sample, 0);
      if (kind === 'edge') {
        const request = (event.Records as { cf: { request: Record<string, unknown> } }[])[0]!.cf
          .request;
        request.body = {
          action: 'read-only',
          data: body,
          encoding: 'base64',
          inputTruncated: false,
        };
      } else {
        Object.assign(event, { body, isBase64Encoded: true });
      }
      let called = false;
      const { result } = await invoke(() => {
        called = true;
        return [];
      }, event);
      expect(called).toBe(false);
      expect(readResult(kind, result).status).toBe(400);
    }
  });
});

describe('an event with 10,000 headers', () => {
  it('is answered, every header reaches the app, in a bounded time', async () => {
    const { event } = eventFor('rest-v1', sample, 0);
    const multi = event.multiValueHeaders as Record<string, string[]>;
    for (let i = 0; i < 10_000; i++) multi[`x-many-${i}`] = [`v${i}`];
    let count = 0;
    const started = performance.now();
    const { result } = await invoke((environ, startResponse) => {
      count = Object.keys(environ).filter((k) => k.startsWith('HTTP_X_MANY_')).length;
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['ok'];
    }, event);
    expect(readResult('rest-v1', result).status).toBe(200);
    expect(count).toBe(10_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('joins 10,000 repeats of one header without quadratic blow-up', async () => {
    const { event } = eventFor('alb-multi', sample, 0);
    (event.multiValueHeaders as Record<string, string[]>)['x-same'] = Array.from(
      { length: 10_000 },
      (_, i) => `v${i}`,
    );
    let value = '';
    const started = performance.now();
    await invoke((environ, startResponse) => {
      value = environ.HTTP_X_SAME as string;
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['ok'];
    }, event);
    expect(value.split(', ')).toHaveLength(10_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('NUL in the path', () => {
  it.each(KINDS)('%s: %00 reaches PATH_INFO as NUL, the answer is valid', async (kind) => {
    const m = { ...sample, rawPath: '/a%00b/../etc', pathInfo: '/a\u0000b/../etc' };
    const { event } = eventFor(kind, m, 0);
    let path = '';
    const { result } = await invoke((environ, startResponse) => {
      path = environ.PATH_INFO;
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['ok'];
    }, event);
    expect(path).toBe('/a\u0000b/../etc');
    expect(readResult(kind, result).status).toBe(200);
  });
});

describe('responses over the front end limit', () => {
  const limits: [Kind, number, number][] = [
    ['rest-v1', 0, 6 * 1024 * 1024],
    ['http-v2', 0, 6 * 1024 * 1024],
    ['function-url', 0, 6 * 1024 * 1024],
    ['alb', 0, 1024 * 1024],
    ['alb-multi', 0, 1024 * 1024],
    ['edge', 0, 40 * 1024],
    ['edge', 1, 1024 * 1024],
  ];
  const bodyOf =
    (size: number): App =>
    (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['x'.repeat(size)];
    };

  it.each(limits)(
    '%s (variant %i, limit %i bytes): over is a logged 500, under is sent',
    async (kind, variant, limit) => {
      const { event } = eventFor(
        kind,
        { ...sample, method: 'GET', body: new Uint8Array(0) },
        variant,
      );
      const logs: string[] = [];
      const over = await invoke(bodyOf(limit + 1), event, logs);
      const response = readResult(kind, over.result);
      expect(response.status).toBe(500);
      expect(Buffer.byteLength(JSON.stringify(over.result))).toBeLessThan(limit);
      expect(logs.join('\n')).toMatch(/over the .* limit of \d+ bytes/);

      const under = await invoke(bodyOf(limit - 2048), event);
      expect(readResult(kind, under.result).status).toBe(200);
      expect(readResult(kind, under.result).body.byteLength).toBe(limit - 2048);
    },
  );
});
