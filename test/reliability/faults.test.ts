/**
 * Fault injection: apps that break in every way the contract allows, on every platform. Each
 * case has a defined result (the table in docs/reliability.md, printed by this file with
 * TSGI_PRINT_TABLE=1): what the client gets, close() exactly once whenever the app returned
 * something to close, and the error logged exactly once.
 */
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchHandler } from '../../adapters/cloudflare/index.js';
import { serve } from '../../adapters/node/index.js';
import type { App, AppIterable, Chunk, Header, StartResponse } from '../../src/index.js';
import {
  lambdaStreamHandler,
  type Observed,
  PLATFORM_NAMES,
  PLATFORMS,
  type Platform,
  runOn,
  stopNode,
  v2Event,
} from './_platforms.js';

afterAll(stopNode);

const OK: Header[] = [
  ['Content-Type', 'text/plain; charset=utf-8'],
  ['Set-Cookie', 'session=secret; HttpOnly'],
];
const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

type Counter = { closes: number };
/** An iterable with a counted close(); `close` may add its own failure. */
function closable(
  counter: Counter,
  source: Iterable<unknown> | AsyncIterable<unknown>,
  onClose?: () => unknown,
): AppIterable {
  const iterable = source as AppIterable;
  return Object.assign(iterable, {
    close() {
      counter.closes++;
      return onClose?.();
    },
  });
}

interface Expected {
  /** `500`, `200 "complete"`, `200 "partial" cut`… */
  client: string;
  closes: 0 | 1;
  logs: 0 | 1;
}

interface Case {
  name: string;
  app: (counter: Counter) => App;
  buffered: Expected;
  /** Lambda streaming, fetch and Node; defaults to `buffered`. */
  streamed?: Expected;
}

const ERROR_500 = '500 "Internal Server Error\\n"';
const CUT = '200 "partial", then cut';
const fail = (): never => {
  throw new Error('injected failure');
};

const CASES: Case[] = [
  {
    name: 'throws before startResponse',
    app: () => () => fail(),
    buffered: { client: ERROR_500, closes: 0, logs: 1 },
  },
  {
    name: 'throws after startResponse, before returning',
    app: () => (_e, start) => {
      start('200 OK', OK);
      return fail();
    },
    buffered: { client: ERROR_500, closes: 0, logs: 1 },
  },
  {
    name: 'iterable throws before startResponse',
    app: (c) => () =>
      closable(
        c,
        (function* () {
          fail();
          yield 'never reached';
        })(),
      ),
    buffered: { client: ERROR_500, closes: 1, logs: 1 },
  },
  {
    name: 'iterable throws after startResponse, before a chunk',
    app: (c) => (_e, start) =>
      closable(
        c,
        (function* () {
          start('200 OK', OK);
          fail();
          yield 'never reached';
        })(),
      ),
    buffered: { client: ERROR_500, closes: 1, logs: 1 },
  },
  {
    name: 'throws mid-iteration',
    app: (c) => (_e, start) => {
      start('200 OK', OK);
      return closable(
        c,
        (function* () {
          yield 'partial';
          fail();
        })(),
      );
    },
    buffered: { client: ERROR_500, closes: 1, logs: 1 },
    streamed: { client: CUT, closes: 1, logs: 1 },
  },
  {
    name: 'rejects mid-stream (async iterable)',
    app: (c) => (_e, start) => {
      start('200 OK', OK);
      return closable(
        c,
        (async function* () {
          yield 'partial';
          await tick();
          fail();
        })(),
      );
    },
    buffered: { client: ERROR_500, closes: 1, logs: 1 },
    streamed: { client: CUT, closes: 1, logs: 1 },
  },
  {
    name: 'throws in close()',
    app: (c) => (_e, start) => {
      start('200 OK', OK);
      return closable(c, ['complete'], fail);
    },
    // The list is complete before the head is due, so nothing has left when close() fails.
    buffered: { client: ERROR_500, closes: 1, logs: 1 },
  },
  {
    name: 'async close() rejects',
    app: (c) => (_e, start) => {
      start('200 OK', OK);
      return closable(c, ['complete'], () => tick().then(fail));
    },
    // The list is complete before the head is due, so nothing has left when close() fails.
    buffered: { client: ERROR_500, closes: 1, logs: 1 },
  },
  {
    name: 'async app rejects',
    app: () => async () => {
      await tick();
      return fail();
    },
    buffered: { client: ERROR_500, closes: 0, logs: 1 },
  },
  {
    name: 'never calls startResponse (with a body)',
    app: (c) => () => closable(c, ['body']),
    buffered: { client: ERROR_500, closes: 1, logs: 1 },
  },
  {
    name: 'never calls startResponse (empty body)',
    app: (c) => () => closable(c, []),
    buffered: { client: ERROR_500, closes: 1, logs: 1 },
  },
  {
    name: 'calls startResponse twice without excInfo',
    app: (c) => (_e, start) => {
      start('200 OK', OK);
      start('201 Created', OK);
      return closable(c, ['never sent']);
    },
    buffered: { client: ERROR_500, closes: 0, logs: 1 },
  },
  {
    name: 'calls startResponse again with excInfo before any chunk',
    app: (c) => (_e, start) =>
      closable(
        c,
        (function* () {
          start('200 OK', OK);
          try {
            fail();
          } catch (error) {
            start('503 Service Unavailable', [['Content-Type', 'text/plain']], error);
            yield 'custom error page';
          }
        })(),
      ),
    buffered: { client: '503 "custom error page"', closes: 1, logs: 0 },
  },
  {
    name: 'calls startResponse again with excInfo after a chunk',
    app: (c) => (_e, start) =>
      closable(
        c,
        (function* () {
          start('200 OK', OK);
          yield 'partial';
          try {
            fail();
          } catch (error) {
            start('500 Internal Server Error', [['Content-Type', 'text/plain']], error);
            yield 'too late';
          }
        })(),
      ),
    buffered: { client: ERROR_500, closes: 1, logs: 1 },
    streamed: { client: CUT, closes: 1, logs: 1 },
  },
  {
    name: 'returns an object that is not iterable',
    app: (c) => (_e, start) => {
      start('200 OK', OK);
      return closable(c, {} as Iterable<Chunk>);
    },
    buffered: { client: ERROR_500, closes: 1, logs: 1 },
  },
  {
    name: 'returns a bare string',
    app: () => (_e, start) => {
      start('200 OK', OK);
      return 'a bare string' as unknown as AppIterable;
    },
    buffered: { client: ERROR_500, closes: 0, logs: 1 },
  },
  {
    name: 'returns undefined',
    app: () => (_e, start) => {
      start('200 OK', OK);
      return undefined as unknown as AppIterable;
    },
    buffered: { client: ERROR_500, closes: 0, logs: 1 },
  },
  {
    name: 'yields a number as the first chunk',
    app: (c) => (_e, start) => {
      start('200 OK', OK);
      return closable(c, [42]);
    },
    buffered: { client: ERROR_500, closes: 1, logs: 1 },
  },
  {
    name: 'yields an object after a good chunk',
    app: (c) => (_e, start) => {
      start('200 OK', OK);
      return closable(
        c,
        (function* () {
          yield 'partial';
          yield { not: 'bytes' };
        })(),
      );
    },
    buffered: { client: ERROR_500, closes: 1, logs: 1 },
    streamed: { client: CUT, closes: 1, logs: 1 },
  },
  {
    // A list is complete before the head is due, so the runner checks all of it first.
    name: 'returns a list with an object after a good chunk',
    app: (c) => (_e, start) => {
      start('200 OK', OK);
      return closable(c, ['partial', { not: 'bytes' }]);
    },
    buffered: { client: ERROR_500, closes: 1, logs: 1 },
  },
  {
    name: 'header name that is not a token',
    app: (c) => (_e, start) => {
      start('200 OK', [['Bad Header', 'x']]);
      return closable(c, ['never sent']);
    },
    buffered: { client: ERROR_500, closes: 0, logs: 1 },
  },
  {
    name: 'CR/LF in a header value',
    app: (c) => (_e, start) => {
      start('200 OK', [['X-Evil', 'a\r\nSet-Cookie: pwned=1']]);
      return closable(c, ['never sent']);
    },
    buffered: { client: ERROR_500, closes: 0, logs: 1 },
  },
  {
    name: 'hop-by-hop header (Transfer-Encoding)',
    app: (c) => (_e, start) => {
      start('200 OK', [['Transfer-Encoding', 'chunked']]);
      return closable(c, ['never sent']);
    },
    buffered: { client: ERROR_500, closes: 0, logs: 1 },
  },
  {
    name: 'status without a reason phrase',
    app: (c) => (_e, start) => {
      start('200', OK);
      return closable(c, ['never sent']);
    },
    buffered: { client: ERROR_500, closes: 0, logs: 1 },
  },
  {
    name: 'more bytes than its Content-Length',
    app: (c) => (_e, start) => {
      start('200 OK', [...OK, ['Content-Length', '3']]);
      return closable(c, ['partial']);
    },
    buffered: { client: ERROR_500, closes: 1, logs: 1 },
  },
  {
    name: 'fewer bytes than its Content-Length (a generator)',
    app: (c) => (_e, start) => {
      start('200 OK', [...OK, ['Content-Length', '100']]);
      return closable(
        c,
        (function* () {
          yield 'partial';
        })(),
      );
    },
    buffered: { client: ERROR_500, closes: 1, logs: 1 },
    streamed: { client: CUT, closes: 1, logs: 1 },
  },
  {
    name: 'fewer bytes than its Content-Length (a list)',
    app: (c) => (_e, start) => {
      start('200 OK', [...OK, ['Content-Length', '100']]);
      return closable(c, ['partial']);
    },
    buffered: { client: ERROR_500, closes: 1, logs: 1 },
  },
];

function summary(observed: Observed): string {
  const text = `${observed.status} ${JSON.stringify(observed.body)}`;
  return observed.aborted ? `${text}, then cut` : text;
}

const rows: string[] = [];

describe.each(CASES)('an app that $name', (fault) => {
  it.each(PLATFORMS)('on %s: a defined answer, close() once, the error logged once', async (p) => {
    const counter: Counter = { closes: 0 };
    const observed = await runOn(p as Platform, fault.app(counter));
    const expected = p === 'lambda' ? fault.buffered : (fault.streamed ?? fault.buffered);
    rows.push(
      `| ${fault.name} | ${PLATFORM_NAMES[p as Platform]} | ${summary(observed).replaceAll('|', '\\|')} | ${
        counter.closes === 1
          ? 'once'
          : counter.closes === 0
            ? 'nothing to close'
            : `${counter.closes}×`
      } | ${observed.logs.length} |`,
    );
    expect({
      client: summary(observed),
      closes: counter.closes,
      logs: observed.logs.length,
    }).toEqual(expected);
    // A response replaced by the 500 never leaks the app's headers (its session cookie).
    if (observed.status === 500) expect(observed.setCookies).toEqual([]);
    // The log names the failure, never just "something went wrong".
    if (expected.logs === 1) {
      expect(observed.logs[0]).toMatch(/injected failure|ProtocolError|LintError|Content-Length/);
    }
  });
});

afterAll(() => {
  if (process.env.TSGI_PRINT_TABLE) {
    console.log(
      [
        '| case | platform | client gets | close() | logged |',
        '|---|---|---|---|---|',
        ...rows,
      ].join('\n'),
    );
  }
});

/** An endless body that counts close() calls: only a client going away can end it. */
function endless(counter: Counter): App {
  return (_environ, start: StartResponse) => {
    start('200 OK', OK);
    return closable(
      counter,
      (async function* () {
        for (let i = 0; ; i++) {
          yield `chunk ${i}\n`;
          await tick();
        }
      })(),
    );
  };
}

async function until(done: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !done(); waited += 10) {
    if (waited > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the client goes away mid-stream', () => {
  it('on Node: the endless app is stopped and closed once', async () => {
    const counter: Counter = { closes: 0 };
    const server = await serve(endless(counter), { host: '127.0.0.1', port: 0 });
    try {
      await new Promise<void>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, path: '/', agent: false });
        req.on('error', () => resolve());
        req.on('response', (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
          res.on('error', () => {});
        });
        req.on('close', () => resolve());
        req.end();
        setTimeout(() => reject(new Error('no first chunk')), 10_000);
      });
      await until(() => counter.closes > 0, 'close()');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(counter.closes).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('on fetch: cancelling the body stops the app and closes it once', async () => {
    const counter: Counter = { closes: 0 };
    const response = await fetchHandler(endless(counter))(new Request('https://example.test/'));
    const reader = response.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    await reader.cancel();
    await until(() => counter.closes > 0, 'close()');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(counter.closes).toBe(1);
  });
});

describe('the Lambda response stream goes away mid-stream', () => {
  it('stops the endless app and closes it once', async () => {
    const counter: Counter = { closes: 0 };
    let writes = 0;
    const stream = new Writable({
      write(_chunk, _encoding, callback) {
        callback();
        // The prelude, then one body chunk: then the client disconnects.
        if (++writes === 2) stream.destroy();
      },
    });
    stream.on('error', () => {});
    await lambdaStreamHandler(endless(counter))(v2Event() as never, stream as never);
    await until(() => counter.closes > 0, 'close()');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(counter.closes).toBe(1);
  });
});
