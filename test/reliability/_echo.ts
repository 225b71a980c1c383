/**
 * The echo app of the property tests: it records what it saw (environ's strings and the body it
 * read) and answers with that body, cut into chunks, and one Set-Cookie per request cookie.
 */
import {
  type App,
  type Chunk,
  concatBytes,
  type Environ,
  type WsgiInput,
} from '../../src/index.js';
import { lint } from '../../src/middleware/index.js';
import { expectedSetCookies, type Model, type ReadStyle } from './_model.js';

export interface Seen {
  environ: Record<string, string>;
  body: Uint8Array;
  /** The bytes the app produced as its response body. */
  produced: Uint8Array;
}

async function readBody(input: WsgiInput, style: ReadStyle): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  if (style === 'read') return input.read();
  if (style === 'chunks') {
    for await (const chunk of input) parts.push(chunk);
    return concatBytes(parts);
  }
  for (;;) {
    const part = style === 'fixed' ? await input.read(7) : await input.readline();
    if (part.byteLength === 0) return concatBytes(parts);
    parts.push(part);
  }
}

function snapshot(environ: Environ): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(environ))
    if (typeof value === 'string') out[key] = value;
  return out;
}

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A chunk as a string when it is valid UTF-8 (a BOM kept), so it encodes back to the same bytes. */
function asString(bytes: Uint8Array): Chunk {
  try {
    return strict.decode(bytes);
  } catch {
    return bytes;
  }
}

/** Cuts `bytes` at the model's fractions; every other chunk goes as a string where it can. */
function chunksOf(bytes: Uint8Array, cuts: number[]): Chunk[] {
  const points = [...new Set(cuts.map((f) => Math.floor(f * bytes.byteLength)))].sort(
    (a, b) => a - b,
  );
  const chunks: Chunk[] = [];
  let start = 0;
  for (const point of [...points, bytes.byteLength]) {
    const piece = bytes.subarray(start, point);
    chunks.push(chunks.length % 2 === 1 ? asString(piece) : piece);
    start = point;
  }
  return chunks;
}

/**
 * A linted echo app for one generated request. `seen` is filled when the app has read the body;
 * `closed` counts close() calls.
 */
export function echoApp(m: Model) {
  const state: { seen?: Seen; closed: number } = { closed: 0 };
  const app: App = async (environ, startResponse) => {
    const body = await readBody(environ['wsgi.input'], m.readStyle);
    state.seen = { environ: snapshot(environ), body, produced: body };
    startResponse('200 OK', [
      ['Content-Type', environ.CONTENT_TYPE || 'application/octet-stream'],
      ...expectedSetCookies(m).map((value): [string, string] => ['Set-Cookie', value]),
    ]);
    const chunks = chunksOf(body, m.cuts);
    async function* generate() {
      for (const chunk of chunks) yield chunk;
    }
    const iterable = generate();
    return Object.assign(iterable, {
      close() {
        state.closed++;
      },
    });
  };
  return { app: lint(app), state };
}
