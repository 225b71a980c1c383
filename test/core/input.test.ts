import { describe, expect, it } from 'vitest';
import { createInput, fromUtf8, utf8 } from '../../src/index.js';

const text = (bytes: Uint8Array) => fromUtf8(bytes);

async function* chunks(...parts: string[]) {
  for (const part of parts) yield utf8(part);
}

function stream(...parts: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(utf8(part));
      controller.close();
    },
  });
}

const sources = {
  'a Uint8Array': () => utf8('line one\nline two\nend'),
  'a ReadableStream': () => stream('line ', 'one\nli', 'ne two\ne', 'nd'),
  'an async iterable': () => chunks('line one\n', 'line two\nend'),
};

describe('wsgi.input', () => {
  for (const [name, make] of Object.entries(sources)) {
    describe(`from ${name}`, () => {
      it('read() with no size reads to the end', async () => {
        expect(text(await createInput(make()).read())).toBe('line one\nline two\nend');
      });

      it('read(size) returns exactly size bytes until the end', async () => {
        const input = createInput(make());
        expect(text(await input.read(4))).toBe('line');
        expect(text(await input.read(6))).toBe(' one\nl');
        expect(text(await input.read(100))).toBe('ine two\nend');
        expect((await input.read(5)).byteLength).toBe(0);
      });

      it('readline() reads one line at a time, including the newline', async () => {
        const input = createInput(make());
        expect(text(await input.readline())).toBe('line one\n');
        expect(text(await input.readline())).toBe('line two\n');
        expect(text(await input.readline())).toBe('end');
        expect((await input.readline()).byteLength).toBe(0);
      });

      it('readline(limit) stops at the limit', async () => {
        const input = createInput(make());
        expect(text(await input.readline(3))).toBe('lin');
        expect(text(await input.readline())).toBe('e one\n');
      });

      it('async iteration yields byte chunks, not lines', async () => {
        const input = createInput(make());
        await input.read(2);
        let all = '';
        for await (const chunk of input) {
          expect(chunk).toBeInstanceOf(Uint8Array);
          all += text(chunk);
        }
        expect(all).toBe('ne one\nline two\nend');
      });

      it('never reads past CONTENT_LENGTH', async () => {
        const input = createInput(make(), 7);
        expect(text(await input.read())).toBe('line on');
        expect((await input.read()).byteLength).toBe(0);
        const iterated = createInput(make(), 12);
        let all = '';
        for await (const chunk of iterated) all += text(chunk);
        expect(all).toBe('line one\nlin');
        const lines = createInput(make(), 10);
        expect(text(await lines.readline())).toBe('line one\n');
        expect(text(await lines.readline())).toBe('l');
      });
    });
  }

  it('an empty or missing body reads as empty', async () => {
    expect((await createInput(null).read()).byteLength).toBe(0);
    expect((await createInput(undefined).readline()).byteLength).toBe(0);
    expect((await createInput(new Uint8Array(0), 0).read(10)).byteLength).toBe(0);
  });

  it('read() of a Uint8Array body hands back the same bytes without a copy', async () => {
    const body = utf8('abc');
    expect(await createInput(body).read()).toBe(body);
  });

  it('a source that yields something other than bytes is a clear error', async () => {
    async function* bad() {
      yield 42 as unknown as Uint8Array;
    }
    await expect(createInput(bad()).read()).rejects.toThrow(/not bytes/);
  });

  it('streams: the first chunk is readable before the source ends', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    async function* slow() {
      yield utf8('first');
      await gate;
      yield utf8('second');
    }
    const input = createInput(slow());
    const iterator = input[Symbol.asyncIterator]();
    expect(text((await iterator.next()).value)).toBe('first');
    release();
    expect(text((await iterator.next()).value)).toBe('second');
  });
});
