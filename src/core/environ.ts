/**
 * Building environ (SPEC §2): the helpers every adapter and the test builder share, so a header
 * or a path is turned into CGI keys the same way everywhere.
 */
import { strictUtf8 } from './bytes.js';
import { consoleErrors } from './errors.js';
import { emptyInput } from './input.js';
import type { Environ, WsgiErrors, WsgiInput } from './types.js';

/** Header name → environ key, `''` for a name that is dropped; bounded, as names are the client's. */
const KEY_CACHE = new Map<string, string>();

function computeKey(name: string): string {
  const upper = name.toUpperCase().replaceAll('-', '_');
  return upper === 'CONTENT_TYPE' || upper === 'CONTENT_LENGTH' ? upper : `HTTP_${upper}`;
}

/**
 * The environ key for a request header: `content-type` → `CONTENT_TYPE`,
 * `x-forwarded-for` → `HTTP_X_FORWARDED_FOR`.
 */
export function headerKey(name: string): string {
  return KEY_CACHE.get(name) || computeKey(name);
}

/**
 * Adds one request header to environ; a repeat is joined with `, ` (Cookie with `; `).
 * Content-Length is left to the adapter, which knows the body's real length. A name with an
 * underscore is dropped, as gunicorn, nginx and Apache do: `X_Forwarded_For` and
 * `X-Forwarded-For` both map to HTTP_X_FORWARDED_FOR, so a client could otherwise append to a
 * header its proxy vouches for.
 */
export function addHeader(environ: Environ, name: string, value: string): void {
  let key = KEY_CACHE.get(name);
  if (key === undefined) {
    key = name.includes('_') ? '' : computeKey(name);
    if (KEY_CACHE.size < 1000) KEY_CACHE.set(name, key);
  }
  if (key === '' || key === 'CONTENT_LENGTH') return;
  const previous = environ[key];
  if (typeof previous !== 'string') environ[key] = value;
  else environ[key] = previous + (key === 'HTTP_COOKIE' ? '; ' : ', ') + value;
}

const ESCAPES = /(?:%[0-9A-Fa-f]{2})+/g;

function utf8SequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

function decodeEscapes(run: string): string {
  const bytes = new Uint8Array(run.length / 3);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = Number.parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
  try {
    return strictUtf8(bytes);
  } catch {
    // Decode what is valid; keep each byte that is not part of a valid sequence percent-encoded.
    let out = '';
    for (let i = 0; i < bytes.length; ) {
      const length = utf8SequenceLength(bytes[i]!);
      if (length > 0 && i + length <= bytes.length) {
        try {
          out += strictUtf8(bytes.subarray(i, i + length));
          i += length;
          continue;
        } catch {}
      }
      out += run.slice(i * 3, i * 3 + 3);
      i += 1;
    }
    return out;
  }
}

/**
 * Percent-decodes a URL path as UTF-8 for PATH_INFO. `%2F` becomes `/`; a byte sequence that is
 * not valid UTF-8 stays percent-encoded; a `%` not followed by two hex digits stays as it is.
 *
 * @example
 * ```ts
 * decodePath('/caf%C3%A9/a%2Fb'); // '/café/a/b'
 * decodePath('/bad%FF');          // '/bad%FF'
 * ```
 */
export function decodePath(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw.replace(ESCAPES, decodeEscapes);
  }
}

/** What a path keeps as it is in a URL: RFC 3986 pchar and `/`. `%` is encoded: it was decoded. */
const NOT_IN_PATH = /[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/gu;

function escapeForPath(char: string): string {
  try {
    return encodeURIComponent(char);
  } catch {
    return '%EF%BF%BD'; // a lone surrogate has no UTF-8 form: U+FFFD, as an encoder would send
  }
}

/**
 * A decoded path (SCRIPT_NAME, PATH_INFO) percent-encoded again for a URL: the inverse of
 * {@link decodePath}. Everything but RFC 3986 pchar and `/` is encoded, `%`, `?` and `#`
 * included.
 *
 * @example
 * ```ts
 * encodePath('/café/100%');   // '/caf%C3%A9/100%25'
 * encodePath('/a?b#c');       // '/a%3Fb%23c'
 * ```
 */
export function encodePath(path: string): string {
  NOT_IN_PATH.lastIndex = 0;
  return NOT_IN_PATH.test(path) ? path.replace(NOT_IN_PATH, escapeForPath) : path;
}

/** What a raw path keeps as it is: RFC 3986 pchar, `/`, and the `%` of escapes already there. */
const NOT_IN_RAW_PATH = /[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/gu;
/** A query may also hold `?` (RFC 3986 §3.4). */
const NOT_IN_RAW_QUERY = /[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]/gu;

/**
 * A path as it goes on the wire, from one that may hold characters no URL can (a space, `é`, a
 * `?` that a front end decoded): those are percent-encoded as UTF-8; escapes already there, and
 * everything a path may hold, stay as they are. Unlike {@link encodePath}, `%` is not encoded.
 *
 * @example
 * ```ts
 * encodeRawPath('/file name.xml'); // '/file%20name.xml'
 * encodeRawPath('/caf%C3%A9/x y'); // '/caf%C3%A9/x%20y'
 * ```
 */
export function encodeRawPath(path: string): string {
  NOT_IN_RAW_PATH.lastIndex = 0;
  return NOT_IN_RAW_PATH.test(path) ? path.replace(NOT_IN_RAW_PATH, escapeForPath) : path;
}

/**
 * {@link encodeRawPath} for a query string (without its `?`), which may also hold `?` and `/`.
 *
 * @example
 * ```ts
 * encodeRawQuery('q=é f&x=1%262'); // 'q=%C3%A9%20f&x=1%262'
 * ```
 */
export function encodeRawQuery(query: string): string {
  NOT_IN_RAW_QUERY.lastIndex = 0;
  return NOT_IN_RAW_QUERY.test(query) ? query.replace(NOT_IN_RAW_QUERY, escapeForPath) : query;
}

/**
 * SERVER_NAME and SERVER_PORT from a Host header (SPEC §2): the port from Host, else
 * `forwardedPort`, else the scheme's default. Handles `[v6]:port`.
 */
export function splitHost(
  host: string,
  scheme: 'http' | 'https',
  forwardedPort?: string,
): [name: string, port: string] {
  let name = host;
  let port = '';
  // `[v6]:port`: only a colon right after the closing bracket starts a port.
  const colon = host.charCodeAt(0) === 91 /* [ */ ? host.indexOf(']:') + 1 : host.lastIndexOf(':');
  if (colon > 0) {
    name = host.slice(0, colon);
    port = host.slice(colon + 1);
  }
  if (!isPort(port)) port = '';
  if (port === '' && forwardedPort !== undefined && isPort(forwardedPort)) port = forwardedPort;
  return [name.toLowerCase(), port || (scheme === 'https' ? '443' : '80')];
}

/** RFC 3986 host (reg-name, IPv4, or an IP literal in brackets) and an optional port. */
const HOST_VALUE = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::(\d*))?$/;

/**
 * A Host header's value as its name and port, or undefined when it is no RFC 3986 host. The port
 * is undefined without a colon and `''` after a bare one; neither part is checked further (an
 * empty name, a port over 65535): what a caller accepts is its own rule.
 *
 * @example
 * ```ts
 * hostParts('example.com:8443'); // ['example.com', '8443']
 * hostParts('[::1]');            // ['[::1]', undefined]
 * hostParts('a b');              // undefined
 * ```
 */
export function hostParts(value: string): [name: string, port: string | undefined] | undefined {
  const match = HOST_VALUE.exec(value);
  return match === null ? undefined : [match[1]!, match[2]];
}

/**
 * True for a port number as a Host header or a proxy writes it: digits only, 1 to 65535.
 *
 * @example
 * ```ts
 * isPort('8443');  // true
 * isPort('0');     // false
 * isPort('99999'); // false
 * ```
 */
export function isPort(text: string): boolean {
  if (!/^\d{1,5}$/.test(text)) return false;
  const value = Number(text);
  return value >= 1 && value <= 65535;
}

/** The parts an adapter knows about a request; {@link createEnviron} turns them into environ. */
export interface EnvironInit {
  method: string;
  scheme: 'http' | 'https';
  serverName: string;
  serverPort: string;
  scriptName?: string;
  /** Already decoded (see {@link decodePath}). */
  pathInfo: string;
  queryString?: string;
  requestUri?: string;
  protocol?: string;
  input?: WsgiInput;
  errors?: WsgiErrors;
  contentLength?: number;
  remoteAddr?: string;
  remoteUser?: string;
  multithread: boolean;
  multiprocess: boolean;
}

/**
 * A fresh environ with every required key; add request headers with {@link addHeader}.
 *
 * @example
 * ```ts
 * const environ = createEnviron({ method: 'GET', scheme: 'https', serverName: 'example.com',
 *   serverPort: '443', pathInfo: '/', multithread: true, multiprocess: false });
 * addHeader(environ, 'Accept', 'text/html');
 * ```
 */
export function createEnviron(init: EnvironInit): Environ {
  const environ = new PlainEnviron(init);
  if (init.requestUri !== undefined) environ.REQUEST_URI = init.requestUri;
  if (init.contentLength !== undefined) environ.CONTENT_LENGTH = String(init.contentLength);
  if (init.remoteAddr) environ.REMOTE_ADDR = init.remoteAddr;
  if (init.remoteUser) environ.REMOTE_USER = init.remoteUser;
  return environ;
}

/**
 * Makes the environ with `new` rather than as an object literal, for speed alone: V8 gives an
 * object made by a constructor room for more properties, and a literal that then gets 16 or more
 * `HTTP_*` keys by computed name (a REST API event) turns into a slow dictionary object, which
 * costs that request twice the time to build and the app slower lookups. The prototype is
 * `Object.prototype`, so the result is a plain object in every way (`constructor === Object`).
 */
const PlainEnviron = function PlainEnviron(this: Environ, init: EnvironInit) {
  this.REQUEST_METHOD = init.method.toUpperCase();
  this.SCRIPT_NAME = init.scriptName ?? '';
  this.PATH_INFO = init.pathInfo;
  this.QUERY_STRING = init.queryString ?? '';
  this.SERVER_NAME = init.serverName;
  this.SERVER_PORT = init.serverPort;
  this.SERVER_PROTOCOL = init.protocol ?? 'HTTP/1.1';
  this['wsgi.version'] = [1, 0];
  this['wsgi.url_scheme'] = init.scheme;
  this['wsgi.input'] = init.input ?? emptyInput();
  this['wsgi.errors'] = init.errors ?? consoleErrors();
  this['wsgi.multithread'] = init.multithread;
  this['wsgi.multiprocess'] = init.multiprocess;
  this['wsgi.run_once'] = false;
} as unknown as new (
  init: EnvironInit,
) => Environ;
PlainEnviron.prototype = Object.prototype;
