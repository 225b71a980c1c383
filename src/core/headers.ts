import { ProtocolError } from './errors.js';
import type { Header } from './types.js';

/** RFC 9110 token: the only characters allowed in a header name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * What no HTTP/1.1 server can send in a field value or reason phrase (RFC 9110 §5.5: HTAB, SP,
 * visible ASCII and obs-text): control characters, which include the CR, LF and NUL that would
 * split or truncate a line, and anything above U+00FF, which has no byte (PEP 3333: latin-1).
 */
const UNSAFE_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** PEP 3333 leaves connection management to the server; an app may not send these. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
]);

/** True for an RFC 9110 token: a valid header name, method or cookie name. */
export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/** True for the hop-by-hop headers that only a server may set. */
export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name.toLowerCase());
}

/** `"200 OK"`: three digits from 100 to 599, one space, a reason phrase a server can send. */
const STATUS = /^([1-5]\d\d) ([\t\x20-\x7e\x80-\xff]*)$/;

/**
 * True for a status line a server can send: three digits from 100 to 599, one space, and a
 * non-empty reason phrase of tab, space, visible ASCII and Latin-1.
 *
 * @example
 * ```ts
 * isStatusLine('404 Not Found'); // true
 * isStatusLine('200');           // false
 * ```
 */
export function isStatusLine(status: string): boolean {
  const match = STATUS.exec(status);
  return match !== null && match[2]!.trim() !== '';
}

/** Parses and checks a status line; throws a {@link ProtocolError} naming the rule it breaks. */
let lastStatus: unknown = {}; // no app can pass this object
let lastParsed = { code: 0, reason: '' };

export function parseStatus(status: unknown): { code: number; reason: string } {
  // Apps send the same few literal statuses again and again: remember the last one.
  if (status === lastStatus) return lastParsed;
  if (typeof status !== 'string') {
    throw new ProtocolError(`status must be a string like "200 OK", got ${typeof status}`);
  }
  if (!isStatusLine(status)) {
    throw new ProtocolError(
      `status must be three digits (100-599), one space and a reason phrase, like "200 OK"; got ${JSON.stringify(status)}`,
    );
  }
  lastParsed = { code: Number(status.slice(0, 3)), reason: status.slice(4) };
  lastStatus = status;
  return lastParsed;
}

/**
 * Header names already found to be tokens and not hop-by-hop. Apps send the same few names on
 * every response, so the check runs once per name; bounded, so odd names cannot grow it forever.
 */
const CHECKED_NAMES = new Set<string>();

/**
 * True when a header value can be sent by an HTTP/1.1 server: tab, space, visible ASCII and
 * Latin-1 only (no CR, LF, NUL or other control character; nothing above U+00FF).
 *
 * @example
 * ```ts
 * isFieldValue('text/html; charset=utf-8'); // true
 * isFieldValue('a\r\nSet-Cookie: x=1');      // false
 * ```
 */
export function isFieldValue(value: string): boolean {
  return !unsafeValue(value);
}

/** True when a header value has a character no server can send; a loop beats a regular expression on short values. */
function unsafeValue(value: string): boolean {
  if (value.length > 64) return UNSAFE_VALUE.test(value);
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 32 ? code !== 9 : code > 126 && (code === 127 || code > 255)) return true;
  }
  return false;
}

/** Checks an app's header list (SPEC §3); throws a {@link ProtocolError} naming the bad header. */
export function checkHeaders(headers: unknown): asserts headers is Header[] {
  if (!Array.isArray(headers)) {
    throw new ProtocolError('headers must be an array of [name, value] pairs');
  }
  for (const header of headers) {
    if (!Array.isArray(header) || header.length !== 2) {
      throw new ProtocolError(
        `each header must be a [name, value] pair, got ${JSON.stringify(header)}`,
      );
    }
    const [name, value] = header as unknown[];
    if (typeof name !== 'string' || !CHECKED_NAMES.has(name)) checkName(name);
    if (typeof value !== 'string') {
      throw new ProtocolError(
        `header ${name} has a ${typeof value} value; header values are strings`,
      );
    }
    if (unsafeValue(value)) {
      throw new ProtocolError(
        `header ${name} has a character no server can send in its value (CR, LF or NUL, another control character, or one above U+00FF); percent-encode it, as RFC 8187 does for filenames`,
      );
    }
  }
}

function checkName(name: unknown): void {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new ProtocolError(`header name ${JSON.stringify(name)} is not an HTTP token`);
  }
  if (HOP_BY_HOP.has(name.toLowerCase())) {
    throw new ProtocolError(`header ${name} is hop-by-hop; only the server may set it`);
  }
  if (CHECKED_NAMES.size < 256) CHECKED_NAMES.add(name);
}

/**
 * The first value of a header in a header list, by case-insensitive name.
 *
 * @example
 * ```ts
 * getHeader([['Content-Type', 'text/plain']], 'content-type'); // 'text/plain'
 * ```
 */
export function getHeader(headers: readonly Header[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of headers) {
    if (key.length === lower.length && key.toLowerCase() === lower) return value;
  }
  return undefined;
}
