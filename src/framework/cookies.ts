/** Cookie parsing (Cookie request header) and serialization (Set-Cookie), RFC 6265. */
import { isToken } from '../core/headers.js';

/** The attributes of a Set-Cookie header. */
export interface CookieOptions {
  /** Seconds until the cookie expires; 0 deletes it. */
  maxAge?: number;
  /** When the cookie expires: a Date, or milliseconds since the epoch. */
  expires?: Date | number;
  /** Default `/`. Pass `null` to leave the attribute out. */
  path?: string | null;
  domain?: string;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: 'Strict' | 'Lax' | 'None';
  /** CHIPS: a cookie partitioned by top-level site (needs `secure`). */
  partitioned?: boolean;
}

/** RFC 6265 cookie-octet, minus `%` (kept for escapes so values round-trip exactly). */
const UNSAFE_OCTET = /[^\x21\x23-\x24\x26-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]/gu;
const UNSAFE_ATTRIBUTE = /[;\r\n\0]|[^\x20-\x7E]/;

/**
 * Parses a Cookie header into name → value. The first of repeated names wins (the most specific
 * path, as browsers send it). Quoted values are unquoted and percent-escapes decoded.
 *
 * @example
 * ```ts
 * parseCookies('a=1; b="x y"; c=caf%C3%A9'); // { a: '1', b: 'x y', c: 'café' }
 * ```
 */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (name === '' || cookies.has(name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1);
    if (value.includes('%')) {
      try {
        value = decodeURIComponent(value);
      } catch {
        // Not an escape we wrote: keep the value as the client sent it.
      }
    }
    cookies.set(name, value);
  }
  return cookies;
}

function attribute(name: string, value: string): string {
  if (UNSAFE_ATTRIBUTE.test(value)) {
    throw new TypeError(
      `cookie ${name} ${JSON.stringify(value)} has a character not allowed there`,
    );
  }
  return value;
}

function httpDate(when: Date | number): string {
  const date = typeof when === 'number' ? new Date(when) : when;
  if (Number.isNaN(date.getTime())) throw new TypeError('cookie expires is not a valid date');
  return date.toUTCString();
}

/**
 * Builds a Set-Cookie value. Characters a cookie value may not hold (space, `"`, `,`, `;`,
 * `\`, non-ASCII) and `%` are percent-encoded, which {@link parseCookies} undoes.
 *
 * @example
 * ```ts
 * serializeCookie('sid', 'abc', { httpOnly: true, sameSite: 'Lax' });
 * // 'sid=abc; Path=/; HttpOnly; SameSite=Lax'
 * ```
 */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (!isToken(name)) throw new TypeError(`cookie name ${JSON.stringify(name)} is not a token`);
  let out = `${name}=${String(value).replace(UNSAFE_OCTET, (char) => encodeURIComponent(char).replaceAll('!', '%21'))}`;
  if (options.domain !== undefined) out += `; Domain=${attribute('domain', options.domain)}`;
  if (options.expires !== undefined) out += `; Expires=${httpDate(options.expires)}`;
  if (options.maxAge !== undefined) {
    if (!Number.isFinite(options.maxAge)) throw new TypeError('cookie maxAge must be a number');
    out += `; Max-Age=${Math.floor(options.maxAge)}`;
  }
  const path = options.path === undefined ? '/' : options.path;
  if (path !== null) out += `; Path=${attribute('path', path)}`;
  if (options.secure) out += '; Secure';
  if (options.httpOnly) out += '; HttpOnly';
  if (options.sameSite !== undefined) {
    if (!['Strict', 'Lax', 'None'].includes(options.sameSite)) {
      throw new TypeError(`cookie sameSite must be Strict, Lax or None, got ${options.sameSite}`);
    }
    out += `; SameSite=${options.sameSite}`;
  }
  if (options.partitioned) out += '; Partitioned';
  return out;
}
