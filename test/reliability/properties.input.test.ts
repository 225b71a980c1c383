/**
 * Property: `wsgi.input` behaves like a file over the body's first CONTENT_LENGTH bytes, however
 * the platform cuts the body into chunks and whatever mix of read(n), readline(limit), read() and
 * async iteration the app uses. Checked against a reference model: a plain array and an offset.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createInput } from '../../src/index.js';
import { RUNS, TIMEOUT } from './_model.js';

type Op =
  | { kind: 'read'; size: number | undefined }
  | { kind: 'readline'; limit: number | undefined }
  | { kind: 'iterate' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('read' as const),
    size: fc.option(fc.nat(40), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant('readline' as const),
    limit: fc.option(fc.nat(40), { nil: undefined }),
  }),
  fc.record({ kind: fc.constant('iterate' as const) }),
);

/** Bytes with plenty of newlines, so readline has lines to find. */
const body = fc
  .uint8Array({ maxLength: 300 })
  .map((bytes) => bytes.map((b) => (b % 7 === 0 ? 10 : b)));

/** The reference: what each call returns, reading a plain array from an offset. */
function reference(data: Uint8Array, ops: Op[]): Uint8Array[] {
  let at = 0;
  const out: Uint8Array[] = [];
  for (const o of ops) {
    if (o.kind === 'read') {
      const end = o.size === undefined ? data.length : Math.min(data.length, at + o.size);
      out.push(data.slice(at, end));
      at = end;
    } else if (o.kind === 'readline') {
      const newline = data.indexOf(10, at);
      let end = newline === -1 ? data.length : newline + 1;
      if (o.limit !== undefined) end = Math.min(end, at + o.limit);
      out.push(data.slice(at, end));
      at = end;
    } else {
      out.push(data.slice(at)); // iteration's chunks, joined, are the rest (compared as a whole)
      at = data.length;
    }
  }
  return out;
}

async function actual(
  chunks: Uint8Array[],
  declared: number | undefined,
  ops: Op[],
): Promise<Uint8Array[]> {
  async function* source() {
    for (const chunk of chunks) yield chunk;
  }
  const input = createInput(source(), declared);
  const out: Uint8Array[] = [];
  for (const o of ops) {
    if (o.kind === 'read') out.push(await input.read(o.size));
    else if (o.kind === 'readline') out.push(await input.readline(o.limit));
    else {
      const parts: number[] = [];
      for await (const chunk of input) parts.push(...chunk);
      out.push(new Uint8Array(parts));
    }
  }
  return out;
}

describe('wsgi.input, generated bodies, chunkings and read sequences', () => {
  it(`matches a file over the first CONTENT_LENGTH bytes (${RUNS} runs)`, {
    timeout: TIMEOUT,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.array(fc.nat(300), { maxLength: 6 }),
        fc.option(fc.nat(320), { nil: undefined }),
        fc.array(op, { maxLength: 12 }),
        async (data, cutPoints, declared, ops) => {
          const cuts = [...new Set(cutPoints.map((c) => c % (data.length + 1)))].sort(
            (a, b) => a - b,
          );
          const chunks: Uint8Array[] = [];
          let start = 0;
          for (const cut of [...cuts, data.length]) {
            chunks.push(data.slice(start, cut));
            start = cut;
          }
          // The app never sees more than CONTENT_LENGTH, even when the platform sends more.
          const visible = declared === undefined ? data : data.slice(0, declared);
          const got = await actual(chunks, declared, ops);
          expect(got.map((b) => [...b])).toEqual(reference(visible, ops).map((b) => [...b]));
        },
      ),
      { numRuns: RUNS },
    );
  });
});
