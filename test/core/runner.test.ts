import { describe, expect, it } from 'vitest';
import {
  type App,
  type AppIterable,
  type Environ,
  errorStream,
  fromUtf8,
  runApp,
  runAppBuffered,
  type StreamedResponse,
  utf8,
} from '../../src/index.js';
import { buildEnviron, Client, type EnvironOptions } from '../../src/testing/index.js';
import { idleEventStream } from '../_apps.js';

const TEXT: [string, string][] = [['Content-Type', 'text/plain']];

function environWithLog(options: EnvironOptions = {}): { environ: Environ; log: string[] } {
  const log: string[] = [];
  const environ = buildEnviron({ ...options, errors: errorStream((line) => log.push(line)) });
  return { environ, log };
}

async function drain(response: StreamedResponse): Promise<string> {
  let text = '';
  for await (const chunk of response.body) text += fromUtf8(chunk);
  return text;
}

/** Runs an app in both modes and returns both results, with the log of each run. */
async function both(app: App, options: EnvironOptions = {}) {
  const a = environWithLog(options);
  const buffered = await runAppBuffered(app, a.environ);
  const b = environWithLog(options);
  const streamed = await runApp(app, b.environ);
  let streamedBody = '';
  let streamError: unknown;
  try {
    streamedBody = await drain(streamed);
  } catch (error) {
    streamError = error;
  }
  return {
    buffered: { ...buffered, text: fromUtf8(buffered.body), log: a.log },
    streamed: { ...streamed, text: streamedBody, log: b.log, error: streamError },
  };
}

function closeCounter() {
  const counter = { closes: 0 };
  const wrap = (chunks: Iterable<unknown> | AsyncIterable<unknown>): AppIterable =>
    Object.assign(chunks as AppIterable, {
      close() {
        counter.closes++;
      },
    });
  return { counter, wrap };
}

describe('runner: the happy path', () => {
  it('returns status, code, reason, headers and body in both modes', async () => {
    const app: App = (_, startResponse) => {
      startResponse('201 Created', [...TEXT, ['X-A', '1']]);
      return ['hello ', new TextEncoder().encode('world')];
    };
    const { buffered, streamed } = await both(app);
    for (const res of [buffered, streamed]) {
      expect(res.status).toBe('201 Created');
      expect(res.statusCode).toBe(201);
      expect(res.reason).toBe('Created');
      expect(res.headers).toEqual([...TEXT, ['X-A', '1']]);
      expect(res.text).toBe('hello world');
    }
  });

  it('encodes string chunks as UTF-8', async () => {
    const app: App = (_, start) => {
      start('200 OK', TEXT);
      return ['café ☕'];
    };
    const res = await runAppBuffered(app, buildEnviron());
    expect([...res.body]).toEqual([...new TextEncoder().encode('café ☕')]);
  });

  it('accepts async apps, generators and async generators', async () => {
    const apps: App[] = [
      async (_, start) => {
        start('200 OK', TEXT);
        return ['a', 'b'];
      },
      (_, start) =>
        (function* () {
          start('200 OK', TEXT);
          yield 'a';
          yield 'b';
        })(),
      (_, start) =>
        (async function* () {
          start('200 OK', TEXT);
          yield 'a';
          await new Promise((r) => setTimeout(r, 5));
          yield 'b';
        })(),
    ];
    for (const app of apps) {
      const { buffered, streamed } = await both(app);
      expect(buffered.text).toBe('ab');
      expect(streamed.text).toBe('ab');
    }
  });

  it('buffered mode hands back a single chunk without copying it', async () => {
    const chunk = new Uint8Array([1, 2, 3]);
    const res = await runAppBuffered((_, start) => {
      start('200 OK', [['Content-Type', 'application/octet-stream']]);
      return [chunk];
    }, buildEnviron());
    expect(res.body).toBe(chunk);
  });
});

describe('runner: when headers count as sent', () => {
  it('streaming resolves at the first non-empty chunk, before the app finishes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let finished = false;
    const app: App = (_, start) =>
      (async function* () {
        start('200 OK', TEXT);
        yield '';
        yield 'first';
        await gate;
        finished = true;
        yield 'second';
      })();
    const res = await runApp(app, buildEnviron());
    expect(res.statusCode).toBe(200);
    const first = await res.body.next();
    expect(fromUtf8(first.value as Uint8Array)).toBe('first');
    expect(finished).toBe(false);
    release();
    expect(await drain(res)).toBe('second');
  });

  it('an empty body sends the headers at its end', async () => {
    const { buffered, streamed } = await both((_, start) => {
      start('200 OK', TEXT);
      return ['', ''];
    });
    expect(buffered.body.byteLength).toBe(0);
    expect(streamed.statusCode).toBe(200);
    expect(streamed.text).toBe('');
  });
});

describe('runner: a second startResponse', () => {
  it('without excInfo is an error (500)', async () => {
    const { buffered, streamed } = await both((_, start) => {
      start('200 OK', TEXT);
      start('404 Not Found', TEXT);
      return [];
    });
    for (const res of [buffered, streamed]) {
      expect(res.statusCode).toBe(500);
      expect(res.log.join('\n')).toMatch(/second time without excInfo/);
    }
  });

  it('with excInfo before headers are sent replaces status and headers', async () => {
    const { buffered, streamed } = await both((_, start) => {
      start('200 OK', TEXT);
      try {
        throw new Error('boom');
      } catch (error) {
        start('503 Service Unavailable', [['Content-Type', 'text/html']], error);
      }
      return ['sorry'];
    });
    for (const res of [buffered, streamed]) {
      expect(res.status).toBe('503 Service Unavailable');
      expect(res.headers).toEqual([['Content-Type', 'text/html']]);
      expect(res.text).toBe('sorry');
    }
  });

  it.each([
    ['a Content-Length that is not a number', [['Content-Length', 'x']], 'hello'],
    [
      'two different Content-Lengths on a 304',
      [
        ['Content-Length', '1'],
        ['Content-Length', '2'],
      ],
      'hello',
    ],
  ] as [string, [string, string][], string][])(
    'a replacement refused for %s leaves the first head whole, its length checked',
    async (_, replacement, body) => {
      const app =
        (sent: string): App =>
        (_, start) => {
          start('200 OK', [['Content-Length', '5']]);
          expect(() => start('304 Not Modified', replacement, new Error('e'))).toThrow();
          return [sent];
        };
      const whole = await both(app(body));
      for (const res of [whole.buffered, whole.streamed]) {
        expect([res.statusCode, res.headers, res.text]).toEqual([
          200,
          [['Content-Length', '5']],
          'hello',
        ]);
      }
      const over = await both(app('hello world!'));
      for (const res of [over.buffered, over.streamed]) {
        expect(res.statusCode).toBe(500);
        expect(res.log.join('\n')).toMatch(/more than its Content-Length of 5/);
      }
    },
  );

  it('with excInfo after headers are sent rethrows it', async () => {
    const boom = new Error('late failure');
    let rethrown: unknown;
    const app: App = (_, start) =>
      (function* () {
        start('200 OK', TEXT);
        yield 'partial';
        try {
          start('500 Internal Server Error', TEXT, boom);
        } catch (error) {
          rethrown = error;
          throw error;
        }
      })();
    const { buffered, streamed } = await both(app);
    expect(rethrown).toBe(boom);
    // Buffered: nothing was sent yet, so the error becomes the 500.
    expect(buffered.statusCode).toBe(500);
    // Streamed: the head went out with the first chunk, so the stream aborts.
    expect(streamed.statusCode).toBe(200);
    expect(streamed.error).toBe(boom);
  });
});

describe('runner: write()', () => {
  it('write() output goes before the iterable', async () => {
    const { buffered, streamed } = await both((_, start) => {
      const write = start('200 OK', TEXT);
      write('one ');
      write('two ');
      return ['three'];
    });
    expect(buffered.text).toBe('one two three');
    expect(streamed.text).toBe('one two three');
  });

  it('write() during iteration keeps the order of production', async () => {
    const app: App = (_, start) =>
      (function* () {
        const write = start('200 OK', TEXT);
        yield 'a';
        write('b');
        yield 'c';
      })();
    const { buffered, streamed } = await both(app);
    expect(buffered.text).toBe('abc');
    expect(streamed.text).toBe('abc');
  });

  it('write() of a non-chunk is refused', async () => {
    const { buffered } = await both((_, start) => {
      start('200 OK', TEXT)(42 as unknown as string);
      return [];
    });
    expect(buffered.statusCode).toBe(500);
    expect(buffered.log.join('\n')).toMatch(/number chunk/);
  });
});

/** A promise the test opens when it chooses: what an app awaits while it works. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('runner: write() while the app works (PEP 3333: written blocks are not delayed)', () => {
  const next = (response: StreamedResponse) => response.body.next();

  it('the head and what was written go out before the app returns', async () => {
    const working = gate();
    let write!: (chunk: string) => void;
    const app: App = async (_, start) => {
      write = start('200 OK', TEXT);
      write('progress\n');
      await working.promise;
      write('more\n');
      return ['done\n'];
    };
    const response = await runApp(app, buildEnviron());
    expect([response.statusCode, response.complete]).toEqual([200, undefined]);
    expect(fromUtf8((await next(response)).value!)).toBe('progress\n');
    const pending = next(response);
    working.open();
    expect(fromUtf8((await pending).value!)).toBe('more\n');
    expect(fromUtf8((await next(response)).value!)).toBe('done\n');
    expect((await next(response)).done).toBe(true);
  });

  it('a write() while a generator awaits its next chunk goes out at once', async () => {
    const working = gate();
    const closed = closeCounter();
    const app: App = (_, start) =>
      closed.wrap(
        (async function* () {
          const write = start('200 OK', TEXT);
          yield 'a';
          write('b');
          await working.promise;
          yield 'c';
        })(),
      );
    const response = await runApp(app, buildEnviron());
    expect(fromUtf8((await next(response)).value!)).toBe('a');
    expect(fromUtf8((await next(response)).value!)).toBe('b');
    working.open();
    expect(fromUtf8((await next(response)).value!)).toBe('c');
    expect((await next(response)).done).toBe(true);
    expect(closed.counter.closes).toBe(1);
  });

  it('the first write() of a generator that then awaits sends the head', async () => {
    const working = gate();
    const app: App = (_, start) =>
      (async function* () {
        start('200 OK', TEXT)('early');
        await working.promise;
        yield 'late';
      })();
    const response = await runApp(app, buildEnviron());
    expect(fromUtf8((await next(response)).value!)).toBe('early');
    working.open();
    expect(fromUtf8((await next(response)).value!)).toBe('late');
    expect((await next(response)).done).toBe(true);
  });

  it('an app that writes and returns at once is still sent whole, with its length', async () => {
    const response = await runApp(async (_, start) => {
      start('200 OK', TEXT)('a');
      return ['b'];
    }, buildEnviron());
    expect(fromUtf8(response.complete!)).toBe('ab');
  });

  it('an app that fails after writing ends the body with its error, logged', async () => {
    const working = gate();
    const { environ, log } = environWithLog();
    const response = await runApp(async (_, start) => {
      start('200 OK', TEXT)('partial');
      await working.promise;
      throw new Error('late failure');
    }, environ);
    expect(fromUtf8((await next(response)).value!)).toBe('partial');
    const pending = next(response);
    working.open();
    await expect(pending).rejects.toThrow('late failure');
    expect(log.join('\n')).toMatch(/late failure/);
  });

  it('the client leaving before the app returns closes its result once it comes', async () => {
    const working = gate<AppIterable>();
    const closed = closeCounter();
    let write!: (chunk: string) => void;
    const response = await runApp((_, start) => {
      write = start('200 OK', TEXT);
      write('x');
      return working.promise;
    }, buildEnviron());
    expect(fromUtf8((await next(response)).value!)).toBe('x');
    const stopping = response.body.return();
    // What the app writes after that is refused, which tells it no one is listening.
    expect(() => write('y')).toThrow(/after the response ended/);
    working.open(closed.wrap(['never sent']));
    await stopping;
    expect(closed.counter.closes).toBe(1);
  });
});

describe('runner: stopping an app that writes while it works', () => {
  it('return() twice while the result is pending still closes it once it comes', async () => {
    const working = gate<AppIterable>();
    const closed = closeCounter();
    const response = await runApp((_, start) => {
      start('200 OK', TEXT)('x');
      return working.promise;
    }, buildEnviron());
    await response.body.next();
    const first = response.body.return();
    const second = response.body.return();
    working.open(closed.wrap(['never sent']));
    await Promise.all([first, second]);
    expect(closed.counter.closes).toBe(1);
  });

  it('a next() waiting on the app ends when return() is called, and nothing more comes', async () => {
    const working = gate<AppIterable>();
    const { environ, log } = environWithLog();
    const response = await runApp((_, start) => {
      start('200 OK', [...TEXT, ['Content-Length', '3']])('x');
      return working.promise;
    }, environ);
    await response.body.next();
    const waiting = response.body.next();
    const stopping = response.body.return();
    expect(await waiting).toEqual({ done: true, value: undefined });
    working.open(['yz']);
    await stopping;
    expect(await response.body.next()).toEqual({ done: true, value: undefined });
    expect(log).toEqual([]); // no false "sent 1 bytes but its Content-Length said 3"
  });

  it('watches the promise the app works on once, however often it writes meanwhile', async () => {
    let thens = 0;
    let finish!: (value: AppIterable) => void;
    const result = {
      // biome-ignore lint/suspicious/noThenProperty: a thenable is what this test is about
      then(resolve: (value: AppIterable) => void) {
        thens++;
        finish = resolve;
      },
    };
    let write!: (chunk: string) => void;
    const response = await runApp((_, start) => {
      write = start('200 OK', TEXT);
      write('0');
      return result as unknown as Promise<AppIterable>;
    }, buildEnviron());
    for (let i = 1; i <= 100; i++) {
      expect(fromUtf8((await response.body.next()).value!)).toBe(String(i - 1));
      write(String(i));
    }
    finish([]);
    expect(fromUtf8((await response.body.next()).value!)).toBe('100');
    expect((await response.body.next()).done).toBe(true);
    expect(thens).toBe(1);
  });

  it.each([
    ['HEAD', '200 OK'],
    ['GET', '204 No Content'],
    ['GET', '304 Not Modified'],
  ])(
    '%s %s: the head goes at the first write; a later write stops the app quietly; the body ends with it',
    async (method, status) => {
      const working = gate();
      const closed = closeCounter();
      const { environ, log } = environWithLog({ method });
      let refused: unknown;
      const response = await runApp(async (_, start) => {
        const write = start(status, TEXT);
        write('ignored');
        await working.promise;
        try {
          write('nothing more is sent');
        } catch (error) {
          refused = error;
        }
        return closed.wrap(['ignored']);
      }, environ);
      expect([response.status, response.complete?.byteLength]).toEqual([status, 0]);
      // Reading the body to its end waits for the app (the test client and Lambda wait so).
      let ended = false;
      const end = response.body.next().then((step) => {
        ended = true;
        return step;
      });
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(ended).toBe(false);
      working.open();
      expect((await end).done).toBe(true);
      expect(closed.counter.closes).toBe(1);
      expect(String(refused)).toMatch(/after the response ended/);
      expect(log).toEqual([]);
    },
  );

  it.each([
    ['HEAD', '200 OK'],
    ['GET', '204 No Content'],
    ['GET', '304 Not Modified'],
  ])(
    '%s %s: a generator waiting for an event only its close() ends is closed, not waited for',
    async (method, status) => {
      let closes = 0;
      const app: App = (_, start) => {
        const write = start(status, [['Content-Type', 'text/event-stream']]);
        let wake = () => {};
        let open = true;
        const events = (async function* () {
          write(': connected\n\n');
          while (open) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            if (open) yield 'data: x\n\n';
          }
        })();
        return Object.assign(events, {
          close() {
            closes++;
            open = false;
            wake();
          },
        });
      };
      const response = await runApp(app, buildEnviron({ method }));
      expect((await response.body.next()).done).toBe(true);
      expect(closes).toBe(1);
      const client = await new Client(app)[method === 'HEAD' ? 'head' : 'get']('/');
      expect([client.status, client.body.byteLength, closes]).toEqual([status, 0, 2]);
    },
  );

  it.each(['HEAD', 'GET'])(
    '%s: a wait the app aborts in its close() is not an error of the app',
    async (method) => {
      const { environ, log } = environWithLog({ method });
      let closes = 0;
      const response = await runApp((_, start) => {
        const write = start('200 OK', [['Content-Type', 'text/event-stream']]);
        const abort = new AbortController();
        const events = (async function* () {
          write('retry: 1000\n\n');
          for (;;) {
            await new Promise((_resolve, reject) => {
              abort.signal.addEventListener('abort', () => reject(abort.signal.reason));
            });
            yield 'data: never\n\n';
          }
        })();
        return Object.assign(events, {
          close() {
            closes++;
            abort.abort();
          },
        });
      }, environ);
      if (method === 'GET') {
        expect(fromUtf8((await response.body.next()).value!)).toBe('retry: 1000\n\n');
        void response.body.next();
        await response.body.return();
      } else {
        expect((await response.body.next()).done).toBe(true);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect([closes, log]).toEqual([1, []]);
    },
  );

  it('an app that writes on after a HEAD answer went out is stopped, and that is not logged', async () => {
    const { environ, log } = environWithLog({ method: 'HEAD' });
    let writes = 0;
    const response = await runApp(async (_, start) => {
      const write = start('200 OK', [['Content-Type', 'text/event-stream']]);
      for (;;) {
        write('data: tick\n\n');
        writes++;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }, environ);
    expect((await response.body.next()).done).toBe(true);
    expect(writes).toBe(1);
    expect(log).toEqual([]);
  });

  it('return() settles after an async close() already under way', async () => {
    let closeDone = false;
    const response = await runApp((_, start) => {
      start('200 OK', TEXT);
      return Object.assign(
        (async function* () {
          yield 'a';
          await new Promise((resolve) => setTimeout(resolve, 1));
        })(),
        {
          close: async () => {
            await new Promise((resolve) => setTimeout(resolve, 50));
            closeDone = true;
          },
        },
      );
    }, buildEnviron());
    await response.body.next(); // 'a'
    const ending = response.body.next(); // the end: close() starts and takes 50 ms
    await new Promise((resolve) => setTimeout(resolve, 10));
    await response.body.return();
    expect(closeDone).toBe(true);
    expect((await ending).done).toBe(true);
  });

  it('thousands of next() calls made while the app works all settle, in order', async () => {
    const working = gate();
    let write!: (chunk: string) => void;
    const response = await runApp(async (_, start) => {
      write = start('200 OK', TEXT);
      write('0');
      await working.promise;
      for (let i = 1; i < 5000; i++) write(String(i % 10));
      return [];
    }, buildEnviron());
    await response.body.next(); // '0'
    const pending = Array.from({ length: 5000 }, () => response.body.next());
    working.open();
    const steps = [{ done: false, value: utf8('0') }, ...(await Promise.all(pending))];
    expect(
      steps
        .slice(0, 5000)
        .map((step) => fromUtf8(step.value as Uint8Array))
        .join(''),
    ).toBe('0123456789'.repeat(500));
    expect(steps[5000]!.done).toBe(true);
  });

  it('a next() made after one queued behind a waiting call is answered after it', async () => {
    const working = gate();
    let write!: (chunk: string) => void;
    const response = await runApp(async (_, start) => {
      write = start('200 OK', TEXT);
      write('0');
      await working.promise;
      return [];
    }, buildEnviron());
    await response.body.next();
    const order: string[] = [];
    const a = response.body.next().then((step) => order.push(`A${fromUtf8(step.value!)}`));
    const b = response.body.next().then((step) => order.push(`B${fromUtf8(step.value!)}`));
    let e: Promise<unknown> | undefined;
    write('1'); // A's wait settles: A resumes in the next microtask
    queueMicrotask(() => {
      // After A has answered, before B's turn has come round: E must still wait for B.
      write('2');
      write('3');
      e = response.body.next().then((step) => order.push(`E${fromUtf8(step.value!)}`));
    });
    await Promise.all([a, b]);
    await e;
    expect(order).toEqual(['A1', 'B2', 'E3']);
    working.open();
  });

  it('a write() from close(), after the app ended, is logged as the error it is', async () => {
    const { environ, log } = environWithLog();
    let write!: (chunk: string) => void;
    const response = await runAppBuffered((_, start) => {
      write = start('200 OK', TEXT);
      return Object.assign(['a'], { close: () => write('late') });
    }, environ);
    expect(response.statusCode).toBe(500);
    expect(log.join('\n')).toMatch(/write\(\) was called after the response ended/);
  });

  it('a chunk refused for overrunning Content-Length is not counted as sent', async () => {
    const { environ, log } = environWithLog();
    const response = await runApp((_, start) => {
      const write = start('200 OK', [...TEXT, ['Content-Length', '4']]);
      write('ab');
      try {
        write('cde');
      } catch {}
      write('cd');
      return [];
    }, environ);
    expect(fromUtf8(response.complete!)).toBe('abcd');
    expect(log).toEqual([]);
  });

  it('next() called again before the last one settled is answered in turn', async () => {
    const working = gate();
    let write!: (chunk: string) => void;
    const response = await runApp(async (_, start) => {
      write = start('200 OK', TEXT);
      write('a');
      await working.promise;
      return ['d'];
    }, buildEnviron());
    const steps = [response.body.next(), response.body.next(), response.body.next()];
    write('b');
    write('c');
    working.open();
    const got = await Promise.all([...steps, response.body.next()]);
    expect(got.map((step) => (step.done ? 'done' : fromUtf8(step.value)))).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
    expect((await response.body.next()).done).toBe(true);
  });
});

describe('runner: status and header validation', () => {
  const cases: [string, string, [string, string][], RegExp][] = [
    ['a status without a reason', '200', TEXT, /three digits/],
    ['a status with a bad code', '99 Low', TEXT, /three digits/],
    ['a status with CR/LF', '200 OK\r\nX: y', TEXT, /three digits/],
    ['a header name that is not a token', '200 OK', [['Bad Name', 'x']], /not an HTTP token/],
    ['an empty header name', '200 OK', [['', 'x']], /not an HTTP token/],
    ['CR/LF in a header value', '200 OK', [['X-A', 'a\r\nSet-Cookie: evil=1']], /CR, LF or NUL/],
    ['NUL in a header value', '200 OK', [['X-A', 'a\0b']], /CR, LF or NUL/],
    ['a control character in a header value', '200 OK', [['X-A', 'a\x01b']], /no server can send/],
    ['DEL in a header value', '200 OK', [['X-A', 'a\x7fb']], /no server can send/],
    ['a header value above U+00FF', '200 OK', [['X-A', 'done ✓']], /above U\+00FF/],
    [
      'a long header value above U+00FF',
      '200 OK',
      [['X-A', `${'v'.repeat(100)}€`]],
      /above U\+00FF/,
    ],
    ['a reason phrase above U+00FF', '200 Très bien ✓', TEXT, /three digits/],
    [
      'two different Content-Length headers',
      '200 OK',
      [
        ['Content-Length', '1'],
        ['Content-Length', '2'],
      ],
      /two different Content-Length headers/,
    ],
    ['a hop-by-hop header', '200 OK', [['Transfer-Encoding', 'chunked']], /hop-by-hop/],
    ['a Connection header', '200 OK', [['Connection', 'close']], /hop-by-hop/],
    [
      'a non-string header value',
      '200 OK',
      [['X-A', 1 as unknown as string]],
      /values are strings/,
    ],
  ];
  for (const [name, status, headers, message] of cases) {
    it(`refuses ${name} with a 500 naming the rule`, async () => {
      const { buffered, streamed } = await both((_, start) => {
        start(status, headers);
        return ['x'];
      });
      for (const res of [buffered, streamed]) {
        expect(res.statusCode).toBe(500);
        expect(res.text).toBe('Internal Server Error\n');
        expect(res.log.join('\n')).toMatch(message);
      }
    });
  }

  it('sends the headers it checked, whatever the app does to its list afterwards', async () => {
    const { buffered, streamed } = await both((_, start) => {
      const headers: [string, string][] = [
        ['Content-Type', 'text/plain'],
        ['X-A', 'ok'],
      ];
      start('200 OK', headers);
      headers[0]![0] = 'Transfer-Encoding';
      headers[0]![1] = 'chunked';
      headers[1]![1] = 'ok\r\nInjected: 1';
      headers.push(['Connection', 'close']);
      return ['x'];
    });
    for (const res of [buffered, streamed]) {
      expect(res.headers).toEqual([
        ['Content-Type', 'text/plain'],
        ['X-A', 'ok'],
      ]);
    }
  });

  it('accepts a tab and Latin-1 in header values and reason phrases', async () => {
    const { buffered, streamed } = await both((_, start) => {
      start('200 Très bien', [['X-A', 'caf\u00e9\tau lait']]);
      return ['x'];
    });
    for (const res of [buffered, streamed]) {
      expect(res.status).toBe('200 Très bien');
      expect(res.headers).toEqual([['X-A', 'café\tau lait']]);
    }
  });

  it('sends a Content-Length given twice with the same value once', async () => {
    const { buffered, streamed } = await both((_, start) => {
      start('200 OK', [
        ['Content-Length', '1'],
        ['Content-Type', 'text/plain'],
        ['content-length', '1'],
      ]);
      return ['x'];
    });
    for (const res of [buffered, streamed]) {
      expect(res.statusCode).toBe(200);
      expect(res.headers.filter(([name]) => name.toLowerCase() === 'content-length')).toHaveLength(
        1,
      );
    }
  });

  it('checks every value of a header name it has already accepted, short and long', async () => {
    const good = await both((_, start) => {
      start('200 OK', [['X-Seen', 'fine']]);
      return ['x'];
    });
    expect(good.buffered.statusCode).toBe(200);
    for (const value of ['a\nb', `${'v'.repeat(100)}\r\nSet-Cookie: evil=1`]) {
      const { buffered, streamed } = await both((_, start) => {
        start('200 OK', [['X-Seen', value]]);
        return ['x'];
      });
      expect(buffered.statusCode).toBe(500);
      expect(streamed.statusCode).toBe(500);
      expect(buffered.log.join('\n')).toMatch(/CR, LF or NUL/);
    }
  });

  it('refuses a header list that is not an array of pairs', async () => {
    const { buffered } = await both((_, start) => {
      start('200 OK', [['only-name']] as unknown as [string, string][]);
      return [];
    });
    expect(buffered.statusCode).toBe(500);
    expect(buffered.log.join('\n')).toMatch(/\[name, value\] pair/);
  });

  it('keeps repeated headers separate and in order', async () => {
    const headers: [string, string][] = [
      ['Set-Cookie', 'a=1'],
      ['Content-Type', 'text/plain'],
      ['Set-Cookie', 'b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT'],
    ];
    const { buffered, streamed } = await both((_, start) => {
      start('200 OK', headers);
      return [];
    });
    expect(buffered.headers).toEqual(headers);
    expect(streamed.headers).toEqual(headers);
  });
});

describe('runner: close()', () => {
  it('is called exactly once on success', async () => {
    const { counter, wrap } = closeCounter();
    await both((_, start) => {
      start('200 OK', TEXT);
      return wrap(['x']);
    });
    expect(counter.closes).toBe(2); // once per mode
  });

  it('is called exactly once when the app fails mid-iteration', async () => {
    const { counter, wrap } = closeCounter();
    const { buffered, streamed } = await both((_, start) =>
      wrap(
        (function* () {
          start('200 OK', TEXT);
          yield 'a';
          throw new Error('mid-body');
        })(),
      ),
    );
    expect(counter.closes).toBe(2);
    expect(buffered.statusCode).toBe(500);
    expect((streamed.error as Error).message).toBe('mid-body');
  });

  it('is called exactly once when the client goes away (early stop), and ends a generator', async () => {
    const { counter, wrap } = closeCounter();
    let cleanedUp = 0;
    const app: App = (_, start) =>
      wrap(
        (async function* () {
          try {
            start('200 OK', TEXT);
            for (let i = 0; ; i++) yield `chunk ${i}`;
          } finally {
            cleanedUp++;
          }
        })(),
      );
    const res = await runApp(app, buildEnviron());
    await res.body.next();
    await res.body.return();
    await res.body.return();
    expect(counter.closes).toBe(1);
    expect(cleanedUp).toBe(1);
  });

  it('is called once when a chunk is invalid, and the generator is ended', async () => {
    const { counter, wrap } = closeCounter();
    let cleanedUp = 0;
    const res = await runAppBuffered(
      (_, start) =>
        wrap(
          (function* () {
            try {
              start('200 OK', TEXT);
              yield 42 as unknown as string;
              yield 'never';
            } finally {
              cleanedUp++;
            }
          })(),
        ),
      buildEnviron(),
    );
    expect(res.statusCode).toBe(500);
    expect(counter.closes).toBe(1);
    expect(cleanedUp).toBe(1);
  });

  it('an async close() is awaited, or handed to waitUntil', async () => {
    const events: string[] = [];
    const app: App = (_, start) => {
      start('200 OK', TEXT);
      return Object.assign(['x'], {
        async close() {
          await new Promise((r) => setTimeout(r, 10));
          events.push('closed');
        },
      });
    };
    await runAppBuffered(app, buildEnviron());
    expect(events).toEqual(['closed']);
    const deferred: Promise<unknown>[] = [];
    const res = await runApp(app, buildEnviron(), { waitUntil: (p) => deferred.push(p) });
    await drain(res);
    expect(events).toEqual(['closed']);
    expect(deferred).toHaveLength(1);
    await deferred[0];
    expect(events).toEqual(['closed', 'closed']);
  });

  it.each([
    [
      'sync',
      () => {
        throw new Error('close failed');
      },
    ],
    [
      'async',
      async () => {
        throw new Error('close failed');
      },
    ],
  ])(
    'an error in a %s close() before anything was sent is logged once and becomes the 500',
    async (_, close) => {
      // A list is complete before the head is due: close() runs before either runner hands it on.
      const { buffered, streamed } = await both((_environ, start) => {
        start('200 OK', TEXT);
        return Object.assign(['done'], { close });
      });
      for (const res of [buffered, streamed]) {
        expect(res.status).toBe('500 Internal Server Error');
        expect(res.text).toBe('Internal Server Error\n');
        expect(res.log.join('\n').match(/close failed/g)).toHaveLength(1);
      }
    },
  );

  it.each([
    [
      'an object without a prototype that holds itself',
      () => {
        const value: Record<string, unknown> = Object.create(null);
        value.self = value;
        throw value;
      },
    ],
    [
      'a revoked Proxy',
      () => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        throw proxy;
      },
    ],
  ])('an app that throws %s gets the 500, with the failure logged', async (_, fail) => {
    const { buffered, streamed } = await both(fail as App);
    for (const res of [buffered, streamed]) {
      expect(res.status).toBe('500 Internal Server Error');
      expect(res.log.join('\n')).toMatch(/error in app for GET \/: non-Error value thrown/);
    }
  });

  it('a close getter that throws is the failure of close(), logged once', async () => {
    const { buffered, streamed } = await both((_environ, start) => {
      start('200 OK', TEXT);
      return {
        [Symbol.iterator]() {
          throw new Error('no iterator');
        },
        get close(): () => void {
          throw new Error('close getter failed');
        },
      };
    });
    for (const res of [buffered, streamed]) {
      expect(res.status).toBe('500 Internal Server Error');
      expect(res.log.join('\n').match(/close getter failed/g)).toHaveLength(1);
    }
  });

  it('an error in close() after a streamed head went out is logged; the response stands', async () => {
    const { streamed } = await both((_environ, start) => {
      start('200 OK', TEXT);
      const body = (async function* () {
        yield 'first';
        yield 'second';
      })() as AppIterable;
      body.close = () => {
        throw new Error('close failed');
      };
      return body;
    });
    expect(streamed.statusCode).toBe(200);
    expect(streamed.text).toBe('firstsecond');
    expect(streamed.log.join('\n').match(/close failed/g)).toHaveLength(1);
  });
});

describe('runner: errors', () => {
  it('an error before headers becomes a generic 500 with the stack on wsgi.errors', async () => {
    const { buffered, streamed } = await both(() => {
      throw new Error('secret detail');
    });
    for (const res of [buffered, streamed]) {
      expect(res.status).toBe('500 Internal Server Error');
      expect(res.text).toBe('Internal Server Error\n');
      expect(res.text).not.toMatch(/secret/);
      expect(res.log.join('\n')).toMatch(/secret detail/);
      expect(res.log.join('\n')).toMatch(/at /);
    }
  });

  it('puts the stack in the body only in debug mode', async () => {
    const res = await runAppBuffered(
      () => {
        throw new Error('visible in debug');
      },
      buildEnviron(),
      { debug: true },
    );
    expect(fromUtf8(res.body)).toMatch(/visible in debug/);
  });

  it('an async rejection becomes a 500', async () => {
    const { buffered, streamed } = await both(async () => {
      throw new Error('rejected');
    });
    expect(buffered.statusCode).toBe(500);
    expect(streamed.statusCode).toBe(500);
  });

  it('logs the error exactly once', async () => {
    const { buffered } = await both(() => {
      throw new Error('once only');
    });
    expect(buffered.log.join('\n').match(/once only/g)).toHaveLength(1);
  });

  it('never calling startResponse is an error', async () => {
    const { buffered, streamed } = await both(() => []);
    for (const res of [buffered, streamed]) {
      expect(res.statusCode).toBe(500);
      expect(res.log.join('\n')).toMatch(/without calling startResponse/);
    }
  });

  it('body data before startResponse is an error', async () => {
    const { buffered } = await both(() => ['too early']);
    expect(buffered.statusCode).toBe(500);
    expect(buffered.log.join('\n')).toMatch(/before calling startResponse/);
  });

  it('a result that is not iterable is an error', async () => {
    for (const value of [undefined, null, 42, {}, 'bare string', new Uint8Array(2)]) {
      const { buffered } = await both((_, start) => {
        start('200 OK', TEXT);
        return value as unknown as AppIterable;
      });
      expect(buffered.statusCode).toBe(500);
      expect(buffered.log.join('\n')).toMatch(/iterable/);
    }
  });

  it('a chunk that is not bytes or string is an error', async () => {
    const { buffered } = await both((_, start) => {
      start('200 OK', TEXT);
      return [{ not: 'bytes' }] as unknown as string[];
    });
    expect(buffered.statusCode).toBe(500);
    expect(buffered.log.join('\n')).toMatch(/Object chunk; chunks are Uint8Array or string/);
  });

  it('a body longer or shorter than Content-Length is an error', async () => {
    for (const body of ['123456', '12']) {
      const { buffered } = await both((_, start) => {
        start('200 OK', [...TEXT, ['Content-Length', '4']]);
        return [body];
      });
      expect(buffered.statusCode).toBe(500);
      expect(buffered.log.join('\n')).toMatch(/Content-Length/);
    }
  });
});

describe('runner: responses without a body', () => {
  it('HEAD keeps the headers (Content-Length included) and drops the body', async () => {
    let produced = 0;
    const app: App = (_, start) =>
      (function* () {
        start('200 OK', [...TEXT, ['Content-Length', '5']]);
        for (let i = 0; i < 1000; i++) {
          produced++;
          yield 'hello';
        }
      })();
    const { buffered, streamed } = await both(app, { method: 'HEAD' });
    for (const res of [buffered, streamed]) {
      expect(res.statusCode).toBe(200);
      expect(res.headers).toContainEqual(['Content-Length', '5']);
      expect(res.text).toBe('');
    }
    expect(produced).toBeLessThan(10); // the app is stopped once the head is known
  });

  for (const status of ['204 No Content', '304 Not Modified', '103 Early Hints']) {
    it(`${status} carries no body`, async () => {
      const { buffered, streamed } = await both((_, start) => {
        start(status, [['Content-Length', '3']]);
        return ['abc'];
      });
      expect(buffered.body.byteLength).toBe(0);
      expect(streamed.text).toBe('');
      const hasLength = buffered.headers.some(([n]) => n === 'Content-Length');
      expect(hasLength).toBe(status.startsWith('304')); // never on 1xx/204
    });
  }

  it('205 Reset Content carries no body and says so with Content-Length 0', async () => {
    let closed = 0;
    const { buffered, streamed } = await both((_, start) => {
      start('205 Reset Content', [['Content-Length', '3']]);
      return Object.assign(['abc'], { close: () => void closed++ });
    });
    expect(buffered.body.byteLength).toBe(0);
    expect(streamed.text).toBe('');
    for (const res of [buffered, streamed]) {
      expect(res.headers.filter(([n]) => n.toLowerCase() === 'content-length')).toEqual([
        ['Content-Length', '0'],
      ]);
    }
    expect(closed).toBe(2);
  });

  it('a 500 for a HEAD request has no body', async () => {
    const res = await runAppBuffered(
      () => {
        throw new Error('x');
      },
      buildEnviron({ method: 'HEAD' }),
    );
    expect(res.statusCode).toBe(500);
    expect(res.body.byteLength).toBe(0);
  });
});

describe('runner: a body complete before the head is due', () => {
  it('is handed over whole for a list result, a finished generator and a 500', async () => {
    const list = await runApp((_, start) => {
      start('200 OK', TEXT);
      return ['a', 'b'];
    }, buildEnviron());
    expect(fromUtf8(list.complete!)).toBe('ab');
    const finished = await runApp(
      (_, start) =>
        (function* () {
          start('200 OK', TEXT);
          yield '';
        })(),
      buildEnviron(),
    );
    expect(finished.complete?.byteLength).toBe(0);
    const failed = await runApp(() => {
      throw new Error('x');
    }, buildEnviron());
    expect(fromUtf8(failed.complete!)).toBe('Internal Server Error\n');
  });

  it('is absent while the app is still producing', async () => {
    const res = await runApp(
      (_, start) =>
        (async function* () {
          start('200 OK', TEXT);
          yield 'a';
          yield 'b';
        })(),
      buildEnviron(),
    );
    expect(res.complete).toBeUndefined();
    expect(res.completeText).toBeUndefined(); // nor kept as text: the body streams
    expect(await drain(res)).toBe('ab');
  });

  it('runs close() before the runner resolves', async () => {
    const { counter, wrap } = closeCounter();
    const res = await runApp((_, start) => {
      start('200 OK', TEXT);
      return wrap(['x']);
    }, buildEnviron());
    expect(res.complete).toBeDefined();
    expect(counter.closes).toBe(1);
  });
});

describe('runner: a body given as strings is kept as text too', () => {
  const answer =
    (...chunks: (string | Uint8Array)[]): App =>
    (_, start) => {
      start('200 OK', TEXT);
      return chunks;
    };

  it('joins the strings, in both modes, when every chunk was one', async () => {
    const buffered = await runAppBuffered(answer('caf', 'é ', '', '✓'), buildEnviron());
    expect(buffered.text).toBe('café ✓');
    expect(fromUtf8(buffered.body)).toBe('café ✓');
    const streamed = await runApp(answer('caf', 'é ', '', '✓'), buildEnviron());
    expect(streamed.completeText).toBe('café ✓');
    expect(fromUtf8(streamed.complete!)).toBe('café ✓');
  });

  it('has none once a chunk was bytes or held a lone surrogate, even one a later chunk pairs', async () => {
    const mixed = await runAppBuffered(answer('a', new Uint8Array([98])), buildEnviron());
    expect(mixed.text).toBeUndefined();
    expect(fromUtf8(mixed.body)).toBe('ab');
    const lone = await runApp(answer('a\uD800b'), buildEnviron());
    expect(lone.completeText).toBeUndefined();
    expect([...lone.complete!]).toEqual([0x61, 0xef, 0xbf, 0xbd, 0x62]);
    // Each chunk is encoded alone: a pair split in two is two U+FFFD, so the text must not be 😀.
    const split = await runAppBuffered(answer('\uD83D', '\uDE00'), buildEnviron());
    expect(split.text).toBeUndefined();
    expect(Buffer.from(split.body).toString('hex')).toBe('efbfbdefbfbd');
    const failed = await runAppBuffered(
      () => {
        throw new Error('\uD83D');
      },
      buildEnviron(),
      { debug: true },
    );
    expect(failed.text).toBeUndefined();
    expect(Buffer.from(failed.body).toString('hex')).toContain('efbfbd');
  });

  it('matches the bodies of a 500 and of a HEAD', async () => {
    const failed = await runAppBuffered(() => {
      throw new Error('x');
    }, buildEnviron());
    expect(failed.text).toBe(fromUtf8(failed.body));
    const head = await runAppBuffered(answer('body'), buildEnviron({ method: 'HEAD' }));
    expect([head.body.byteLength, head.text]).toEqual([0, '']);
  });
});

describe('runner: status checks are never skipped', () => {
  it('refuses an empty, null or missing status even after a valid one', async () => {
    for (const status of ['', null, undefined, '200 OK', '200']) {
      const res = await runAppBuffered((_, start) => {
        start(status as string, TEXT);
        return [];
      }, buildEnviron());
      expect(res.statusCode).toBe(status === '200 OK' ? 200 : 500);
    }
  });
});

describe('runner: the client goes away', () => {
  it('closes an app still working on its first chunk once `gone` settles, and sends nothing', async () => {
    let closes = 0;
    let leave!: () => void;
    const gone = new Promise<void>((resolve) => {
      leave = resolve;
    });
    const app = idleEventStream(() => closes++);
    const running = runApp(app, buildEnviron({ path: '/' }), { gone: () => gone });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(closes).toBe(0);
    leave();
    const response = await running;
    expect(closes).toBe(1);
    expect(response.complete?.byteLength).toBe(0);
    await response.body.return();
    expect(closes).toBe(1);
  });
});
