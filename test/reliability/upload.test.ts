/**
 * A 50 MiB upload streamed through the Node and fetch adapters: the app hashes `wsgi.input` as
 * it arrives, every byte arrives in order, and memory stays far below the size of the body
 * (the figures go to docs/reliability.md; TSGI_PRINT_FIGURES=1 prints them).
 */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchHandler } from '../../adapters/cloudflare/index.js';
import { type ServerHandle, serve } from '../../adapters/node/index.js';
import type { App } from '../../src/index.js';

const BLOCK = new Uint8Array(64 * 1024).map((_, i) => (i * 31 + 7) & 255);
const BLOCKS = 800; // 800 × 64 KiB = 50 MiB
const SIZE = BLOCK.byteLength * BLOCKS;
const EXPECTED = (() => {
  const hash = createHash('sha256');
  for (let i = 0; i < BLOCKS; i++) hash.update(BLOCK);
  return hash.digest('hex');
})();

// A forced collection now and then separates live memory from garbage not yet collected.
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** JS-held memory: the heap and every ArrayBuffer (Node's Buffers live there). */
function held(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** The most live memory seen above `base` (sampled after a GC every ~3 MiB), in MiB. */
let base = 0;
let peakLive = 0;

/** Hashes the body as it streams in; never holds more than one chunk. */
const hasher: App = async (environ, startResponse) => {
  const hash = createHash('sha256');
  let bytes = 0;
  let largest = 0;
  let chunks = 0;
  for await (const chunk of environ['wsgi.input']) {
    hash.update(chunk);
    bytes += chunk.byteLength;
    largest = Math.max(largest, chunk.byteLength);
    if (++chunks % 48 === 0) {
      gc();
      peakLive = Math.max(peakLive, (held() - base) / 2 ** 20);
    }
  }
  startResponse('200 OK', [['Content-Type', 'application/json']]);
  return [JSON.stringify({ bytes, sha256: hash.digest('hex'), largest })];
};

/** Peak RSS growth and peak live JS memory growth while `fn` runs, in MiB. */
async function measured<T>(fn: () => Promise<T>): Promise<[T, { rss: number; live: number }]> {
  gc();
  base = held();
  peakLive = 0;
  const startRss = process.memoryUsage().rss;
  let peakRss = startRss;
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 5);
  try {
    const result = await fn();
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    return [result, { rss: (peakRss - startRss) / 2 ** 20, live: peakLive }];
  } finally {
    clearInterval(timer);
  }
}

const figures: string[] = [];
afterAll(() => {
  if (process.env.TSGI_PRINT_FIGURES) console.log(figures.join('\n'));
});

describe('a 50 MiB upload through the Node adapter', () => {
  let server: ServerHandle;
  beforeAll(async () => {
    server = await serve(hasher, { host: '127.0.0.1', port: 0, maxBodySize: 64 * 2 ** 20 });
  });
  afterAll(async () => {
    await server?.close();
  });

  function upload(chunked: boolean): Promise<{ bytes: number; sha256: string; largest: number }> {
    return new Promise((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: '/upload',
        agent: false,
        headers: chunked
          ? { 'Content-Type': 'application/octet-stream' }
          : { 'Content-Type': 'application/octet-stream', 'Content-Length': String(SIZE) },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk;
        });
        res.on('end', () => resolve(JSON.parse(text)));
      });
      let sent = 0;
      const pump = () => {
        while (sent < BLOCKS) {
          sent++;
          if (!req.write(BLOCK)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
  }

  it.each([
    ['with Content-Length', false],
    ['chunked', true],
  ])(
    '%s: every byte arrives in order, memory stays flat',
    { timeout: 120_000 },
    async (label, chunked) => {
      const [result, memory] = await measured(() => upload(chunked as boolean));
      figures.push(
        `node ${label}: ${result.bytes} bytes, largest chunk ${result.largest}, peak RSS +${memory.rss.toFixed(1)} MiB, peak live heap+buffers +${memory.live.toFixed(1)} MiB`,
      );
      expect(result.bytes).toBe(SIZE);
      expect(result.sha256).toBe(EXPECTED);
      // Buffering the body would cost at least its 50 MiB; streaming costs a few chunks.
      expect(memory.live).toBeLessThan(16);
    },
  );
});

describe('a 50 MiB upload through the fetch adapter', () => {
  it('every byte arrives in order, memory stays flat', { timeout: 120_000 }, async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (sent++ < BLOCKS) controller.enqueue(BLOCK);
          else controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const [result, memory] = await measured(async () => {
      const response = await fetchHandler(hasher)(
        new Request('https://example.test/upload', {
          method: 'POST',
          headers: { 'Content-Length': String(SIZE) },
          body,
          duplex: 'half',
        } as RequestInit),
      );
      return (await response.json()) as { bytes: number; sha256: string; largest: number };
    });
    figures.push(
      `fetch: ${result.bytes} bytes, largest chunk ${result.largest}, peak RSS +${memory.rss.toFixed(1)} MiB, peak live heap+buffers +${memory.live.toFixed(1)} MiB`,
    );
    expect(result.bytes).toBe(SIZE);
    expect(result.sha256).toBe(EXPECTED);
    expect(memory.live).toBeLessThan(16);
  });
});

describe('the memory figure itself', () => {
  it('sees a body that is buffered (the control: an app that reads it all at once)', {
    timeout: 120_000,
  }, async () => {
    const buffering: App = async (environ, startResponse) => {
      const all = await environ['wsgi.input'].read();
      gc();
      peakLive = Math.max(peakLive, (held() - base) / 2 ** 20);
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [String(all.byteLength)];
    };
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < BLOCKS) controller.enqueue(BLOCK);
        else controller.close();
      },
    });
    const [text, memory] = await measured(async () => {
      const response = await fetchHandler(buffering)(
        new Request('https://example.test/upload', {
          method: 'POST',
          body,
          duplex: 'half',
        } as RequestInit),
      );
      return response.text();
    });
    figures.push(
      `fetch, buffering app (control): peak live heap+buffers +${memory.live.toFixed(1)} MiB`,
    );
    expect(text).toBe(String(SIZE));
    expect(memory.live).toBeGreaterThan(40);
  });
});
