/**
 * The bytes the apps serve. Made on first use, so importing a candidate (cold start) does not pay
 * for a 1 MiB buffer it never sends.
 */

let binary: Uint8Array | undefined;

/** 1 MiB of pseudo-random bytes (xorshift32): every byte value, and not valid UTF-8. */
export function binaryPayload(): Uint8Array {
  if (binary === undefined) {
    const bytes = new Uint8Array(1024 * 1024);
    let x = 2463534242;
    for (let i = 0; i < bytes.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      bytes[i] = x & 0xff;
    }
    binary = bytes;
  }
  return binary;
}

export const HELLO = 'Hello, world!';
