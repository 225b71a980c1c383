/**
 * Header collections for the wrappers. Named HeaderList and RequestHeaders so they never clash
 * with the global fetch `Headers`.
 */
import { headerKey } from '../core/environ.js';
import { isFieldValue, isToken } from '../core/headers.js';
import type { Environ, Header } from '../core/types.js';

/** Header input: a record (arrays become repeats), pairs, or a fetch `Headers`. */
export type HeadersInit =
  | Record<string, string | readonly string[] | undefined>
  | Iterable<readonly [string, string]>
  | HeaderList;

/** Names already found to be tokens: a response sets the same few names over and over. */
const KNOWN_NAMES = new Set<string>();

function checked(name: string, value: string): Header {
  if (!KNOWN_NAMES.has(name)) {
    if (!isToken(name)) throw new TypeError(`header name ${JSON.stringify(name)} is not a token`);
    if (KNOWN_NAMES.size < 500) KNOWN_NAMES.add(name);
  }
  const text = typeof value === 'string' ? value : String(value);
  if (!isFieldValue(text)) {
    throw new TypeError(
      `header ${name} has a character no server can send in its value (CR, LF or NUL, another control character, or one above U+00FF)`,
    );
  }
  return [name, text];
}

/**
 * A response's headers: an ordered list of `[name, value]` pairs with case-insensitive lookup.
 * Repeats stay separate (each Set-Cookie is its own pair). Names and values are checked when
 * set, so a bad header fails where it is written, not later in the server.
 *
 * @example
 * ```ts
 * const headers = new HeaderList({ 'Content-Type': 'text/plain' });
 * headers.add('Set-Cookie', 'a=1');
 * headers.add('Set-Cookie', 'b=2');
 * headers.getAll('set-cookie'); // ['a=1', 'b=2']
 * ```
 */
export class HeaderList implements Iterable<Header> {
  /** The pairs, in order. Prefer the methods, which check what they store. */
  readonly list: Header[] = [];

  constructor(init?: HeadersInit) {
    if (init === undefined) return;
    if (init instanceof HeaderList) {
      for (const [name, value] of init.list) this.list.push([name, value]);
    } else if (Symbol.iterator in init) {
      for (const [name, value] of init as Iterable<readonly [string, string]>)
        this.add(name, value);
    } else {
      for (const [name, value] of Object.entries(init)) {
        if (value === undefined) continue;
        if (typeof value === 'string') this.add(name, value);
        else for (const item of value) this.add(name, item);
      }
    }
  }

  /** The first value of `name`, or undefined. */
  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    for (const [key, value] of this.list) {
      if (key.length === lower.length && key.toLowerCase() === lower) return value;
    }
    return undefined;
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    const out: string[] = [];
    for (const [key, value] of this.list) if (key.toLowerCase() === lower) out.push(value);
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Adds a pair, keeping any existing ones (use for Set-Cookie, Link, Vary...). */
  add(name: string, value: string): this {
    this.list.push(checked(name, value));
    return this;
  }

  /** Replaces every pair of `name` with one, in the place of the first. */
  set(name: string, value: string): this {
    const pair = checked(name, value);
    const lower = name.toLowerCase();
    const index = this.list.findIndex(([key]) => key.toLowerCase() === lower);
    if (index === -1) {
      this.list.push(pair);
      return this;
    }
    this.list[index] = pair;
    this.delete(name, index + 1);
    return this;
  }

  /** Adds the pair only when `name` is absent. */
  setDefault(name: string, value: string): this {
    if (!this.has(name)) this.add(name, value);
    return this;
  }

  /** Removes every pair of `name` (from index `from` on). */
  delete(name: string, from = 0): this {
    const lower = name.toLowerCase();
    for (let i = this.list.length - 1; i >= from; i--) {
      if (this.list[i]![0].toLowerCase() === lower) this.list.splice(i, 1);
    }
    return this;
  }

  get size(): number {
    return this.list.length;
  }

  [Symbol.iterator](): IterableIterator<Header> {
    return this.list[Symbol.iterator]();
  }

  /** A copy of the pairs, ready for `startResponse`. */
  toList(): Header[] {
    return this.list.map(([name, value]) => [name, value]);
  }
}

/** `HTTP_ACCEPT_LANGUAGE` → `Accept-Language`. */
function headerName(key: string): string {
  return key
    .toLowerCase()
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('-');
}

/** Splits a comma-separated header list, keeping commas inside quoted strings. */
function splitList(value: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if (char === '"' && value[i - 1] !== '\\') quoted = !quoted;
    if (char === ',' && !quoted) {
      if (current.trim() !== '') out.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

/**
 * A request's headers, read from environ on demand (case-insensitive). Servers join a repeated
 * header with `, ` (SPEC §2), as fetch's `Headers.get` does; `getAll` splits such a list again.
 *
 * @example
 * ```ts
 * request.headers.get('accept-language'); // 'en, fr;q=0.8'
 * request.headers.getAll('x-forwarded-for'); // ['203.0.113.7', '10.0.0.1']
 * ```
 */
export class RequestHeaders implements Iterable<Header> {
  readonly #environ: Environ;

  constructor(environ: Environ) {
    this.#environ = environ;
  }

  /** The value of `name` (repeats joined with `, `; Cookie with `; `), or undefined. */
  get(name: string): string | undefined {
    const value = this.#environ[headerKey(name)];
    return typeof value === 'string' ? value : undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** The comma-separated items of a list-valued header (Accept, X-Forwarded-For, Cache-Control). */
  getAll(name: string): string[] {
    const value = this.get(name);
    return value === undefined ? [] : splitList(value);
  }

  *[Symbol.iterator](): IterableIterator<Header> {
    for (const [key, value] of Object.entries(this.#environ)) {
      if (typeof value !== 'string') continue;
      if (key.startsWith('HTTP_')) yield [headerName(key.slice(5)), value];
      else if (key === 'CONTENT_TYPE' || key === 'CONTENT_LENGTH') yield [headerName(key), value];
    }
  }

  /** A plain object of the headers, lower-case names. */
  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of this) out[name.toLowerCase()] = value;
    return out;
  }
}
