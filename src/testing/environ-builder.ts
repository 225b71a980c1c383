import { utf8 } from '../core/bytes.js';
import {
  addHeader,
  createEnviron,
  decodePath,
  encodePath,
  encodeRawPath,
  encodeRawQuery,
  splitHost,
} from '../core/environ.js';
import { errorStream } from '../core/errors.js';
import { createInput, type InputSource } from '../core/input.js';
import type { Environ, WsgiErrors } from '../core/types.js';
import { encodeMultipart, type FormFields, hasFiles } from './multipart.js';

/** Request headers in any of the usual shapes. Arrays of values become repeated headers. */
export type HeadersInit =
  | Record<string, string | readonly string[] | undefined>
  | Iterable<readonly [string, string]>;

/** What {@link buildEnviron} needs to know; everything has a sensible default. */
export interface EnvironOptions {
  /** Default `GET`. */
  method?: string;
  /**
   * The URL path, optionally with `?query`; a `#fragment` is dropped. Default `/`. Characters a
   * URL cannot hold (a space, `é`) are percent-encoded as a client would; escapes already there
   * stay. A whole URL (`https://example.com/x`) sets the scheme and Host too. Anything else that
   * does not start with `/` is refused: PATH_INFO always starts with `/`.
   */
  path?: string;
  /** Query string (raw) or parameters to encode; merged after any `?query` in `path`. */
  query?: string | Record<string, string | readonly string[]> | URLSearchParams;
  headers?: HeadersInit;
  /** Body bytes, text, or a stream. Use `json` or `form` for those encodings; give only one. */
  body?: string | Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;
  /** A value sent as a JSON body; `application/json` unless a Content-Type is given. */
  json?: unknown;
  /**
   * Fields sent as a form body: `application/x-www-form-urlencoded`, or `multipart/form-data`
   * when a value is a `File` or `Blob` (an upload), unless a Content-Type is given.
   *
   * @example
   * ```ts
   * await client.post('/avatar', {
   *   form: { user: 'ada', avatar: new File([png], 'ada.png', { type: 'image/png' }) },
   * });
   * ```
   */
  form?: FormFields;
  /** The Content-Type; wins over a Content-Type in `headers`, which wins over `json`'s or `form`'s. */
  contentType?: string;
  /** Default `http`. */
  scheme?: 'http' | 'https';
  /** Host header value. Default `localhost`. */
  host?: string;
  /**
   * Where the app is mounted: `""` or `/prefix`, decoded as SCRIPT_NAME holds it (`/café`);
   * REQUEST_URI gets it percent-encoded.
   */
  scriptName?: string;
  /**
   * Set scheme, host and script name at once: `https://example.com/app`. The URL's path is
   * percent-decoded into SCRIPT_NAME, as a request path is into PATH_INFO.
   */
  baseUrl?: string;
  /** Default `127.0.0.1`. */
  remoteAddr?: string;
  remoteUser?: string;
  protocol?: string;
  /** Where `wsgi.errors` writes; default: collected and dropped. */
  errors?: WsgiErrors;
  /** Extra environ keys (platform objects, middleware state). */
  extra?: Record<string, unknown>;
}

function encodeParams(params: Record<string, string | readonly unknown[]>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === 'string') search.append(key, value);
    else for (const item of value) search.append(key, item as string);
  }
  return search.toString();
}

/** The headers as a list of pairs, repeats kept. */
export function headerPairs(headers: HeadersInit | undefined): [string, string][] {
  if (headers === undefined) return [];
  const pairs: [string, string][] = [];
  if (Symbol.iterator in headers) {
    for (const [name, value] of headers as Iterable<readonly [string, string]>) {
      pairs.push([name, value]);
    }
    return pairs;
  }
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (typeof value === 'string') pairs.push([name, value]);
    else for (const item of value) pairs.push([name, item]);
  }
  return pairs;
}

/**
 * Builds a valid environ for a request, the way a server would (like werkzeug's EnvironBuilder).
 *
 * @example
 * ```ts
 * const environ = buildEnviron({ method: 'POST', path: '/users?active=1', json: { name: 'Ada' } });
 * environ.PATH_INFO;    // '/users'
 * environ.CONTENT_TYPE; // 'application/json'
 * ```
 */
const ABSOLUTE_URL = /^(https?):\/\/([^/?#]*)(.*)$/is;

export function buildEnviron(options: EnvironOptions = {}): Environ {
  let scheme = options.scheme ?? 'http';
  let host = options.host;
  let scriptName = options.scriptName ?? '';
  // The mount point as a client sends it, percent-encoded, for REQUEST_URI.
  let rawScriptName = encodePath(scriptName);
  if (options.baseUrl !== undefined) {
    const base = new URL(options.baseUrl);
    scheme = base.protocol === 'https:' ? 'https' : 'http';
    host ??= base.host;
    rawScriptName = base.pathname.replace(/\/+$/, '');
    scriptName = decodePath(rawScriptName);
  }
  host ??= 'localhost';
  if (scriptName === '/') scriptName = rawScriptName = '';

  // A client never sends the fragment: drop it, as werkzeug's EnvironBuilder does.
  let fullPath = (options.path ?? '/').split('#', 1)[0]! || '/';
  const absolute = ABSOLUTE_URL.exec(fullPath);
  if (absolute) {
    // A whole URL, as werkzeug takes one: its scheme and host are the request's. Split as text,
    // not parsed, so the path goes as written (`%2e%2e` is not resolved away).
    scheme = absolute[1]!.toLowerCase() === 'https' ? 'https' : 'http';
    host = absolute[2]!;
    fullPath = absolute[3] || '/';
  } else if (!fullPath.startsWith('/') && !fullPath.startsWith('?')) {
    throw new TypeError(
      `path must start with "/" or be an absolute URL, got ${JSON.stringify(fullPath)}`,
    );
  }
  const mark = fullPath.indexOf('?');
  // Sent as a client sends it: a space or `é` percent-encoded; escapes already there kept.
  const rawPath = encodeRawPath(mark === -1 ? fullPath : fullPath.slice(0, mark)) || '/';
  const queries: string[] =
    mark === -1 || mark === fullPath.length - 1 ? [] : [encodeRawQuery(fullPath.slice(mark + 1))];
  const { query } = options;
  if (typeof query === 'string') {
    if (query !== '') queries.push(encodeRawQuery(query.replace(/^\?/, '')));
  } else if (query instanceof URLSearchParams) {
    if (query.size > 0) queries.push(query.toString());
  } else if (query !== undefined) {
    const encoded = encodeParams(query);
    if (encoded !== '') queries.push(encoded);
  }
  const queryString = queries.join('&');

  const headers = headerPairs(options.headers);
  let declaredLength: number | undefined;
  let contentType = options.contentType;
  let forwardedPort: string | undefined;
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower === 'host') host = value;
    else if (lower === 'content-length') declaredLength = Number(value);
    else if (lower === 'content-type') contentType ??= value;
    // Repeats joined as a server joins them, which says no one port: SERVER_PORT ignores it.
    else if (lower === 'x-forwarded-port') {
      forwardedPort = forwardedPort === undefined ? value : `${forwardedPort}, ${value}`;
    }
  }

  const given = (['body', 'json', 'form'] as const).filter((key) => options[key] !== undefined);
  if (given.length > 1) {
    throw new TypeError(`give one request body, not ${given.join(' and ')} together`);
  }
  let body: InputSource;
  let contentLength = declaredLength;
  if (options.json !== undefined) {
    body = utf8(JSON.stringify(options.json));
    contentType ??= 'application/json';
  } else if (options.form !== undefined && hasFiles(options.form)) {
    const multipart = encodeMultipart(options.form);
    body = multipart.body;
    contentLength = multipart.length;
    contentType ??= multipart.contentType;
  } else if (options.form !== undefined) {
    body = utf8(encodeParams(options.form as Record<string, string | readonly string[]>));
    contentType ??= 'application/x-www-form-urlencoded';
  } else if (typeof options.body === 'string') {
    body = utf8(options.body);
  } else {
    body = options.body;
  }
  if (body instanceof Uint8Array) contentLength = body.byteLength;
  const [serverName, serverPort] = splitHost(host, scheme, forwardedPort);
  const environ = createEnviron({
    method: options.method ?? 'GET',
    scheme,
    serverName,
    serverPort,
    scriptName,
    pathInfo: decodePath(rawPath),
    queryString,
    requestUri: rawScriptName + rawPath + (queryString ? `?${queryString}` : ''),
    protocol: options.protocol ?? 'HTTP/1.1',
    input: createInput(body, contentLength),
    errors: options.errors ?? errorStream(() => {}),
    remoteAddr: options.remoteAddr ?? '127.0.0.1',
    multithread: false,
    multiprocess: false,
    ...(contentLength !== undefined && { contentLength }),
    ...(options.remoteUser !== undefined && { remoteUser: options.remoteUser }),
  });
  environ.HTTP_HOST = host;
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'content-type') continue;
    addHeader(environ, name, value);
  }
  if (contentType !== undefined) environ.CONTENT_TYPE = contentType;
  if (options.extra) Object.assign(environ, options.extra);
  return environ;
}
