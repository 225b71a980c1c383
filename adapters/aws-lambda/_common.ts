/**
 * What every event kind shares: the kind interface, settings, body decoding and encoding, path
 * splitting, header grouping and the size limits. Private to the adapter.
 */
import { Buffer } from 'node:buffer';
import {
  addHeader,
  type BufferedResponse,
  createEnviron,
  createInput,
  decodePath,
  type Environ,
  errorStream,
  type Header,
  isToken,
  splitHost,
  utf8Text,
} from '../../src/core/index.js';
import type { LambdaContext, LambdaOptions, LambdaResult } from './types.js';

/** Options with their defaults applied, resolved once per handler. */
export interface Settings {
  basePath: string;
  stripStage: boolean;
  isBinary: (headers: readonly Header[]) => boolean;
  logger: (line: string) => void;
}

/** One front end: how to recognise its event, build environ from it, and shape the answer. */
export interface EventKind<E = never, R extends LambdaResult = LambdaResult> {
  /** Recognises the event from its own fields. */
  is(event: Record<string, unknown>): boolean;
  /** Throws {@link BadRequest} for a request the app must not see. */
  environ(event: E, settings: Settings): Environ;
  /** The result object for a finished response; `body` is already text or base64. */
  result(
    response: BufferedResponse,
    body: string,
    base64: boolean,
    event: E,
    settings: Settings,
  ): R;
  /** The largest serialized result the front end accepts, and its name for the log. */
  limit(event: E): [bytes: number, frontEnd: string];
}

/** A request refused before the app runs (invalid base64, a truncated body). */
export class BadRequest extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export const MiB = 1024 * 1024;

/** The body of a request without one; nothing can be written into a zero-length array. */
const NO_BODY = new Uint8Array(0);

/**
 * `target[key] = value`, except that a key `__proto__` becomes an own property instead of
 * replacing the prototype (a header may be called that). Plain objects stay fast to build and
 * to serialize, which prototype-free ones are not.
 */
export function put<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/** The value when it is a string. Events are parsed JSON: a field may hold anything. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * The multi-value map when it has an entry, else the single-value one. API Gateway and ALB send
 * both alike; an event built by hand may leave one empty (`multiValueHeaders: {}`), which must
 * not hide the other. The Python peers read them the same way.
 */
export function multiOrSingle<M, S>(multi: M | null | undefined, single: S): M | S {
  if (multi !== null && typeof multi === 'object') for (const _ in multi) return multi;
  return single;
}

// ———— Settings ————

export function resolveSettings(options: LambdaOptions): Settings {
  let basePath = options.basePath ?? '';
  if (basePath !== '' && !basePath.startsWith('/')) basePath = `/${basePath}`;
  while (basePath.endsWith('/')) basePath = basePath.slice(0, -1);
  return {
    basePath,
    stripStage: options.stripStage ?? true,
    isBinary: options.isBinary ?? isBinaryResponse,
    logger: options.logger ?? ((line) => console.error(line)),
  };
}

// ———— Incoming (AWS ⇒ environ) ————

/**
 * Decodes standard base64, refusing anything else (spaces, the URL-safe `-_`, misplaced `=`).
 * Node's decoder skips characters it does not know, so a body with a stray one decodes to fewer
 * bytes than its length promises: comparing the two is the check. (A regex over a 1 MiB body
 * costs four times the decoding itself.)
 */
function strictBase64(text: string): Uint8Array | undefined {
  const length = text.length;
  if (length % 4 === 1) return undefined;
  const padding =
    text.charCodeAt(length - 1) === 61 ? (text.charCodeAt(length - 2) === 61 ? 2 : 1) : 0; // '='
  if (padding > 0 && length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength !== Math.floor(((length - padding) * 3) / 4)) return undefined;
  if (text.includes('-') || text.includes('_')) return undefined;
  return bytes;
}

/** The request body as bytes; invalid base64 is a 400 (never silently "decoded" into garbage). */
export function decodeBody(body: unknown, base64: unknown): Uint8Array {
  if (typeof body !== 'string' || body === '') return NO_BODY;
  if (!isSet(base64)) return Buffer.from(body, 'utf8');
  const bytes = strictBase64(body);
  if (bytes === undefined) {
    throw new BadRequest(
      400,
      'Bad Request: the request body is marked base64 but is not valid base64',
    );
  }
  return bytes;
}

/**
 * An event's boolean flag (`isBase64Encoded`, `inputTruncated`): `true`, or the string `"true"`
 * that some generated sample events carry. `"false"` is false, not a truthy string.
 */
export function isSet(flag: unknown): boolean {
  return flag === true || flag === 'true';
}

/** The event's method, which must be an HTTP token: the front end checked it, a forged event may not have. */
export function checkedMethod(method: string): string {
  if (!isToken(method)) {
    throw new BadRequest(
      400,
      `Bad Request: the event's method ${JSON.stringify(method.slice(0, 100))} is not an HTTP token`,
    );
  }
  return method;
}

/** True when `path` is `prefix` or starts with `prefix/` (a segment boundary). */
export function onBoundary(path: string, prefix: string): boolean {
  return (
    path.startsWith(prefix) &&
    (path.length === prefix.length || path.charCodeAt(prefix.length) === 47) /* / */
  );
}

/**
 * SCRIPT_NAME and PATH_INFO from the raw (still encoded) parts: moves the `basePath` option's
 * prefix into SCRIPT_NAME on a segment boundary, then percent-decodes both.
 */
export function splitPath(
  scriptRaw: string,
  pathRaw: string,
  settings: Settings,
): [scriptName: string, pathInfo: string] {
  // Empty only where the URL ends exactly at a prefix already cut off (`/beta` on stage beta).
  if (pathRaw !== '' && pathRaw.charCodeAt(0) !== 47 /* / */) {
    throw new BadRequest(
      400,
      `Bad Request: the event's path ${JSON.stringify(pathRaw.slice(0, 100))} does not start with "/"`,
    );
  }
  const base = settings.basePath;
  if (base !== '' && onBoundary(pathRaw, base)) {
    scriptRaw += base;
    pathRaw = pathRaw.slice(base.length);
  }
  if (scriptRaw === '' && pathRaw === '') pathRaw = '/';
  return [decodePath(scriptRaw), decodePath(pathRaw)];
}

/** What an event says about its request; {@link lambdaEnviron} adds what every kind shares. */
export interface LambdaRequest {
  method: string;
  scriptName: string;
  pathInfo: string;
  /** The raw query, without `?`. */
  query: string;
  /** The path as received, still encoded, before any stage or base path is cut. */
  rawPath: string;
  body: Uint8Array;
  protocol?: string | undefined;
  remoteAddr?: string | undefined;
  remoteUser?: string | undefined;
}

/**
 * environ for one Lambda request: a checked method, REQUEST_URI, the decoded body as wsgi.input
 * with its real length, and the logger as wsgi.errors. Headers and the server name follow.
 */
export function lambdaEnviron(request: LambdaRequest, settings: Settings): Environ {
  const { body, query } = request;
  return createEnviron({
    method: checkedMethod(request.method),
    scheme: 'https',
    serverName: '',
    serverPort: '',
    scriptName: request.scriptName,
    pathInfo: request.pathInfo,
    queryString: query,
    requestUri: request.rawPath + (query === '' ? '' : `?${query}`),
    protocol: request.protocol,
    input: createInput(body, body.byteLength),
    errors: errorStream(settings.logger),
    contentLength: body.byteLength,
    remoteAddr: request.remoteAddr,
    remoteUser: request.remoteUser,
    // One request per instance at a time, and many instances.
    multithread: false,
    multiprocess: true,
  });
}

/**
 * SERVER_NAME, SERVER_PORT and wsgi.url_scheme, once the request headers are in environ.
 * X-Forwarded-Proto and -Port are set by the AWS front end itself, not passed through from the client.
 */
export function setServer(environ: Environ, fallbackHost: unknown): void {
  const proto = environ.HTTP_X_FORWARDED_PROTO ?? environ.HTTP_CLOUDFRONT_FORWARDED_PROTO;
  const scheme = proto === 'http' ? 'http' : 'https';
  const host = environ.HTTP_HOST || str(fallbackHost) || 'localhost';
  const port = environ.HTTP_X_FORWARDED_PORT;
  // A warm instance sees the same Host again and again: remember the last answer.
  if (host !== last.host || port !== last.port || scheme !== last.scheme) {
    last = { host, port, scheme, split: splitHost(host, scheme, port) };
  }
  environ.SERVER_NAME = last.split[0];
  environ.SERVER_PORT = last.split[1];
  environ['wsgi.url_scheme'] = scheme;
}

let last = {
  host: '',
  port: undefined as string | undefined,
  scheme: '',
  split: ['', ''] as [string, string],
};

/** The principal a JWT authorizer vouched for: Cognito's user name, else the subject. */
export function principalFromClaims(claims: unknown): string | undefined {
  if (claims === null || typeof claims !== 'object') return undefined;
  const c = claims as Record<string, unknown>;
  const user = c['cognito:username'] ?? c['username'] ?? c['sub'];
  return typeof user === 'string' && user !== '' ? user : undefined;
}

/**
 * Adds a single-value (`{name: value}`) or multi-value (`{name: [v1, v2]}`) header map to
 * environ. `skipCookie` leaves out Cookie headers whose values arrive elsewhere (v2 `cookies`).
 */
export function addHeaderMap(
  environ: Environ,
  map: Record<string, string | string[] | undefined> | null | undefined,
  skipCookie = false,
): void {
  if (map === null || typeof map !== 'object') return;
  for (const name in map) {
    if (skipCookie && name.length === 6 && name.toLowerCase() === 'cookie') continue;
    const value = map[name];
    if (typeof value === 'string') addHeader(environ, name, value);
    else if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'string') addHeader(environ, name, item);
    }
  }
}

// ———— Outgoing (response ⇒ AWS) ————

const TEXT_TYPES = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/x-www-form-urlencoded',
  'image/svg+xml',
]);

/**
 * The default rule for response bodies (SPEC §4): text only when the Content-Type is textual
 * (text/*, JSON, XML, JavaScript, form, SVG, `+json`, `+xml`) and there is no Content-Encoding but
 * identity; base64 otherwise. Compose with it in the `isBinary` option.
 *
 * @example
 * ```ts
 * handler(app, {
 *   isBinary: (headers) =>
 *     isBinaryResponse(headers) && getHeader(headers, 'content-type') !== 'application/x-ndjson',
 * });
 * ```
 */
export function isBinaryResponse(headers: readonly Header[]): boolean {
  let contentType: string | undefined;
  // One pass; the length test skips the comparison for most names.
  for (const [name, value] of headers) {
    if (name.length === 12) {
      if (contentType === undefined && sameLetters(name, 'content-type')) contentType = value;
    } else if (name.length === 16 && sameLetters(name, 'content-encoding')) {
      if (value.trim().toLowerCase() !== 'identity') return true;
    }
  }
  if (contentType === undefined) return true;
  // The commonest answer, `text/…`, is told without a lower-cased copy.
  let start = 0;
  while (contentType.charCodeAt(start) === 32 || contentType.charCodeAt(start) === 9) start++;
  if (sameLetters(contentType, 'text/', start)) return false;
  const semicolon = contentType.indexOf(';');
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon))
    .trim()
    .toLowerCase();
  return !(
    type.startsWith('text/') ||
    type.endsWith('+json') ||
    type.endsWith('+xml') ||
    TEXT_TYPES.has(type)
  );
}

/** `text` from `at` on begins with `lower` (lower-case ASCII), but for the case of its letters. */
function sameLetters(text: string, lower: string, at = 0): boolean {
  for (let i = 0; i < lower.length; i++) {
    const code = text.charCodeAt(at + i);
    const want = lower.charCodeAt(i);
    if (code !== want && !(want >= 97 && want <= 122 && code === want - 32)) return false;
  }
  return true;
}

/** The body as a JSON string field: text when allowed and valid UTF-8, base64 otherwise. */
export function encodeBody(
  response: BufferedResponse,
  settings: Settings,
): [body: string, base64: boolean] {
  const bytes = response.body;
  if (bytes.byteLength === 0) return ['', false];
  if (!settings.isBinary(response.headers)) {
    // Valid UTF-8 is checked whatever the rule says: text that is not UTF-8 would be corrupted.
    const text = response.text ?? utf8Text(bytes);
    if (text !== undefined) return [text, false];
  }
  return [Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'), true];
}

/** The headers of one case-insensitive name: lower-cased, as first spelled, and every value. */
export type HeaderGroup = [lower: string, name: string, values: string[]];

/**
 * Groups headers by case-insensitive name, keeping the first spelling and the app's order. Most
 * answers have a handful of headers: a short list is searched, a long one indexed.
 */
export function groupHeaders(headers: readonly Header[]): HeaderGroup[] {
  const groups: HeaderGroup[] = [];
  let index: Map<string, HeaderGroup> | undefined;
  for (let i = 0; i < headers.length; i++) {
    const [name, value] = headers[i]!;
    const lower = name.toLowerCase();
    let group: HeaderGroup | undefined;
    if (index !== undefined) group = index.get(lower);
    else {
      for (let j = 0; j < groups.length; j++) {
        if (groups[j]![0] === lower) {
          group = groups[j];
          break;
        }
      }
    }
    if (group !== undefined) {
      group[2].push(value);
      continue;
    }
    group = [lower, name, [value]];
    groups.push(group);
    if (index !== undefined) index.set(lower, group);
    else if (groups.length === 16) index = new Map(groups.map((g) => [g[0], g]));
  }
  return groups;
}

/**
 * Upper bound of a result's JSON size without its body: every UTF-16 unit costs at most 6 bytes.
 * The reason phrase counts too: ALB and Lambda@Edge carry it in `statusDescription`.
 */
function headBound(response: BufferedResponse): number {
  let size = 512 + response.reason.length * 6;
  for (const [name, value] of response.headers) size += (name.length + value.length + 8) * 6;
  return size;
}

/**
 * The serialized size when it may be over `limit`, else 0. The body dominates: base64 needs no
 * escaping, so its size is exact; text is measured exactly only when its worst case could matter.
 */
export function oversize(
  result: { body?: string },
  response: BufferedResponse,
  body: string,
  base64: boolean,
  limit: number,
): number {
  const head = headBound(response);
  if (head + (base64 ? body.length : body.length * 6) <= limit) return 0;
  const rest = Buffer.byteLength(JSON.stringify({ ...result, body: '' }));
  const size = rest + (base64 ? body.length : Buffer.byteLength(JSON.stringify(body)) - 2);
  return size > limit ? size : 0;
}

/** The raw event and context the app can reach as `aws.event` and `aws.context`. */
export function attach(environ: Environ, event: unknown, context: LambdaContext | undefined): void {
  environ['aws.event'] = event;
  environ['aws.context'] = context;
}
