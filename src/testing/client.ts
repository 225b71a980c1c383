import { concatBytes, fromUtf8 } from '../core/bytes.js';
import { decodePath, encodePath } from '../core/environ.js';
import { errorStream } from '../core/errors.js';
import {
  type BufferedResponse,
  runApp,
  type StreamedResponse,
  unsendable,
} from '../core/runner.js';
import { notAnAnswer } from '../core/status.js';
import type { App, Environ, Header } from '../core/types.js';
import { CookieJar } from './cookies.js';
import {
  buildEnviron,
  type EnvironOptions,
  type HeadersInit,
  headerPairs,
} from './environ-builder.js';

/** The request a {@link TestResponse} answers. */
export interface TestRequest {
  readonly method: string;
  /** The full URL: `http://localhost/path?query`. */
  readonly url: string;
}

/** What else a {@link TestResponse} knows: its request and the redirects followed on the way. */
export interface TestResponseContext {
  request?: TestRequest;
  history?: readonly TestResponse[];
}

/** What the test client gives back for one request. */
export class TestResponse {
  /** The status line: `"200 OK"`. */
  readonly status: string;
  readonly statusCode: number;
  /** Response headers in the app's order, repeats kept. */
  readonly headers: Header[];
  /** The body bytes as a client would receive them. */
  readonly body: Uint8Array;
  /** What the app and the runner wrote to `wsgi.errors` during the request. */
  readonly errors: string;
  /** The request this answers (after redirects: the last one). */
  readonly request: TestRequest | undefined;
  /** With `followRedirects`: the redirect responses that led here, oldest first. */
  readonly history: readonly TestResponse[];

  constructor(
    status: string,
    statusCode: number,
    headers: Header[],
    body: Uint8Array,
    errors: string,
    context: TestResponseContext = {},
  ) {
    this.status = status;
    this.statusCode = statusCode;
    this.headers = headers;
    this.body = body;
    this.errors = errors;
    this.request = context.request;
    this.history = context.history ?? [];
  }

  /** The first value of a header, case-insensitive. */
  header(name: string): string | undefined {
    const lower = name.toLowerCase();
    return this.headers.find(([key]) => key.toLowerCase() === lower)?.[1];
  }

  /** Every value of a header, case-insensitive (Set-Cookie). */
  headerAll(name: string): string[] {
    const lower = name.toLowerCase();
    return this.headers.filter(([key]) => key.toLowerCase() === lower).map(([, value]) => value);
  }

  text(): string {
    return fromUtf8(this.body);
  }

  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }
}

/** A request for {@link Client.request}: environ options without the method. */
export interface RequestOptions extends Omit<EnvironOptions, 'method' | 'path'> {
  /**
   * Follow 301, 302, 303, 307 and 308 responses that have a Location, as a browser does: 303
   * (and 301 or 302 after a POST) goes on as a GET without the body; 307 and 308 repeat the
   * method and body. The response is the last one, with the redirects in `history`. Only
   * redirects to the same host are followed, at most {@link MAX_REDIRECTS}. Default false.
   */
  followRedirects?: boolean;
}

/** Options for `new Client(app, options)`: defaults for every request, and the cookie jar. */
export interface ClientOptions extends RequestOptions {
  /**
   * Keep the cookies responses set and send them back, as a browser would (default true).
   * The jar is `client.cookies`.
   */
  useCookies?: boolean;
}

/** Most redirects one request follows before {@link Client.request} gives up (fetch's limit). */
export const MAX_REDIRECTS = 20;

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding']);

type Hop = { method: string; path: string; options: RequestOptions };

/** The client's default headers, less the names a request sets itself, then the request's. */
function mergedHeaders(
  defaults: HeadersInit | undefined,
  own: HeadersInit | undefined,
): HeadersInit | undefined {
  if (defaults === undefined || own === undefined) return own ?? defaults;
  const ownPairs = headerPairs(own);
  const named = new Set(ownPairs.map(([name]) => name.toLowerCase()));
  return [...headerPairs(defaults).filter(([name]) => !named.has(name.toLowerCase())), ...ownPairs];
}

/** The options a request gives: a key set to `undefined` leaves the Client's default in place. */
function givenOnly(options: RequestOptions): RequestOptions {
  const given: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (value !== undefined) given[key] = value;
  return given as RequestOptions;
}

function hasBody(options: RequestOptions): boolean {
  return options.body !== undefined || options.json !== undefined || options.form !== undefined;
}

/** The options without a body and what described it: `contentType` and Content-* headers. */
function withoutBody<T extends RequestOptions>(options: T): T {
  const { body, json, form, contentType, ...rest } = options;
  if (rest.headers !== undefined) {
    rest.headers = headerPairs(rest.headers).filter(
      ([name]) => !BODY_HEADERS.has(name.toLowerCase()),
    );
  }
  return rest as T;
}

/**
 * The Client's defaults for a request: a request's own body (body, json or form) replaces a
 * default one of any kind, and what described it.
 */
function defaultsFor(defaults: ClientOptions, own: RequestOptions): ClientOptions {
  return hasBody(own) && hasBody(defaults) ? withoutBody(defaults) : defaults;
}

/** The URL of the request an environ describes, as the client sent it, and its raw path. */
function requestTarget(environ: Environ): { url: string; path: string } {
  const target = environ.REQUEST_URI ?? encodePath(environ.SCRIPT_NAME + environ.PATH_INFO);
  const mark = target.indexOf('?');
  return {
    // Joined as text, not parsed: a test may send a Host no URL parser accepts.
    url: `${environ['wsgi.url_scheme']}://${environ.HTTP_HOST ?? environ.SERVER_NAME}${target}`,
    path: mark === -1 ? target : target.slice(0, mark),
  };
}

/**
 * Calls an app in-process the way a server would, like werkzeug's test Client. The app runs
 * through the same runner every adapter uses, so protocol errors surface as they would live.
 *
 * Cookies the app sets are kept in `client.cookies` and sent back on later requests (pass
 * `useCookies: false` to turn that off); `followRedirects: true` follows redirects.
 *
 * @example
 * ```ts
 * const client = new Client(app);
 * const res = await client.get('/hello?name=Ada');
 * expect(res.statusCode).toBe(200);
 * expect(res.text()).toBe('Hello Ada');
 *
 * await client.post('/login', { form: { user: 'ada' }, followRedirects: true });
 * client.cookies?.get('session'); // the cookie /login set, sent with every request from now on
 * ```
 */
export class Client {
  readonly app: App;
  /** Options every request starts from; a request's own options win. */
  readonly defaults: RequestOptions;
  /** The cookie jar, or null with `useCookies: false`. */
  readonly cookies: CookieJar | null;

  constructor(app: App, options: ClientOptions = {}) {
    const { useCookies = true, ...defaults } = options;
    this.app = app;
    this.defaults = defaults;
    this.cookies = useCookies ? new CookieJar() : null;
  }

  /**
   * Any method. The whole body is read, so close() has run when this resolves. With
   * `followRedirects`, throws when a redirect leaves the host, needs a streamed body sent
   * again, or comes more than {@link MAX_REDIRECTS} times.
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<TestResponse> {
    const own = givenOnly(options);
    const defaults = defaultsFor(this.defaults, own);
    const { followRedirects = false, ...first } = {
      ...defaults,
      ...own,
      headers: mergedHeaders(defaults.headers, own.headers),
    };
    let hop: Hop = { method, path, options: first };
    const history: TestResponse[] = [];
    for (;;) {
      const [response, environ] = await this.#send(hop, history);
      const location = response.header('location');
      if (!followRedirects || !REDIRECT_CODES.has(response.statusCode) || location === undefined) {
        return response;
      }
      if (history.length === MAX_REDIRECTS) {
        throw new Error(`more than ${MAX_REDIRECTS} redirects, the last to ${location}`);
      }
      history.push(response);
      hop = redirected(hop, response.statusCode, location, environ);
    }
  }

  async #send(hop: Hop, history: readonly TestResponse[]): Promise<[TestResponse, Environ]> {
    let logged = '';
    const errors = errorStream((line) => {
      logged += `${line}\n`;
    });
    const environ = buildEnviron({ errors, ...hop.options, method: hop.method, path: hop.path });
    const { url, path } = requestTarget(environ);
    if (this.cookies) {
      const fromJar = this.cookies.cookieHeader(environ.SERVER_NAME, path);
      // Cookies given in the request's headers come first, so they win where names repeat.
      if (fromJar !== undefined) {
        environ.HTTP_COOKIE = environ.HTTP_COOKIE ? `${environ.HTTP_COOKIE}; ${fromJar}` : fromJar;
      }
    }
    let response: StreamedResponse | BufferedResponse = await runApp(this.app, environ);
    let body: Uint8Array;
    const problem = notAnAnswer(response.statusCode);
    if (problem !== undefined) {
      // As on every adapter: a 1xx cannot be the answer.
      await response.body.return();
      response = unsendable(environ, 'by any adapter', problem);
      body = response.body;
    } else {
      const chunks: Uint8Array[] = [];
      for await (const chunk of response.body) chunks.push(chunk);
      body = concatBytes(chunks);
    }
    environ['wsgi.errors'].flush();
    const result = new TestResponse(
      response.status,
      response.statusCode,
      response.headers,
      body,
      logged,
      { request: { method: hop.method, url }, history: [...history] },
    );
    this.cookies?.store(result.headerAll('set-cookie'), environ.SERVER_NAME, path);
    return [result, environ];
  }

  get(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('GET', path, options);
  }

  head(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('HEAD', path, options);
  }

  post(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('POST', path, options);
  }

  put(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('PUT', path, options);
  }

  patch(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('PATCH', path, options);
  }

  delete(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('DELETE', path, options);
  }

  options(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('OPTIONS', path, options);
  }
}

/** The request a redirect leads to: where, with which method, and with or without the body. */
function redirected(hop: Hop, code: number, location: string, environ: Environ): Hop {
  // The path is put after the origin, so a path like `//x` stays a path.
  const origin = new URL(
    `${environ['wsgi.url_scheme']}://${environ.HTTP_HOST ?? environ.SERVER_NAME}`,
  );
  const from = new URL(origin.origin + requestTarget(environ).path);
  const to = new URL(location, from);
  if ((to.protocol !== 'http:' && to.protocol !== 'https:') || to.host !== from.host) {
    throw new Error(`the test client does not follow a redirect to another host: ${to.href}`);
  }
  let options: RequestOptions = { ...hop.options };
  delete options.scriptName;
  delete options.scheme;
  delete options.query;
  let method = hop.method;
  // 303 asks for a GET; 301 and 302 after a POST get one too, as browsers (and fetch) do it.
  if (
    (code === 303 && method !== 'HEAD') ||
    ((code === 301 || code === 302) && method === 'POST')
  ) {
    method = 'GET';
    options = withoutBody(options);
  } else if (
    options.body !== undefined &&
    typeof options.body !== 'string' &&
    !(options.body instanceof Uint8Array)
  ) {
    throw new Error(`a ${code} redirect needs the body sent again, but it was a stream`);
  }
  // Keep the mount point when the new path is under it (werkzeug does the same).
  const root = environ.SCRIPT_NAME.split('/');
  const segments = to.pathname.split('/');
  const underRoot =
    environ.SCRIPT_NAME !== '' &&
    segments.length >= root.length &&
    root.every((segment, i) => decodePath(segments[i]!) === segment);
  const rawRoot = underRoot ? segments.slice(0, root.length).join('/') : '';
  options.baseUrl = `${to.protocol}//${to.host}${rawRoot}`;
  return { method, path: to.pathname.slice(rawRoot.length) + to.search, options };
}
