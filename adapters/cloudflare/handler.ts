/**
 * The fetch adapter (SPEC §5): one app behind `(request, env, ctx) => Response`, for Cloudflare
 * Workers and any runtime with the web's Request and Response (Deno, Bun, Node's fetch).
 *
 * Security stance: REMOTE_ADDR comes from CF-Connecting-IP only when `request.cf` is set, which
 * only Cloudflare's edge does; anywhere else that header is whatever the client chose to send.
 */

import type { App } from '../../src/index.js';
import {
  addHeader,
  createEnviron,
  createInput,
  decodePath,
  type Environ,
  getHeader,
  notAnAnswer,
  type ResponseBodyIterator,
  type ResponseHead,
  runApp,
  type StreamedResponse,
  splitHost,
  statusForbidsBody,
  unsendable,
} from '../../src/index.js';

/** What the adapter needs of Workers' `ExecutionContext` (the third argument of `fetch`). */
export interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
}

/** Options for {@link fetchHandler} and {@link worker}. */
export interface FetchHandlerOptions {
  /** Put the error and its stack into the body of a 500. For local development only. */
  debug?: boolean;
  /**
   * The path the app is mounted under (a Workers route such as `example.com/api/*`): when the
   * request path starts with it on a segment boundary, it becomes SCRIPT_NAME and the rest
   * PATH_INFO. Compared with the path as it appears in the URL (still percent-encoded).
   */
  basePath?: string;
}

/** `(request, env?, ctx?) => Promise<Response>`: the shape of Workers', Deno's and Bun's fetch. */
export type FetchHandler<Env = unknown> = (
  request: Request,
  env?: Env,
  ctx?: ExecutionContextLike,
) => Promise<Response>;

// ---------------------------------------------------------------------------------------------
// Incoming (Request ⇒ environ)
// ---------------------------------------------------------------------------------------------

/** `/api/` → `/api`; `/` and `` → `` (no prefix). */
function normalizeBasePath(basePath: string | undefined): string {
  if (!basePath) return '';
  const trimmed = basePath.replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** Content-Length as a number of bytes, or undefined when absent or not a plain number. */
function contentLength(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/** Cloudflare's `cf.httpProtocol` (`HTTP/2`, `HTTP/3`) as SERVER_PROTOCOL, when it looks like one. */
function httpProtocol(value: unknown): string | undefined {
  return typeof value === 'string' && /^HTTP\/\d(?:\.\d)?$/.test(value) ? value : undefined;
}

/**
 * Cookie repeats joined with `; ` (SPEC §2): some runtimes' Headers (workerd) join them with `, `.
 * A `, ` is such a join when a cookie's `name=` follows it (any name without a space, `;`, `,`
 * or `=` in it: `cart[1]=3` too). A comma browsers send inside a value (`seen=Wed, 21 Oct 2015
 * 07:28:00 GMT`, `langs=en, fr`) is not followed by one. A nameless cookie joined after another
 * cannot be told from such a value, and is left as it came.
 */
function cookieLine(value: string): string {
  return value.includes(', ') ? value.replace(JOINED_COOKIE, '; ') : value;
}

const JOINED_COOKIE = /, (?=[^;,\s=]+=)/g;

function buildEnviron(request: Request, env: unknown, ctx: unknown, basePath: string): Environ {
  // Request.url is already serialized by the URL parser (absolute, no credentials, default port
  // dropped), so slicing it is safe and avoids building a URL object per request.
  const url = request.url;
  const schemeEnd = url.indexOf(':');
  const scheme = url.slice(0, schemeEnd) === 'https' ? 'https' : 'http';
  const hostStart = schemeEnd + 3;
  let pathStart = url.indexOf('/', hostStart);
  if (pathStart === -1) pathStart = url.length;
  let end = url.indexOf('#', pathStart);
  if (end === -1) end = url.length;
  let queryStart = url.indexOf('?', pathStart);
  if (queryStart === -1 || queryStart > end) queryStart = end;
  const rawPath = url.slice(pathStart, queryStart) || '/';
  const queryString = queryStart < end ? url.slice(queryStart + 1, end) : '';
  const [serverName, serverPort] = splitHost(url.slice(hostStart, pathStart), scheme);

  let scriptName = '';
  let pathInfo = rawPath;
  if (
    basePath !== '' &&
    rawPath.startsWith(basePath) &&
    (rawPath.length === basePath.length || rawPath.charCodeAt(basePath.length) === 47)
  ) {
    scriptName = decodePath(basePath);
    pathInfo = rawPath.slice(basePath.length);
  }

  const headers = request.headers;
  const cf = (request as { cf?: { httpProtocol?: unknown } }).cf;
  const environ = createEnviron({
    method: request.method,
    scheme,
    serverName,
    serverPort,
    scriptName,
    pathInfo: decodePath(pathInfo),
    queryString,
    requestUri: url.slice(pathStart, end) || '/',
    protocol: cf ? httpProtocol(cf.httpProtocol) : undefined,
    remoteAddr: cf ? (headers.get('cf-connecting-ip') ?? undefined) : undefined,
    // Workers isolates serve interleaved requests, and there are many of them.
    multithread: true,
    multiprocess: true,
  });
  // Content-Length is caught in the same pass (Headers gives lower-case names, repeats joined).
  // Iterated rather than forEach'd: Node's forEach runs the iterator and a callback per header.
  let lengthHeader: string | null = null;
  for (const [name, value] of headers) {
    if (name === 'content-length') lengthHeader = value;
    else addHeader(environ, name, name === 'cookie' ? cookieLine(value) : value);
  }
  const length = contentLength(lengthHeader);
  if (length !== undefined) environ.CONTENT_LENGTH = String(length);
  if (request.body !== null) environ['wsgi.input'] = createInput(request.body, length);
  if (env !== undefined) environ['cloudflare.env'] = env;
  if (ctx !== undefined) environ['cloudflare.ctx'] = ctx;
  if (cf) environ['cloudflare.cf'] = cf;
  return environ;
}

// ---------------------------------------------------------------------------------------------
// Outgoing (runner ⇒ Response)
// ---------------------------------------------------------------------------------------------

const ignore = () => {};

/**
 * Calls `leave` once when the client has gone (at once if it already has) and returns what stops
 * watching. The request's signal aborts when the runtime sees the connection close (Deno, Bun,
 * Node's servers; Workers with the `enable_request_signal` flag); without one, nothing is known.
 */
function watchClient(request: Request, leave: () => void): () => void {
  const signal = request.signal as AbortSignal | undefined;
  if (signal === undefined) return ignore;
  if (signal.aborted) {
    leave();
    return ignore;
  }
  signal.addEventListener('abort', leave, { once: true });
  return () => signal.removeEventListener('abort', leave);
}

/** A streamed body's call: the request (for its signal) and the platform's waitUntil. */
interface StreamContext {
  request: Request;
  waitUntil: ((promise: Promise<unknown>) => void) | undefined;
}

/** Stops the app and runs its close(), handing the async part to waitUntil where there is one. */
function stopApp(body: ResponseBodyIterator, waitUntil: StreamContext['waitUntil']): void {
  const stopping = body.return();
  if (waitUntil) waitUntil(stopping);
  else stopping.catch(ignore); // close() errors are logged by the runner
}

/**
 * A body the platform pulls: one chunk from the app per pull (a high-water mark of 0 keeps the
 * app from running ahead of a slow client). A cancel, or the client leaving while it streams
 * (workerd never cancels a body on disconnect, but aborts the request's signal), stops the app
 * and runs its close().
 */
function bodyStream(
  first: Uint8Array,
  body: ResponseBodyIterator,
  context: StreamContext,
): ReadableStream<Uint8Array> {
  let head: Uint8Array | undefined = first;
  let ended = false;
  let unwatch = ignore;
  const end = () => {
    ended = true;
    unwatch();
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        unwatch = watchClient(context.request, () => {
          if (ended) return;
          end();
          stopApp(body, context.waitUntil);
          // No one reads it any more; an errored body would make workerd log an uncaught AbortError.
          controller.close();
        });
      },
      async pull(controller) {
        if (head !== undefined) {
          controller.enqueue(head);
          head = undefined;
          return;
        }
        try {
          const step = await body.next();
          if (ended) return; // the client left while the app worked on this chunk
          if (step.done) {
            end();
            controller.close();
          } else controller.enqueue(step.value);
        } catch (error) {
          if (ended) return;
          end();
          // The runner has logged it and run close(); the client sees an aborted body.
          controller.error(error);
        }
      },
      async cancel() {
        end();
        await body.return();
      },
    },
    { highWaterMark: 0 },
  );
}

/** Workers' `FixedLengthStream`: a pass-through that makes the runtime send a Content-Length. */
type FixedLengthStreamClass = new (length: number) => TransformStream<Uint8Array, Uint8Array>;

/**
 * The streamed body with the app's Content-Length on the wire where the runtime can do that
 * (Workers sends a plain stream chunked, so a client could not tell a cut body from a whole one).
 */
function withDeclaredLength(
  stream: ReadableStream<Uint8Array>,
  headers: ResponseHead['headers'],
): ReadableStream<Uint8Array> {
  const FixedLength = (globalThis as { FixedLengthStream?: FixedLengthStreamClass })
    .FixedLengthStream;
  if (FixedLength === undefined) return stream;
  // The runner has checked the header (digits, one value) and holds the body to that length.
  const declared = getHeader(headers, 'content-length');
  if (declared === undefined) return stream;
  return stream.pipeThrough(new FixedLength(Number(declared)));
}

function toResponse(
  head: ResponseHead,
  body: Uint8Array | string | ReadableStream<Uint8Array> | null,
): Response {
  // A Uint8Array over a SharedArrayBuffer is not BodyInit in the DOM types; chunks never are.
  return new Response(body as BodyInit | null, {
    status: head.statusCode,
    statusText: head.reason,
    headers: head.headers,
  });
}

/** A response the fetch API cannot carry (a 1xx, a header it refuses): a 500. */
function unrepresentable(environ: Environ, problem: string, body: ResponseBodyIterator): Response {
  void body.return();
  const failed = unsendable(environ, 'as a fetch Response', problem);
  return toResponse(failed, environ.REQUEST_METHOD === 'HEAD' ? null : failed.body);
}

/** The Response for the runner's result; synchronous unless the body has to be pulled. */
function respond(
  environ: Environ,
  response: StreamedResponse,
  context: StreamContext,
): Response | Promise<Response> {
  if (statusForbidsBody(response.statusCode) || environ.REQUEST_METHOD === 'HEAD') {
    // The runner has already stopped the app and closed it: there is nothing to send.
    return toResponse(response, null);
  }
  // Most apps answer with a list: the runner then has the whole body, sent with a known length.
  const { complete, completeText } = response;
  if (complete === undefined) return respondStreaming(response, context);
  if (complete.byteLength === 0) return toResponse(response, null);
  // The app's own string is the cheaper body (Node's fetch copies bytes twice), but fetch labels
  // a string text/plain when there is no Content-Type: then the bytes go, unlabelled.
  const asText =
    completeText !== undefined && getHeader(response.headers, 'content-type') !== undefined;
  return toResponse(response, asText ? completeText : complete);
}

async function respondStreaming(
  response: StreamedResponse,
  context: StreamContext,
): Promise<Response> {
  const { body } = response;
  const first = await body.next();
  if (first.done) return toResponse(response, null);
  const stream = withDeclaredLength(bodyStream(first.value, body, context), response.headers);
  try {
    return toResponse(response, stream);
  } catch (error) {
    stream.cancel().catch(ignore); // stops watching the client; the caller answers with a 500
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Serves an app through the fetch API: `(request, env?, ctx?) => Promise<Response>`. Only
 * web-standard APIs are used, so the same handler runs on Cloudflare Workers, Deno, Bun and
 * Node's fetch types. The response body streams as the app yields; an async `close()` is handed
 * to `ctx.waitUntil` when there is a `ctx`.
 *
 * @example
 * ```ts
 * import { fetchHandler } from 'tsgi/cloudflare';
 * import app from './app.js';
 *
 * const handle = fetchHandler(app);
 * Deno.serve((request) => handle(request));
 * ```
 */
export function fetchHandler<Env = unknown>(
  app: App,
  options: FetchHandlerOptions = {},
): FetchHandler<Env> {
  const basePath = normalizeBasePath(options.basePath);
  const debug = options.debug === true;
  return async (request, env, ctx) => {
    const environ = buildEnviron(request, env, ctx, basePath);
    const context: StreamContext = {
      request,
      waitUntil:
        ctx && typeof ctx.waitUntil === 'function'
          ? (promise: Promise<unknown>) => ctx.waitUntil(promise)
          : undefined,
    };
    let unwatch = ignore;
    const gone = () =>
      new Promise<void>((resolve) => {
        unwatch = watchClient(request, resolve);
      });
    const options = context.waitUntil
      ? { debug, gone, waitUntil: context.waitUntil }
      : { debug, gone };
    const result = await runApp(app, environ, options);
    unwatch(); // from here, only a streamed body watches the client
    const problem = notAnAnswer(result.statusCode);
    if (problem !== undefined) return unrepresentable(environ, problem, result.body);
    try {
      const response = respond(environ, result, context);
      return response instanceof Promise ? await response : response;
    } catch (error) {
      return unrepresentable(
        environ,
        error instanceof Error ? error.message : String(error),
        result.body,
      );
    }
  };
}

/**
 * A module worker for `export default`: `{ fetch }` around {@link fetchHandler}.
 *
 * @example
 * ```ts
 * // worker.ts, the `main` of wrangler.toml
 * import { worker } from 'tsgi/cloudflare';
 * import app from './app.js';
 *
 * export default worker(app);
 * ```
 */
export function worker<Env = unknown>(
  app: App,
  options: FetchHandlerOptions = {},
): { fetch: FetchHandler<Env> } {
  return { fetch: fetchHandler<Env>(app, options) };
}
