import type { WsgiErrors } from './types.js';

/**
 * Raised when an app, or a server, breaks the tsgi contract. The message names the broken rule.
 *
 * @example
 * ```ts
 * try { startResponse('200', []); } catch (e) { e instanceof ProtocolError; } // true
 * ```
 */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/**
 * A `wsgi.errors` stream that hands each complete line to `sink` (the platform's log).
 * Text without a trailing newline waits for the next write or `flush()`.
 *
 * @example
 * ```ts
 * const errors = errorStream((line) => console.error(line));
 * errors.write('something went wrong\n');
 * ```
 */
export function errorStream(sink: (line: string) => void): WsgiErrors {
  // Closures, not methods: like Python's bound methods, `errors.write` works passed on alone.
  let pending = '';
  return {
    write(text: string) {
      const all = pending + String(text);
      const end = all.lastIndexOf('\n');
      if (end === -1) {
        pending = all;
        return;
      }
      pending = all.slice(end + 1); // before the sink, which may throw: a line goes out once
      sink(all.slice(0, end));
    },
    flush() {
      if (pending === '') return;
      const line = pending;
      pending = '';
      sink(line);
    },
  };
}

/** A `wsgi.errors` stream writing to `console.error`, the log on Lambda, Workers and Node. */
export function consoleErrors(): WsgiErrors {
  return errorStream((line) => console.error(line));
}

/** Formats a thrown value for a log: the stack where there is one. */
export function describeError(error: unknown): string {
  // Anything can be thrown, including values that throw when looked at (a revoked Proxy, an
  // object with no prototype): describing it must never fail in turn.
  try {
    if (error instanceof Error) return String(error.stack ?? `${error.name}: ${error.message}`);
    return `non-Error value thrown: ${typeof error === 'string' ? error : JSON.stringify(error)}`;
  } catch {
    try {
      return `non-Error value thrown: ${String(error)}`;
    } catch {
      return `non-Error value thrown: a ${typeof error} that cannot be shown`;
    }
  }
}
