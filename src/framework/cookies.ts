/** Cookie parsing (Cookie request header) and serialization (Set-Cookie), RFC 6265. */
import { concatBytes, utf8 } from '../core/bytes.js';
import { isToken } from '../core/headers.js';

type SameSite = 'Strict' | 'Lax' | 'None';

/** The attributes of a Set-Cookie header. */
export interface CookieOptions {
  /** Seconds until the cookie expires; 0 deletes it. */
  maxAge?: number;
  /** When the cookie expires: a Date, or milliseconds since the epoch. */
  expires?: Date | number;
  /** Default `/`, percent-encoded as in a URL. Pass `null` to leave the attribute out. */
  path?: string | null;
  /** Written without a port or a leading dot; a non-ASCII name is IDNA-encoded. */
  domain?: string;
  secure?: boolean;
  httpOnly?: boolean;
  /** Any case; written as `Strict`, `Lax` or `None`. */
  sameSite?: SameSite | Lowercase<SameSite> | Uppercase<SameSite>;
  /** CHIPS: a cookie partitioned by top-level site (sets `Secure` too, which it needs). */
  partitioned?: boolean;
}

/** RFC 6265 cookie-octet, minus `%` (kept for escapes so values round-trip exactly). */
const UNSAFE_OCTET = /[^\x21\x23-\x24\x26-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]/gu;
/** What a cookie path may hold unencoded: werkzeug's `quote(path, safe="%!$&'()*+,/:=@")`. */
const UNSAFE_PATH_CHAR = /[^A-Za-z0-9_.~\-%!$&'()*+,/:=@]/gu;
/** ASCII that no domain name holds: all but letters, digits, `-`, `.` and `_`. */
const NOT_IN_DOMAIN = /[^A-Za-z0-9._\-\u0080-\u{10FFFF}]/u;
const DOMAIN_NAME = /^[A-Za-z0-9._-]+$/;
const NON_ASCII = /[^\p{ASCII}]/u;
const SAME_SITE = new Map<string, SameSite>([
  ['strict', 'Strict'],
  ['lax', 'Lax'],
  ['none', 'None'],
]);
/** Python's http.cookies escapes in a quoted value: `\"`, `\\`, and octal bytes like `\054`. */
const COOKIE_ESCAPE = /\\(?:([0-3][0-7]{2})|(.))/gsu;

/** Undoes the backslash escapes of a quoted value; octal escapes are bytes of its UTF-8. */
function unslash(value: string): string {
  if (!value.includes('\\')) return value;
  const parts: Uint8Array[] = [];
  let last = 0;
  for (const match of value.matchAll(COOKIE_ESCAPE)) {
    parts.push(utf8(value.slice(last, match.index)));
    const [sequence, octal, char] = match;
    parts.push(octal === undefined ? utf8(char!) : Uint8Array.of(Number.parseInt(octal, 8)));
    last = match.index + sequence.length;
  }
  parts.push(utf8(value.slice(last)));
  // Lenient, and a leading U+FEFF is part of the value, not a byte order mark.
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(concatBytes(parts));
}

/**
 * Parses a Cookie header into name → value. The first of repeated names wins (the most specific
 * path, as browsers send it). Quoted values are unquoted and their backslash escapes undone (as
 * Python's http.cookies and werkzeug write them), and percent-escapes decoded.
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
      value = unslash(value.slice(1, -1));
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

/** A Domain attribute as werkzeug writes it: no port, no leading dot, IDNA for non-ASCII. */
function cookieDomain(domain: string): string {
  const name = domain.split(':', 1)[0]!.replace(/^\.+/, '');
  const ascii = NOT_IN_DOMAIN.test(name) ? undefined : idnaToAscii(name);
  if (ascii === undefined || !DOMAIN_NAME.test(ascii)) {
    throw new TypeError(`cookie domain ${JSON.stringify(domain)} is not a domain name`);
  }
  return ascii;
}

/** The ASCII (IDNA) form of a domain name; undefined when the URL parser refuses it as a host. */
function idnaToAscii(name: string): string | undefined {
  if (!NON_ASCII.test(name)) return name;
  try {
    return new URL(`http://${name}`).hostname;
  } catch {
    return undefined;
  }
}

/** A Path attribute: non-ASCII and separators percent-encoded, so it matches the encoded URL. */
function cookiePath(path: string): string {
  return path.replace(UNSAFE_PATH_CHAR, (char) => encodeURIComponent(char));
}

function sameSite(value: string): SameSite {
  const canonical = SAME_SITE.get(String(value).toLowerCase());
  if (canonical === undefined) {
    throw new TypeError(`cookie sameSite must be Strict, Lax or None, got ${value}`);
  }
  return canonical;
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
  if (options.domain) out += `; Domain=${cookieDomain(options.domain)}`;
  if (options.expires !== undefined) out += `; Expires=${httpDate(options.expires)}`;
  if (options.maxAge !== undefined) {
    if (!Number.isFinite(options.maxAge)) throw new TypeError('cookie maxAge must be a number');
    out += `; Max-Age=${Math.floor(options.maxAge)}`;
  }
  const path = options.path === undefined ? '/' : options.path;
  if (path !== null) out += `; Path=${cookiePath(path)}`;
  // Browsers drop a Partitioned cookie without Secure; werkzeug sets it too.
  if (options.secure || options.partitioned) out += '; Secure';
  if (options.httpOnly) out += '; HttpOnly';
  if (options.sameSite !== undefined) out += `; SameSite=${sameSite(options.sameSite)}`;
  if (options.partitioned) out += '; Partitioned';
  return out;
}
