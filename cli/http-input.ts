/**
 * The curl-like request options shared by `tsgi request` and `tsgi event`: `-H 'Name: value'`
 * and `-d data|@file|@-`.
 */
import { readFileSync } from 'node:fs';
import { type Header, isToken } from '../src/index.js';
import { fileProblem, UsageError } from './errors.js';

/** `-H 'Name: value'` options as header pairs, in order, repeats kept. */
export function parseHeaderOptions(values: string[] | undefined): Header[] {
  return (values ?? []).map((value) => {
    const colon = value.indexOf(':');
    const name = colon === -1 ? '' : value.slice(0, colon).trim();
    if (!isToken(name) || /[\r\n\0]/.test(value)) {
      throw new UsageError(`-H "${value}" is not a header; write it as -H 'Name: value'`);
    }
    return [name, value.slice(colon + 1).trim()];
  });
}

/** Reads a file or, for `-`, all of stdin; a failure is a usage error naming the file. */
export function readInput(file: string, what: string): Buffer {
  try {
    return readFileSync(file === '-' ? 0 : file);
  } catch (error) {
    throw new UsageError(
      `cannot read ${what} ${file === '-' ? 'from stdin' : file}: ${fileProblem(error)}`,
    );
  }
}

/** `-d` as bytes: the text itself, `@file` for a file's bytes, `@-` for stdin. Byte for byte. */
export function parseDataOption(value: string | undefined): Uint8Array | undefined {
  if (value === undefined) return undefined;
  if (value.startsWith('@')) return readInput(value.slice(1), 'data');
  return new TextEncoder().encode(value);
}

/** The headers plus curl's default Content-Type for `-d` when none was given. */
export function withDefaultContentType(headers: Header[], body: Uint8Array | undefined): Header[] {
  if (body === undefined || headers.some(([name]) => name.toLowerCase() === 'content-type')) {
    return headers;
  }
  return [...headers, ['Content-Type', 'application/x-www-form-urlencoded']];
}
