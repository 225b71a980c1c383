import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { whenClosed, whenWritable } from '../../src/index.js';

/** A writable that holds every write until `release` is called. */
function slowWritable() {
  let pending: (() => void) | undefined;
  const stream = new Writable({
    highWaterMark: 4,
    write(_chunk, _encoding, callback) {
      pending = callback;
    },
  });
  return { stream, release: () => pending?.() };
}

describe('whenWritable and whenClosed', () => {
  it('whenWritable resolves on drain, and at once for a destroyed stream', async () => {
    const { stream, release } = slowWritable();
    expect(stream.write('12345')).toBe(false);
    let ready = false;
    const waiting = whenWritable(stream).then(() => {
      ready = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(ready).toBe(false);
    release();
    await waiting;
    expect(ready).toBe(true);
    stream.destroy();
    await whenWritable(stream);
  });

  it('whenWritable resolves when the stream closes instead of draining', async () => {
    const { stream } = slowWritable();
    stream.write('12345');
    const waiting = whenWritable(stream);
    stream.destroy();
    await waiting;
    expect(stream.listenerCount('drain')).toBe(0);
  });

  it('whenClosed resolves on close, and at once when the stream is already gone', async () => {
    const { stream } = slowWritable();
    let closed = false;
    const waiting = whenClosed(stream).then(() => {
      closed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    stream.destroy();
    await waiting;
    expect(closed).toBe(true);
    await whenClosed(stream);
  });
});
