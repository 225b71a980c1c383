import { concatBytes, EMPTY, utf8 } from './bytes.js';
import { ProtocolError } from './errors.js';
import type { WsgiInput } from './types.js';

/** What a platform can hand over as a request body. */
export type InputSource =
  | Uint8Array
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array | string>
  | null
  | undefined;

type Pull = () => Promise<Uint8Array | null>;

function asBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return utf8(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new ProtocolError(`request body source produced a ${typeof value}, not bytes`);
}

function pullFrom(source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>): Pull {
  if (typeof (source as ReadableStream).getReader === 'function') {
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    return async () => {
      reader ??= (source as ReadableStream<Uint8Array>).getReader();
      const step = await reader.read();
      return step.done ? null : asBytes(step.value);
    };
  }
  let iterator: AsyncIterator<Uint8Array | string> | undefined;
  return async () => {
    iterator ??= (source as AsyncIterable<Uint8Array | string>)[Symbol.asyncIterator]();
    const step = await iterator.next();
    return step.done ? null : asBytes(step.value);
  };
}

/**
 * `wsgi.input` over a body that is already in memory or still arriving. Reads never go past
 * `contentLength` (when given), so a client cannot make the app read more than it announced.
 */
class BodyInput implements WsgiInput {
  /** Bytes already pulled from the source and not yet read. */
  #head: Uint8Array;
  /** How many more bytes the source may deliver. */
  #remaining: number;
  #pull: Pull | null;

  constructor(source: InputSource, limit: number) {
    this.#remaining = limit;
    this.#head = EMPTY;
    this.#pull = null;
    if (source instanceof Uint8Array) {
      this.#head = source.byteLength > limit ? source.subarray(0, limit) : source;
      this.#remaining = 0;
    } else if (source != null) {
      this.#pull = pullFrom(source);
    }
  }

  async #next(): Promise<Uint8Array | null> {
    while (this.#pull !== null && this.#remaining > 0) {
      const chunk = await this.#pull();
      if (chunk === null) break;
      if (chunk.byteLength === 0) continue;
      const piece = chunk.byteLength > this.#remaining ? chunk.subarray(0, this.#remaining) : chunk;
      this.#remaining -= piece.byteLength;
      return piece;
    }
    this.#pull = null;
    return null;
  }

  async read(size?: number): Promise<Uint8Array> {
    const all = size === undefined || size === null || size < 0 || !Number.isFinite(size);
    const want = all ? Number.POSITIVE_INFINITY : Math.floor(size);
    if (want === 0) return EMPTY;
    const parts: Uint8Array[] = [];
    let have = this.#head.byteLength;
    if (have > 0) parts.push(this.#head);
    while (have < want) {
      const chunk = await this.#next();
      if (chunk === null) break;
      parts.push(chunk);
      have += chunk.byteLength;
    }
    const joined = concatBytes(parts, have);
    if (all || joined.byteLength <= want) {
      this.#head = EMPTY;
      return joined;
    }
    this.#head = joined.subarray(want);
    return joined.subarray(0, want);
  }

  async readline(limit?: number): Promise<Uint8Array> {
    const max =
      limit === undefined || limit === null || limit < 0 ? Number.POSITIVE_INFINITY : limit;
    if (max === 0) return EMPTY;
    const parts: Uint8Array[] = [];
    let have = 0;
    let chunk = this.#head;
    this.#head = EMPTY;
    for (;;) {
      if (chunk.byteLength === 0) {
        const next = await this.#next();
        if (next === null) break;
        chunk = next;
      }
      const newline = chunk.indexOf(10);
      const take = Math.min(newline === -1 ? chunk.byteLength : newline + 1, max - have);
      parts.push(chunk.subarray(0, take));
      have += take;
      if (take < chunk.byteLength || newline === take - 1 || have >= max) {
        this.#head = chunk.subarray(take);
        break;
      }
      chunk = EMPTY;
    }
    return concatBytes(parts, have);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.#head.byteLength > 0) {
      const head = this.#head;
      this.#head = EMPTY;
      yield head;
    }
    for (let chunk = await this.#next(); chunk !== null; chunk = await this.#next()) {
      yield chunk;
    }
  }
}

/**
 * Builds `wsgi.input` from a Uint8Array, a ReadableStream or an async iterable of bytes.
 * With `contentLength`, reads stop there even if the source has more.
 *
 * @example
 * ```ts
 * const input = createInput(request.body, Number(request.headers.get('content-length')));
 * const firstLine = await input.readline();
 * ```
 */
export function createInput(source: InputSource, contentLength?: number): WsgiInput {
  const limit =
    contentLength === undefined || !Number.isFinite(contentLength) || contentLength < 0
      ? Number.POSITIVE_INFINITY
      : contentLength;
  return new BodyInput(source, limit);
}

/** An input with no body. */
export function emptyInput(): WsgiInput {
  return new BodyInput(EMPTY, 0);
}
