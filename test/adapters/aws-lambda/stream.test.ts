/**
 * streamHandler against a stand-in for the `awslambda` global. No local runtime provides that
 * global, so the stand-in follows the documented contract: `streamifyResponse(fn)` marks a
 * function the runtime then calls with `(event, responseStream, context)`;
 * `HttpResponseStream.from(stream, metadata)` makes the stream write the JSON metadata and eight
 * NUL bytes just before its first write (as the runtime interface client does: `end()` alone
 * sends no metadata), then the body follows on the same stream. Like the runtime's stream, it
 * sends a chunk that is not a string, a Buffer or a plain Uint8Array as JSON text.
 */
import { Buffer } from 'node:buffer';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildEvent, streamHandler } from '../../../adapters/aws-lambda/index.js';
import type { App, AppIterable, Chunk } from '../../../src/index.js';
import { lint } from '../../../src/middleware/index.js';
import { idleEventStream } from '../../_apps.js';
import { captureLog, THREE_COOKIES } from './_helpers.js';

const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');

/** A response stream that records what reaches the client, with a small buffer. */
class ClientStream extends Writable {
  readonly chunks: Buffer[] = [];
  onChunk: (chunk: Buffer) => void = () => {};
  constructor(delay = 0) {
    super({
      highWaterMark: 1024,
      write: (chunk: Buffer, _encoding, callback) => {
        this.chunks.push(chunk);
        this.onChunk(chunk);
        if (delay > 0) setTimeout(callback, delay);
        else callback();
      },
    });
  }

  /** The metadata prelude and the body after the eight NUL bytes. */
  parts(): { metadata: Record<string, unknown>; body: Buffer } {
    const all = Buffer.concat(this.chunks);
    const end = all.indexOf(Buffer.alloc(8));
    return { metadata: JSON.parse(all.subarray(0, end).toString()), body: all.subarray(end + 8) };
  }
}

const standIn = {
  streamifyResponse(fn: (...args: never[]) => unknown) {
    Object.defineProperty(fn, STREAMING, { value: 'response' });
    return fn;
  },
  HttpResponseStream: {
    from(stream: Writable, metadata: object) {
      const write = stream.write.bind(stream) as (chunk: unknown) => boolean;
      let first = true;
      stream.write = ((chunk: unknown) => {
        if (first) {
          first = false;
          write(Buffer.concat([Buffer.from(JSON.stringify(metadata)), Buffer.alloc(8)]));
        }
        const sendable =
          typeof chunk === 'string' ||
          Buffer.isBuffer(chunk) ||
          (chunk as object)?.constructor === Uint8Array;
        return write(sendable ? chunk : JSON.stringify(chunk));
      }) as typeof stream.write;
      return stream;
    },
  },
};

beforeEach(() => {
  (globalThis as { awslambda?: unknown }).awslambda = standIn;
});
afterEach(() => {
  delete (globalThis as { awslambda?: unknown }).awslambda;
});

function finished(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (stream.writableFinished || stream.destroyed) resolve();
    stream.once('finish', resolve);
    stream.once('close', resolve);
  });
}

/** An app whose body is `source`, counting close() calls. */
function appOf(source: () => AsyncGenerator<Chunk>, counter: { closes: number }): App {
  return (_environ, startResponse) => {
    startResponse('200 OK', [
      ['Content-Type', 'text/plain'],
      ...THREE_COOKIES.map((c): [string, string] => ['Set-Cookie', c]),
    ]);
    const body = source() as AppIterable;
    body.close = () => {
      counter.closes++;
    };
    return body;
  };
}

describe('streamHandler', () => {
  it('is marked for the runtime by streamifyResponse', () => {
    const fn = streamHandler(() => []);
    expect((fn as unknown as Record<symbol, unknown>)[STREAMING]).toBe('response');
  });

  it('sends the prelude and the first chunk before the app has finished', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const counter = { closes: 0 };
    const checked = lint(
      appOf(async function* () {
        yield 'first\n';
        await gate; // only opens once the test has seen the first chunk arrive
        yield 'second\n';
      }, counter),
    );
    const client = new ClientStream();
    const sawFirst = new Promise<void>((resolve) => {
      client.onChunk = (chunk) => {
        if (chunk.toString().includes('first')) resolve();
      };
    });
    const running = streamHandler(checked)(buildEvent('function-url', { path: '/' }), client, {});
    await sawFirst;
    expect(counter.closes).toBe(0);
    release();
    await running;
    await finished(client);
    const { metadata, body } = client.parts();
    expect(metadata).toEqual({
      statusCode: 200,
      headers: { 'Content-Type': 'text/plain' },
      cookies: THREE_COOKIES,
    });
    expect(body.toString()).toBe('first\nsecond\n');
    expect(counter.closes).toBe(1);
    checked.assertClosed();
    expect(checked.violations).toEqual([]);
  });

  it('waits for the client to drain before pulling more (backpressure)', async () => {
    const counter = { closes: 0 };
    const chunk = Buffer.alloc(4096, 120);
    let pulled = 0;
    let maxAhead = 0;
    const client = new ClientStream(2);
    const app = appOf(async function* () {
      for (let i = 0; i < 20; i++) {
        pulled++;
        // Chunks the app produced that the client has not received yet (prelude excluded).
        maxAhead = Math.max(maxAhead, pulled - (client.chunks.length - 1));
        yield chunk;
      }
    }, counter);
    await streamHandler(app)(buildEvent('aws-v1', { path: '/' }), client, {});
    await finished(client);
    expect(client.parts().body.byteLength).toBe(20 * 4096);
    expect(maxAhead).toBeLessThanOrEqual(3);
    expect(counter.closes).toBe(1);
  });

  it('stops the app and runs close() once when the client goes away', async () => {
    const counter = { closes: 0 };
    let finallyRan = false;
    const client = new ClientStream();
    client.onChunk = (chunk) => {
      if (chunk.toString().startsWith('tick')) client.destroy();
    };
    const app = appOf(async function* () {
      try {
        for (let i = 0; ; i++) {
          yield `tick ${i}\n`;
          await new Promise((resolve) => setImmediate(resolve));
        }
      } finally {
        finallyRan = true;
      }
    }, counter);
    await streamHandler(app)(buildEvent('aws-v2', { path: '/' }), client, {});
    expect(finallyRan).toBe(true);
    expect(counter.closes).toBe(1);
  });

  it('stops the app when the client goes away while the app works on the next chunk', async () => {
    const counter = { closes: 0 };
    const client = new ClientStream();
    let produced = 0;
    const app = appOf(async function* () {
      for (;;) {
        produced++;
        yield 'slow chunk\n';
        // The client leaves while the app is busy, not while a write waits to drain.
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
    }, counter);
    setTimeout(() => client.destroy(), 10);
    await streamHandler(app)(buildEvent('function-url', { path: '/' }), client, {});
    expect(counter.closes).toBe(1);
    expect(produced).toBeLessThanOrEqual(2);
  });

  it('returns only once an async close() has finished, when the client goes during backpressure', async () => {
    const order: string[] = [];
    // A client that takes the first write and never drains.
    const client = new Writable({ highWaterMark: 1024, write: () => {} });
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
      const body = (async function* () {
        for (;;) yield new Uint8Array(4096);
      })() as AppIterable;
      body.close = async () => {
        order.push('close start');
        await new Promise((resolve) => setTimeout(resolve, 50));
        order.push('close done');
      };
      return body;
    };
    setTimeout(() => client.destroy(), 20);
    await streamHandler(app)(buildEvent('function-url', { path: '/' }), client as never, {});
    order.push('handler returned');
    expect(order).toEqual(['close start', 'close done', 'handler returned']);
  });

  it('stops waiting, and closes the app, when the client goes while a chunk never comes', async () => {
    let closes = 0;
    let sent = false;
    const client = new ClientStream();
    client.onChunk = () => {
      if (!sent) setTimeout(() => client.destroy(), 10);
      sent = true;
    };
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'text/event-stream']]);
      let first = true;
      return {
        [Symbol.asyncIterator]: () => ({
          next: () => {
            if (!first) return new Promise<IteratorResult<string>>(() => {});
            first = false;
            return Promise.resolve({ done: false, value: 'data: 1\n\n' });
          },
        }),
        close: () => void closes++,
      };
    };
    await streamHandler(app)(buildEvent('function-url', { path: '/' }), client, {});
    expect(sent).toBe(true);
    expect(closes).toBe(1);
  });

  it.each([
    ['a redirect without a body', 'GET', '302 Found', [['Location', '/next']], []],
    ['a 204', 'GET', '204 No Content', [], []],
    ['HEAD', 'HEAD', '200 OK', [['Content-Type', 'text/plain']], ['hello']],
    ['a body of empty chunks', 'GET', '201 Created', [['Content-Type', 'text/plain']], ['', '']],
  ] as const)(
    'sends the prelude for %s, which has no body to carry it',
    async (_what, method, status, headers, body) => {
      let closes = 0;
      const client = new ClientStream();
      const app: App = (_environ, startResponse) => {
        startResponse(
          status,
          headers.map(([n, v]): [string, string] => [n, v]),
        );
        return Object.assign([...body], { close: () => void closes++ });
      };
      await streamHandler(app)(buildEvent('function-url', { path: '/', method }), client, {});
      await finished(client);
      const { metadata, body: received } = client.parts();
      expect(metadata.statusCode).toBe(Number(status.slice(0, 3)));
      for (const [name, value] of headers) {
        expect((metadata.headers as Record<string, string>)[name]).toBe(value);
      }
      expect(received.byteLength).toBe(0);
      expect(closes).toBe(1);
    },
  );

  it.each(['HEAD', 'GET'])(
    '%s: a bodiless answer written to while the app works goes at once; the handler returns after close()',
    async (method) => {
      let closes = 0;
      let release!: () => void;
      const working = new Promise<void>((resolve) => {
        release = resolve;
      });
      const client = new ClientStream();
      const app: App = async (_environ, startResponse) => {
        const write = startResponse(method === 'HEAD' ? '200 OK' : '204 No Content', []);
        write('x');
        await working;
        return Object.assign([], { close: () => void closes++ });
      };
      let returned = false;
      const handled = streamHandler(app)(
        buildEvent('function-url', { path: '/', method }),
        client,
        {},
      );
      void handled.then(() => {
        returned = true;
      });
      await finished(client); // the answer is complete before the app is
      expect(client.parts().metadata.statusCode).toBe(method === 'HEAD' ? 200 : 204);
      expect([returned, closes]).toEqual([false, 0]);
      release();
      await handled;
      expect(closes).toBe(1);
    },
  );

  it('sends the bytes of a Uint8Array subclass as bytes', async () => {
    class Bytes extends Uint8Array {}
    const client = new ClientStream();
    const app: App = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
      return (async function* () {
        yield Bytes.from([1, 2, 3]);
        yield Bytes.from([0, 255]);
      })();
    };
    await streamHandler(app)(buildEvent('function-url', { path: '/' }), client, {});
    await finished(client);
    expect([...client.parts().body]).toEqual([1, 2, 3, 0, 255]);
  });

  it('closes the app when the client goes away before its first chunk', async () => {
    let closes = 0;
    const client = new ClientStream();
    const app = idleEventStream(() => closes++);
    setTimeout(() => client.destroy(), 10);
    await streamHandler(app)(buildEvent('function-url', { path: '/' }), client, {});
    expect(closes).toBe(1);
  });

  it('answers a 1xx status with a logged 500', async () => {
    const client = new ClientStream();
    const log = captureLog();
    await streamHandler((_environ, start) => {
      start('103 Early Hints', [['Link', '</style.css>; rel=preload']]);
      return [];
    }, log)(buildEvent('function-url', { path: '/early' }), client, {});
    await finished(client);
    const { metadata, body } = client.parts();
    expect(metadata.statusCode).toBe(500);
    expect(body.toString()).toBe('Internal Server Error\n');
    expect(log.lines.join('\n')).toMatch(/cannot be sent by Lambda: a 1xx status/);
  });

  it('aborts the stream when the app fails after the headers went out', async () => {
    const counter = { closes: 0 };
    const log = captureLog();
    const client = new ClientStream();
    const errored = new Promise<Error>((resolve) => client.once('error', resolve));
    const app = appOf(async function* () {
      yield 'partial';
      throw new Error('mid-body failure');
    }, counter);
    await streamHandler(app, log)(buildEvent('function-url', { path: '/' }), client, {});
    expect((await errored).message).toBe('mid-body failure');
    expect(counter.closes).toBe(1);
    expect(log.lines.join('\n')).toContain('mid-body failure');
  });

  it('answers an app error before the headers with a 500', async () => {
    const client = new ClientStream();
    const log = captureLog();
    await streamHandler(() => {
      throw new Error('early');
    }, log)(buildEvent('function-url', { path: '/' }), client, {});
    await finished(client);
    expect(client.parts().metadata.statusCode).toBe(500);
    expect(client.parts().body.toString()).toBe('Internal Server Error\n');
  });

  it('answers invalid base64 with 400 without calling the app', async () => {
    const event = buildEvent('function-url', { method: 'POST', path: '/' });
    event.body = '***';
    event.isBase64Encoded = true;
    let called = false;
    const client = new ClientStream();
    await streamHandler(() => {
      called = true;
      return [];
    }, captureLog())(event, client, {});
    await finished(client);
    expect(client.parts().metadata.statusCode).toBe(400);
    expect(called).toBe(false);
  });

  it('refuses ALB and Lambda@Edge events, which cannot stream', async () => {
    const handler = streamHandler(() => [], captureLog());
    await expect(handler(buildEvent('alb'), new ClientStream(), {})).rejects.toThrow(
      /ALB and Lambda@Edge need handler/,
    );
  });

  it('outside the Lambda runtime, says so when invoked', async () => {
    delete (globalThis as { awslambda?: unknown }).awslambda;
    const handler = streamHandler(() => []);
    await expect(handler(buildEvent('aws-v2'), new ClientStream(), {})).rejects.toThrow(
      /needs the awslambda global/,
    );
  });
});
