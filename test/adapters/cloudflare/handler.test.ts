import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { fetchHandler } from '../../../adapters/cloudflare/index.js';
import type { App, Environ } from '../../../src/index.js';
import { describeFetchAdapter } from './behaviours.js';

describeFetchAdapter("Node's fetch Request/Response");

// A real collector, so memory figures measure what is held, not what is merely uncollected.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const MiB = 1_048_576;

/** A request body of `total` bytes made of fresh 64 KiB chunks, produced only when pulled. */
function uploadRequest(total: number): Request {
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      const size = Math.min(65_536, total - sent);
      controller.enqueue(new Uint8Array(size).fill(sent & 255));
      sent += size;
    },
  });
  return new Request('http://127.0.0.1/upload', {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(total) },
    body,
    duplex: 'half',
  } as RequestInit);
}

/** Reads the upload (in chunks or all at once) and reports the peak memory held meanwhile. */
async function measureUpload(mode: 'chunks' | 'all'): Promise<{ read: number; peak: number }> {
  let read = 0;
  let peak = 0;
  gc();
  const base = process.memoryUsage().arrayBuffers;
  const sample = () => {
    gc();
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
  };
  const app: App = async (environ: Environ, startResponse) => {
    const input = environ['wsgi.input'];
    if (mode === 'all') {
      const all = await input.read();
      read = all.byteLength;
      sample();
    } else {
      let nextSample = 0;
      for (let chunk = await input.read(65_536); chunk.byteLength > 0; ) {
        read += chunk.byteLength;
        if (read >= nextSample) {
          sample();
          nextSample += 5 * MiB;
        }
        chunk = await input.read(65_536);
      }
    }
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return [String(read)];
  };
  const res = await fetchHandler(app)(uploadRequest(50 * MiB));
  expect(await res.text()).toBe(String(50 * MiB));
  return { read, peak };
}

describe("fetch adapter on Node's fetch: figures", () => {
  it('streams a 50 MB upload: reading in chunks holds a few MiB, reading it all holds 50', async () => {
    const chunked = await measureUpload('chunks');
    const whole = await measureUpload('all');
    console.info(
      `50 MiB upload: peak ${(chunked.peak / MiB).toFixed(1)} MiB held reading 64 KiB chunks, ` +
        `${(whole.peak / MiB).toFixed(1)} MiB reading it all at once`,
    );
    expect(chunked.read).toBe(50 * MiB);
    expect(chunked.peak).toBeLessThan(10 * MiB);
    // The control shows the measurement would see the body if the adapter buffered it.
    expect(whole.peak).toBeGreaterThan(45 * MiB);
  });

  it('sends the first chunk of a slow generator long before the app finishes', async () => {
    const delay = 1_000;
    let finishedAt = 0;
    const app = async function* (_environ: Environ, startResponse: Parameters<App>[1]) {
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      for (let i = 0; i < 3; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        yield `chunk ${i}\n`;
      }
      finishedAt = performance.now();
    } as unknown as App;
    const start = performance.now();
    const res = await fetchHandler(app)(new Request('http://127.0.0.1/stream'));
    const reader = res.body!.getReader();
    await reader.read();
    const firstByte = performance.now() - start;
    while (!(await reader.read()).done) {}
    const total = finishedAt - start;
    console.info(
      `slow generator: first chunk after ${firstByte.toFixed(1)} ms, app done after ${total.toFixed(0)} ms`,
    );
    expect(finishedAt).toBeGreaterThan(0);
    // 2 s of app time against a first byte that needs no waiting: a margin for a loaded machine.
    expect(firstByte).toBeLessThan(delay);
    expect(total).toBeGreaterThanOrEqual(2 * delay - 50);
  });
});
