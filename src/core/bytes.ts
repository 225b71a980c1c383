/** Byte helpers that work on every runtime (no Node Buffer in the core). */

const encoder = new TextEncoder();
// The decoders are made on first use: the first TextDecoder loads the runtime's encoding support,
// a cost a cold start need not pay when the first request has only ASCII to decode.
let lenient: TextDecoder | undefined;
let strict: TextDecoder | undefined;

export const EMPTY = new Uint8Array(0);

/** A string as UTF-8 bytes. */
export function utf8(text: string): Uint8Array {
  const length = text.length;
  // Short ASCII strings (status bodies, small JSON) are the hot case; a JS loop beats the
  // native encoder's call overhead there.
  if (length <= 64) {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0x7f) return encoder.encode(text);
      out[i] = code;
    }
    return out;
  }
  return encoder.encode(text);
}

/**
 * The byte length of a string's UTF-8 form ({@link utf8}'s, a lone surrogate counted as U+FFFD),
 * without keeping the bytes: a Content-Length for a body that is sent as the string itself.
 */
export function utf8Length(text: string): number {
  const length = text.length;
  // Past a few KiB the native encoder is faster than this loop, even counting the allocation.
  if (length > 4096) return encoder.encode(text).byteLength;
  let bytes = length;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code <= 0xdbff && code >= 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a surrogate pair: 4 bytes for 2 units
      i++;
    } else bytes += 2; // 3 bytes: the rest of the BMP, or a lone surrogate as U+FFFD
  }
  return bytes;
}

/** UTF-8 bytes as a string; invalid sequences become U+FFFD. */
export function fromUtf8(bytes: Uint8Array): string {
  lenient ??= new TextDecoder();
  return lenient.decode(bytes);
}

/**
 * UTF-8 bytes as a string, or a TypeError when they are not valid UTF-8. A byte-order mark is
 * kept: in a body or a path it is content, not a signature.
 */
export function strictUtf8(bytes: Uint8Array): string {
  strict ??= new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  return strict.decode(bytes);
}

/**
 * The bytes as a string when they are valid UTF-8, else `undefined` (a byte-order mark is kept:
 * it is part of the body). Short ASCII bodies skip the native decoder's call overhead.
 */
export function utf8Text(bytes: Uint8Array): string | undefined {
  const length = bytes.byteLength;
  if (length <= 64) {
    let ascii = true;
    for (let i = 0; i < length; i++) {
      if (bytes[i]! > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  try {
    return strictUtf8(bytes);
  } catch {
    return undefined;
  }
}

/** True when the bytes are valid UTF-8 (so they survive a trip through a JSON string). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Joins byte chunks into one array; one chunk is returned as it is, without a copy. */
export function concatBytes(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  if (chunks.length === 0) return EMPTY;
  let size = total ?? 0;
  if (total === undefined) for (const chunk of chunks) size += chunk.byteLength;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * A ReadableStream as an async generator of its chunks. Stopping early cancels the stream, so a
 * file or a fetch body behind it is released.
 */
export async function* streamChunks(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const step = await reader.read();
      if (step.done) {
        done = true;
        return;
      }
      yield step.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
