/**
 * The App (Flask's `Flask`): routes, hooks and error handlers around Request and Response.
 * It is itself an app, and delegates each call to its replaceable `wsgiApp` (SPEC §1).
 */
import { encodePath } from '../core/environ.js';
import { isHopByHop } from '../core/headers.js';
import type { AppIterable, Environ, StartResponse } from '../core/types.js';
import { BaseApp } from './callable.js';
import { HTTPException, InternalServerError, MethodNotAllowed, NotFound } from './exceptions.js';
import { DEFAULT_LIMITS, Request, type RequestLimits } from './request.js';
import { Response } from './response.js';
import { type Match, type RouteParams, Router } from './routing.js';

/**
 * What a view may return: a Response as it is; a fetch Response converted; a string as HTML;
 * bytes as `application/octet-stream`; a stream or (async) generator streamed as HTML; anything
 * else as JSON.
 */
export type ViewResult =
  | Response
  | string
  | Uint8Array
  | ReadableStream<Uint8Array>
  | AsyncIterable<string | Uint8Array>
  | Generator<string | Uint8Array>
  | number
  | boolean
  | object;

/** A view: the request and the rule's typed parameters in, a {@link ViewResult} out. */
export type View<P = Record<string, unknown>> = (
  request: Request,
  params: P,
) => ViewResult | Promise<ViewResult>;

/** Options for {@link App.route}. */
export interface RouteOptions {
  /** Default `['GET']` (HEAD comes with GET; OPTIONS is answered for every path). */
  methods?: readonly string[];
  /**
   * The name for {@link App.urlFor}; default the view function's name, else the rule. Routes
   * may share a name when they share the view function; another function under a name already
   * taken throws.
   */
  name?: string;
}

/** Runs before each view; returning a result answers the request without the view. */
export type BeforeRequest = (
  request: Request,
) => ViewResult | undefined | Promise<ViewResult | undefined>;
/** Runs after each response is made (errors' too); may change it in place or return another. */
export type AfterRequest = (
  response: Response,
  request: Request,
  // biome-ignore lint/suspicious/noConfusingVoidType: a hook that changes the response in place returns nothing
) => Response | undefined | void | Promise<Response | undefined | void>;
/** Turns an error into a result; a non-Response result gets the error's status. */
export type ErrorHandler<E = unknown> = (
  error: E,
  request: Request,
) => ViewResult | Promise<ViewResult>;

// biome-ignore lint/suspicious/noExplicitAny: error classes take any constructor arguments
type ErrorClass<E> = abstract new (...args: any[]) => E;

/** Options for `new App()`. */
export interface AppOptions extends RequestLimits {
  /** A name for logs and docs. Default `app`. */
  name?: string;
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** A global fetch Response (from `fetch()`, or `new Response()` without the tsgi import). */
function isFetchResponse(value: unknown): value is globalThis.Response {
  const FetchResponse = (globalThis as { Response?: typeof globalThis.Response }).Response;
  return FetchResponse !== undefined && value instanceof FetchResponse;
}

/** The codings fetch undoes itself; a list with any other is passed through undecoded. */
const FETCH_DECODES = new Set(['gzip', 'x-gzip', 'deflate', 'br', 'identity']);

/** True when `fetch()` has decoded the body this Content-Encoding describes. */
function decodedByFetch(fetched: globalThis.Response, encoding: string): boolean {
  if (fetched.url === '') return false; // made with `new Response()`: sent exactly as given
  return encoding.split(',').every((coding) => FETCH_DECODES.has(coding.trim().toLowerCase()));
}

/**
 * A fetch Response as a tsgi one: status, headers (each Set-Cookie its own) and the body
 * streamed. Hop-by-hop headers and Content-Length are dropped: the server frames the body, and
 * fetch may already have decoded what a network response's length described.
 *
 * A Response that came from `fetch()` (its `url` is set; one made with `new Response()` has
 * `url === ''`) also loses Content-Encoding when fetch has decoded it (gzip, deflate, br): the
 * bytes it streams are no longer what that header describes. A coding fetch does not know
 * (zstd on Node 20) is left as it is, header and bytes; so is a Response built by hand.
 */
function fromFetchResponse(fetched: globalThis.Response): Response {
  const headers: [string, string][] = [];
  for (const [name, value] of fetched.headers) {
    const lower = name.toLowerCase();
    if (lower === 'set-cookie' || lower === 'content-length' || isHopByHop(lower)) continue;
    if (lower === 'content-encoding' && decodedByFetch(fetched, value)) continue;
    headers.push([name, value]);
  }
  for (const cookie of fetched.headers.getSetCookie()) headers.push(['Set-Cookie', cookie]);
  const reason = fetched.statusText.trim();
  const response = new Response(fetched.body, {
    status: reason ? `${fetched.status} ${reason}` : fetched.status,
    headers,
  });
  // Bytes without a type are octet-stream (RFC 9110 §8.3), as a Uint8Array result is: not text.
  if (!fetched.headers.has('content-type')) response.mimetype = 'application/octet-stream';
  return response;
}

function isStream(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  return (
    typeof (value as ReadableStream).getReader === 'function' ||
    Symbol.asyncIterator in value ||
    (Symbol.iterator in value &&
      !Array.isArray(value) &&
      typeof (value as Generator).next === 'function')
  );
}

/**
 * A routing web app in the manner of Flask. Also exported as `App` (a value only: in type
 * positions `App` stays the protocol's function type, which every Application satisfies).
 *
 * @example
 * ```ts
 * const app = new App();
 * app.route('/', () => '<p>Hello, World!</p>');
 * app.route('/users/<int:id>', (request, { id }) => ({ id }));
 * app.route('/items', { methods: ['POST'] }, async (request) => Response.json(await request.json(), { status: 201 }));
 * export default app; // an app: any adapter runs it
 * ```
 */
export class Application extends BaseApp {
  override name: string;
  readonly router = new Router<View>();
  readonly limits: Required<RequestLimits>;
  readonly #before: BeforeRequest[] = [];
  readonly #after: AfterRequest[] = [];
  readonly #byCode = new Map<number, ErrorHandler>();
  readonly #byClass = new Map<unknown, ErrorHandler>();
  /** The view function behind each route name (Flask's `view_functions`). */
  readonly #views = new Map<string, View>();

  constructor(options: AppOptions = {}) {
    super();
    this.name = options.name ?? 'app';
    this.limits = {
      maxContentLength: options.maxContentLength ?? DEFAULT_LIMITS.maxContentLength,
      maxFormMemorySize: options.maxFormMemorySize ?? DEFAULT_LIMITS.maxFormMemorySize,
      maxFormParts: options.maxFormParts ?? DEFAULT_LIMITS.maxFormParts,
    };
  }

  /** Adds a route. The view gets the request and the rule's parameters, typed from the rule. */
  route<P extends string>(path: P, view: View<RouteParams<P>>): this;
  route<P extends string>(path: P, options: RouteOptions, view: View<RouteParams<P>>): this;
  route<P extends string>(
    path: P,
    optionsOrView: RouteOptions | View<RouteParams<P>>,
    maybeView?: View<RouteParams<P>>,
  ): this {
    const options = typeof optionsOrView === 'function' ? {} : optionsOrView;
    const view = typeof optionsOrView === 'function' ? optionsOrView : maybeView;
    if (typeof view !== 'function') throw new TypeError(`route ${path} needs a view function`);
    const name = options.name ?? (view.name || path);
    // A name that fell back to the rule builds that rule whichever view answers: no clash.
    const derivedFromPath = options.name === undefined && !view.name;
    const taken = this.#views.get(name);
    if (taken !== undefined && taken !== view && !derivedFromPath) {
      throw new Error(
        `route ${path}: the name ${JSON.stringify(name)} already belongs to another view function; give one of them another name`,
      );
    }
    this.router.add(path, view as View, {
      ...(options.methods !== undefined && { methods: options.methods }),
      name,
    });
    this.#views.set(name, view as View);
    return this;
  }

  /** `route(path, { methods: ['GET'] }, view)`. */
  get<P extends string>(path: P, view: View<RouteParams<P>>): this {
    return this.route(path, { methods: ['GET'] }, view);
  }

  post<P extends string>(path: P, view: View<RouteParams<P>>): this {
    return this.route(path, { methods: ['POST'] }, view);
  }

  put<P extends string>(path: P, view: View<RouteParams<P>>): this {
    return this.route(path, { methods: ['PUT'] }, view);
  }

  patch<P extends string>(path: P, view: View<RouteParams<P>>): this {
    return this.route(path, { methods: ['PATCH'] }, view);
  }

  delete<P extends string>(path: P, view: View<RouteParams<P>>): this {
    return this.route(path, { methods: ['DELETE'] }, view);
  }

  /** Adds a hook that runs before every view, in the order added. */
  beforeRequest(hook: BeforeRequest): this {
    this.#before.push(hook);
    return this;
  }

  /** Adds a hook that runs on every response, in the order added. */
  afterRequest(hook: AfterRequest): this {
    this.#after.push(hook);
    return this;
  }

  /**
   * Handles errors by status code (`404`, `500` for any unhandled error) or by error class
   * (the nearest superclass with a handler wins).
   *
   * @example
   * ```ts
   * app.errorHandler(404, () => Response.json({ error: 'not found' }, { status: 404 }));
   * app.errorHandler(ValidationError, (error) => ({ error: error.message })); // sent as 500
   * ```
   */
  errorHandler(code: number, handler: ErrorHandler<HTTPException>): this;
  errorHandler<E>(type: ErrorClass<E>, handler: ErrorHandler<E>): this;
  errorHandler(key: number | ErrorClass<unknown>, handler: ErrorHandler<never>): this {
    if (typeof key === 'number') this.#byCode.set(key, handler as ErrorHandler);
    else this.#byClass.set(key, handler as ErrorHandler);
    return this;
  }

  /**
   * The URL of a named route. With `request`, it includes the app's mount point (SCRIPT_NAME),
   * and with `external` too the scheme and host.
   *
   * @example
   * ```ts
   * app.route('/users/<int:id>', { name: 'user' }, view);
   * app.urlFor('user', { id: 7, tab: 'posts' }); // '/users/7?tab=posts'
   * ```
   */
  urlFor(
    name: string,
    params: Record<string, unknown> = {},
    options: { request?: Request; external?: boolean } = {},
  ): string {
    const path = this.router.build(name, params);
    const { request } = options;
    if (!request) {
      if (options.external) throw new TypeError('urlFor with external: true needs a request');
      return path;
    }
    const root = request.rootUrl.slice(0, -1);
    return options.external ? root + path : root.slice(request.hostUrl.length - 1) + path;
  }

  /** The app: wraps environ in a Request, dispatches it, and sends the Response. */
  wsgiApp(environ: Environ, startResponse: StartResponse): AppIterable | Promise<AppIterable> {
    const request = new Request(environ, this.limits);
    const response = this.#respond(request);
    return isThenable(response)
      ? response.then((done) => done(environ, startResponse))
      : response(environ, startResponse);
  }

  /** Hooks, routing, the view and error handling: a Request in, a Response out. */
  async fullDispatchRequest(request: Request): Promise<Response> {
    return this.#respond(request);
  }

  /** Like fullDispatchRequest, but synchronous when nothing on the way is async (the common case). */
  #respond(request: Request): Response | Promise<Response> {
    if (this.#before.length > 0 || this.#after.length > 0) return this.#respondWithHooks(request);
    let result: ViewResult | Promise<ViewResult>;
    try {
      result = this.#view(request, this.#match(request));
      if (!isThenable(result)) return this.makeResponse(result);
    } catch (error) {
      return this.#handleError(error, request);
    }
    // Converting the result can fail too (nothing returned, a circular object): one catch for both.
    return result
      .then((value) => this.makeResponse(value))
      .catch((error: unknown) => this.#handleError(error, request));
  }

  async #respondWithHooks(request: Request): Promise<Response> {
    let response: Response;
    try {
      const match = this.#match(request);
      let early: ViewResult | undefined;
      for (const hook of this.#before) {
        early = await hook(request);
        if (early !== undefined) break;
      }
      response = this.makeResponse(early !== undefined ? early : await this.#view(request, match));
    } catch (error) {
      response = await this.#handleError(error, request);
    }
    for (const hook of this.#after) response = (await hook(response, request)) ?? response;
    return response;
  }

  #match(request: Request): Match<View> {
    const match = this.router.match(request.method, request.path);
    if (match.kind === 'found') {
      request.params = match.params;
      request.endpoint = match.rule.name;
    }
    return match;
  }

  /** Runs the matched view, or answers (or throws) what routing found instead. */
  #view(request: Request, match: Match<View>): ViewResult | Promise<ViewResult> {
    if (match.kind === 'found') return match.rule.handler(request, match.params);
    if (match.kind === 'method') {
      if (request.method === 'OPTIONS') {
        return new Response('', { headers: { Allow: match.allowed.join(', ') } });
      }
      throw new MethodNotAllowed(match.allowed);
    }
    // `/docs` where only `/docs/` exists: redirect like werkzeug's strict slashes.
    if (
      !request.path.endsWith('/') &&
      this.router.match('GET', `${request.path}/`).kind !== 'none'
    ) {
      const query = request.queryString ? `?${request.queryString}` : '';
      // PATH_INFO is decoded: encode it again (`%` too, which came from `%25`).
      const target = encodePath(`${request.scriptRoot}${request.path}/`);
      return Response.redirect(target + query, 308);
    }
    throw new NotFound();
  }

  async #handleError(error: unknown, request: Request): Promise<Response> {
    let handler: ErrorHandler | undefined;
    let status = 500;
    if (error instanceof HTTPException) {
      status = error.code;
      handler = this.#byCode.get(error.code) ?? this.#classHandler(error);
      if (!handler) return error.getResponse();
    } else {
      handler = this.#classHandler(error);
      if (!handler) {
        const fallback = this.#byCode.get(500);
        // No handler at all: let the runner make the 500 and log the error (SPEC §3).
        if (!fallback) throw error;
        this.#log(request, error);
        return this.makeResponse(
          await fallback(new InternalServerError(undefined, { cause: error }), request),
          500,
        );
      }
    }
    return this.makeResponse(await handler(error, request), status);
  }

  #classHandler(error: unknown): ErrorHandler | undefined {
    if (error === null || typeof error !== 'object') return undefined;
    for (
      let proto = Object.getPrototypeOf(error);
      proto !== null;
      proto = Object.getPrototypeOf(proto)
    ) {
      const handler = this.#byClass.get(proto.constructor);
      if (handler) return handler;
    }
    return undefined;
  }

  #log(request: Request, error: unknown): void {
    const stack = error instanceof Error ? (error.stack ?? String(error)) : String(error);
    request.environ['wsgi.errors'].write(
      `${this.name}: error in ${request.method} ${request.path}: ${stack}\n`,
    );
    request.environ['wsgi.errors'].flush();
  }

  /**
   * Turns a view's result into a Response (see {@link ViewResult}); `status` applies to
   * results that are not already a Response.
   */
  makeResponse(result: ViewResult | undefined | null, status = 200): Response {
    if (result instanceof Response) return result;
    if (result === undefined || result === null) {
      throw new TypeError(
        'the view returned nothing; return a string, bytes, an object (JSON) or a Response',
      );
    }
    if (typeof result === 'string') return new Response(result, { status, mimetype: 'text/html' });
    if (result instanceof Uint8Array) {
      return new Response(result, { status, mimetype: 'application/octet-stream' });
    }
    if (isStream(result)) {
      return new Response(result as ReadableStream<Uint8Array>, { status, mimetype: 'text/html' });
    }
    if (typeof result === 'function') {
      throw new TypeError('the view returned a function; call it or return a Response');
    }
    if (isFetchResponse(result)) return fromFetchResponse(result);
    return Response.json(result, { status });
  }
}
