/**
 * The one place that runs an app (SPEC §3). Every adapter calls {@link runApp} or
 * {@link runAppBuffered}; the rules about startResponse, write(), close(), errors and bodiless
 * responses live here and nowhere else.
 */
import { concatBytes, EMPTY, utf8 } from './bytes.js';
import { describeError, ProtocolError } from './errors.js';
import { checkHeaders, parseStatus } from './headers.js';
import { statusForbidsBody, statusLine } from './status.js';
import type { App, AppIterable, Environ, Header, StartResponse, Write } from './types.js';

/** Options for running an app. */
export interface RunOptions {
  /** Put the error and its stack into the body of a 500. For local development only. */
  debug?: boolean;
  /**
   * Receives the promise of an async `close()` instead of the runner awaiting it, so a platform
   * can finish the response first (Workers' `ctx.waitUntil`).
   */
  waitUntil?: (promise: Promise<unknown>) => void;
  /**
   * Tells when the client has gone away, for a streaming server whose connection can close:
   * called only if the runner has to wait for the app's first chunk, it returns a promise that
   * settles (either way) once the client is gone, at once if it already is. The runner then
   * stops waiting, ends the iteration and runs close(), and resolves with a response that is not
   * to be sent. An async generator cannot be interrupted: its `finally` blocks run once its
   * current `await` settles. After the first chunk the adapter stops the body itself
   * (`body.return()`). A function, so that a request answered at once costs nothing.
   *
   * @example
   * ```ts
   * const response = await runApp(app, environ, { gone: () => whenClosed(res) });
   * if (res.destroyed) return; // the app has been closed already
   * ```
   */
  gone?: () => PromiseLike<unknown>;
}

/** Status and headers of a response. */
export interface ResponseHead {
  /** The status line as the app gave it: `"200 OK"`. */
  status: string;
  statusCode: number;
  reason: string;
  /** In the app's order; repeats (Set-Cookie) stay separate. */
  headers: Header[];
}

/** A response with its whole body in memory. */
export interface BufferedResponse extends ResponseHead {
  body: Uint8Array;
  /**
   * The same body as text, when the app gave it as strings (and none held a lone surrogate): a
   * platform that takes text (a Lambda result) can use it instead of decoding `body` back.
   */
  text?: string;
}

/**
 * A response whose body is still being produced. Iterate `body` to get the chunks; call
 * `body.return()` when the client goes away, which stops the app and runs its `close()`.
 * If the app fails mid-body, iteration throws (the error is already logged): abort the stream.
 */
export interface StreamedResponse extends ResponseHead {
  body: ResponseBodyIterator;
  /**
   * Set when the app had produced its whole body before the head was due (a list result, a
   * generator that finished, a bodiless response, a 500): the body in one piece, and `close()`
   * has already run. An adapter may send it with a known length instead of iterating `body`.
   */
  complete?: Uint8Array;
  /** With `complete`: the same body as text, when the app gave it as strings (see BufferedResponse). */
  completeText?: string;
}

/** A streamed body: async chunks, and `return()` to stop the app early. */
export interface ResponseBodyIterator extends AsyncIterableIterator<Uint8Array> {
  return(value?: unknown): Promise<IteratorResult<Uint8Array>>;
}

type Step = { done: true } | { done: false; value: unknown };
type Source = { next(): Step | Promise<Step>; return?(): unknown };

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** True when a string has no lone surrogate, so its UTF-8 form decodes back to it (ES2024). */
function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

function chunkBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return utf8(chunk);
  throw new ProtocolError(
    `the app produced a ${kindOf(chunk)} chunk; chunks are Uint8Array or string`,
  );
}

function iterableSource(result: unknown): Source {
  if (typeof result === 'string' || result instanceof Uint8Array) {
    throw new ProtocolError(
      `the app returned a bare ${kindOf(result)}; return an iterable of chunks, such as [body]`,
    );
  }
  if (result !== null && typeof result === 'object') {
    const sync = (result as Iterable<unknown>)[Symbol.iterator];
    if (typeof sync === 'function') return sync.call(result) as Source;
    const async = (result as AsyncIterable<unknown>)[Symbol.asyncIterator];
    if (typeof async === 'function') return async.call(result) as Source;
  }
  throw new ProtocolError(
    `the app returned ${kindOf(result)}, which is not an iterable or async iterable of chunks`,
  );
}

/**
 * The app's header list with each pair copied, so that what was checked is what is sent: the app
 * keeps its own list and pairs, and may change them after startResponse. A malformed list or
 * pair is kept as it is, for checkHeaders to refuse.
 */
function ownPairs(headers: unknown): Header[] {
  if (!Array.isArray(headers)) return headers as Header[];
  const copy: Header[] = new Array(headers.length);
  for (let i = 0; i < headers.length; i++) {
    const pair: unknown = headers[i];
    copy[i] = Array.isArray(pair) && pair.length === 2 ? [pair[0], pair[1]] : (pair as Header);
  }
  return copy;
}

/**
 * Waits for what the app is working on (its result, its next chunk), but stops at its next
 * write() of body bytes with WRITTEN, so that written output goes out while it works (PEP 3333:
 * a server must not delay a block the app has written); with GONE once the client has left;
 * with WRITTEN too once the response has finished (the caller then sees it has been stopped).
 * Bytes written before the wait come after a result that is ready already. One promise a wait.
 */
function whileWorking<T>(
  exchange: Exchange,
  work: Work<T>,
  gone?: Gone,
): Promise<T | typeof WRITTEN | typeof GONE> {
  return new Promise<T | typeof WRITTEN | typeof GONE>((resolve, reject) => {
    const waiting: Waiting = {
      wake() {
        if (exchange.waiting !== waiting) return;
        const { outcome } = work;
        let value: T | typeof WRITTEN | typeof GONE;
        if (outcome !== undefined) {
          if ('error' in outcome) {
            exchange.waiting = undefined;
            reject(outcome.error);
            return;
          }
          value = outcome.value;
        } else if (exchange.chunks.length > 0 || exchange.stop || exchange.finished)
          value = WRITTEN;
        else if (gone?.left === true) value = GONE;
        else return;
        exchange.waiting = undefined;
        resolve(value);
      },
    };
    exchange.waiting = waiting;
    if (work.outcome !== undefined) waiting.wake();
    else if (
      exchange.chunks.length > 0 ||
      exchange.stop ||
      exchange.finished ||
      gone?.left === true
    ) {
      queueMicrotask(waiting.wake); // after the work's own settling, already queued if ready
    }
  });
}

/** Settles the wait in progress on `exchange`, if what it waits for has happened. */
function wakeUp(exchange: Exchange): void {
  exchange.waiting?.wake();
}

/**
 * A promise the app is working on (its result, its next chunk), watched once: its outcome once
 * it has one. Waiting on it again and again (while the app writes) adds nothing to the promise.
 */
class Work<T> {
  outcome: { value: T } | { error: unknown } | undefined;
  readonly promise: PromiseLike<T>;

  constructor(promise: PromiseLike<T>, exchange: Exchange) {
    this.promise = promise;
    promise.then(
      (value) => {
        this.outcome = { value };
        wakeUp(exchange);
      },
      (error: unknown) => {
        this.outcome = { error };
        wakeUp(exchange);
      },
    );
  }
}

/** A {@link whileWorking} wait in progress: `wake` settles it if what it waits for has happened. */
interface Waiting {
  wake(): void;
}

/** Whether the client has gone, from RunOptions.gone, watched once. */
class Gone {
  left = false;

  constructor(gone: PromiseLike<unknown>, exchange: Exchange) {
    // However it settles, it means the same: no one is left to answer.
    const left = () => {
      this.left = true;
      wakeUp(exchange);
    };
    gone.then(left, left);
  }
}

/** One call of an app: the startResponse/write state machine and close() bookkeeping. */
class Exchange {
  head: ResponseHead | undefined;
  headersSent = false;
  /** Chunks produced (written or yielded) and not yet handed on. */
  chunks: Uint8Array[] = [];
  size = 0;
  /**
   * The body so far as the app's own strings, while every chunk has been a well-formed one;
   * `undefined` after any other chunk, or once the head has gone out and the body streams.
   */
  text: string | undefined = '';
  /** Set once a bodiless response has its head: no need to run the app further. */
  stop = false;
  finished = false;
  #declaredLength = -1;
  #bodiless = false;
  #closed = false;
  /** Set when close() (or ending the iteration early) failed; the error is already logged. */
  closeFailure: { error: unknown } | undefined;
  /**
   * What write() throws once the client has gone or a bodiless answer has been sent while the
   * app works: it tells the app that no one reads what it writes. An app that lets it go is
   * stopped, not failing, and it is not logged. A write() after the app's own end (from its
   * close(), say) is a protocol error like any other, and is logged.
   */
  #stopped: ProtocolError | undefined;
  /** The close() in progress, for a second caller to wait on too. */
  #closing: Promise<void> | undefined;
  /** The one {@link whileWorking} wait in progress (streaming only: the buffered path has none). */
  waiting: Waiting | undefined;
  readonly environ: Environ;
  readonly options: RunOptions;

  constructor(environ: Environ, options: RunOptions) {
    this.environ = environ;
    this.options = options;
  }

  readonly startResponse: StartResponse = (status, headers, excInfo) => {
    if (excInfo !== undefined && excInfo !== null) {
      if (this.headersSent) throw excInfo;
    } else if (this.head !== undefined) {
      throw new ProtocolError('startResponse was called a second time without excInfo');
    }
    const { code, reason } = parseStatus(status);
    const head = ownPairs(headers);
    checkHeaders(head);
    // Kept apart until every check has passed: a refused replacement leaves the first head whole.
    let declaredLength = -1;
    let length: number | undefined;
    for (let i = head.length - 1; i >= 0; i--) {
      const [name, value] = head[i]!;
      if (name.length !== 14 || name.toLowerCase() !== 'content-length') continue;
      if (code < 200 || code === 204 || code === 205) {
        head.splice(i, 1); // RFC 9110 §8.6: never on 1xx or 204; 205 gets its own 0 below
        continue;
      }
      if (!/^\d+$/.test(value)) {
        throw new ProtocolError(`Content-Length ${JSON.stringify(value)} is not a number of bytes`);
      }
      if (length !== undefined) {
        // Clients refuse a response with two lengths (RFC 9110 §8.6); the same one twice is sent once.
        if (Number(value) !== length) {
          throw new ProtocolError(`two different Content-Length headers: ${value} and ${length}`);
        }
        head.splice(i, 1);
        continue;
      }
      length = Number(value);
      if (code !== 304 && this.environ.REQUEST_METHOD !== 'HEAD') declaredLength = length;
    }
    // A 205 says "no content" with a length of 0 (RFC 7231 §6.3.6), so an HTTP/1.1 server sends
    // neither a body nor an empty chunked one.
    if (code === 205) head.push(['Content-Length', '0']);
    this.head = { status, statusCode: code, reason, headers: head };
    this.#bodiless = statusForbidsBody(code) || this.environ.REQUEST_METHOD === 'HEAD';
    this.#declaredLength = declaredLength;
    return this.write;
  };

  readonly write: Write = (chunk) => {
    if (this.head === undefined) throw new ProtocolError('write() was called before startResponse');
    if (this.#stopped !== undefined) throw this.#stopped;
    if (this.finished) throw new ProtocolError('write() was called after the response ended');
    this.push(chunk);
    if (this.chunks.length > 0 || this.stop) this.waiting?.wake();
  };

  /** Nothing more will be sent while the app still works: its next write() stops it, quietly. */
  stopApp(): void {
    this.finished = true;
    this.#stopped ??= new ProtocolError('write() was called after the response ended');
  }

  /** Takes one chunk from the app (yielded or written). */
  push(chunk: unknown): void {
    const bytes = chunkBytes(chunk);
    if (bytes.byteLength === 0) return;
    if (this.head === undefined) {
      throw new ProtocolError('the app produced body data before calling startResponse');
    }
    this.headersSent = true;
    if (this.#bodiless) {
      this.stop = true;
      return;
    }
    // Checked before counting: a refused chunk was never sent.
    if (this.#declaredLength >= 0 && this.size + bytes.byteLength > this.#declaredLength) {
      throw new ProtocolError(
        `the app sent more than its Content-Length of ${this.#declaredLength} bytes`,
      );
    }
    this.size += bytes.byteLength;
    this.chunks.push(bytes);
    // Each chunk is encoded on its own, so each must be well-formed for the joined text to be
    // these bytes: a surrogate pair split across two chunks is two U+FFFD, not one character.
    if (this.text !== undefined) {
      this.text = typeof chunk === 'string' && isWellFormed(chunk) ? this.text + chunk : undefined;
    }
  }

  /** The body has ended: check that a head exists and that the length matches. */
  end(): ResponseHead {
    if (this.head === undefined) {
      throw new ProtocolError('the app returned without calling startResponse');
    }
    this.headersSent = true;
    this.finished = true;
    if (this.#declaredLength >= 0 && this.size !== this.#declaredLength) {
      throw new ProtocolError(
        `the app sent ${this.size} bytes but its Content-Length said ${this.#declaredLength}`,
      );
    }
    return this.head;
  }

  log(error: unknown): void {
    if (error !== undefined && error === this.#stopped) return; // the app was stopped
    const errors = this.environ['wsgi.errors'];
    const text = `tsgi: error in app for ${this.environ.REQUEST_METHOD} ${
      this.environ.SCRIPT_NAME + this.environ.PATH_INFO
    }: ${describeError(error)}\n`;
    try {
      errors.write(text);
      errors.flush();
    } catch {
      console.error(text); // a broken wsgi.errors must not hide the app's error
    }
  }

  /** Runs the result's close() exactly once; an error there is logged, not thrown. */
  close(result: AppIterable | undefined, source?: Source, early = false): void | Promise<void> {
    if (this.#closed) return this.#closing;
    this.#closed = true;
    this.finished = true;
    // Stopping early ends the iteration the way `for...of` + `break` does (a generator's finally runs).
    let pending: Promise<unknown>[] | undefined;
    if (early && source !== undefined) pending = this.#call(source, 'return', pending);
    if (result != null) pending = this.#call(result, 'close', pending);
    if (pending === undefined) return;
    const all = Promise.all(pending).then(() => undefined);
    if (this.options.waitUntil) {
      this.options.waitUntil(all);
      return;
    }
    this.#closing = all;
    return all;
  }

  /**
   * Calls `target[method]()` if it is a function, adding a promise it returns to `pending`. The
   * method is looked up inside the guard too: a getter may throw.
   */
  #call(target: object, method: 'close' | 'return', pending: Promise<unknown>[] | undefined) {
    try {
      const fn = (target as Record<string, unknown>)[method];
      if (typeof fn !== 'function') return pending;
      const value: unknown = fn.call(target);
      if (!isThenable(value)) return pending;
      pending ??= [];
      pending.push(Promise.resolve(value).catch((error) => this.#closeFailed(error)));
    } catch (error) {
      this.#closeFailed(error);
    }
    return pending;
  }

  #closeFailed(error: unknown): void {
    this.closeFailure ??= { error };
    this.log(error);
  }

  /** The 500 that replaces a response whose headers were not sent yet. */
  failure(error: unknown, logged = false): BufferedResponse {
    if (!logged) this.log(error);
    const detail = this.options.debug ? `\n\n${describeError(error)}\n` : '\n';
    return plainResponse(500, `Internal Server Error${detail}`, this.environ.REQUEST_METHOD);
  }

  /** The 500 for a close() that failed before anything was sent (already logged), or undefined. */
  failedClose(): BufferedResponse | undefined {
    return this.closeFailure && this.failure(this.closeFailure.error, true);
  }
}

/**
 * A small text/plain response for errors an adapter answers itself (400, 413, 500).
 *
 * @example
 * ```ts
 * plainResponse(400, 'Bad Request: the body is not valid base64');
 * ```
 */
export function plainResponse(code: number, text: string, method = 'GET'): BufferedResponse {
  const bytes = utf8(text);
  const body = method === 'HEAD' || statusForbidsBody(code) ? EMPTY : bytes;
  const status = statusLine(code);
  return {
    status,
    statusCode: code,
    reason: status.slice(4),
    headers: [
      ['Content-Type', 'text/plain; charset=utf-8'],
      ['Content-Length', String(bytes.byteLength)],
    ],
    body,
    text: body === EMPTY ? '' : isWellFormed(text) ? text : undefined,
  };
}

/**
 * The 500 an adapter sends when the app's response cannot go out on its platform (a 1xx status,
 * see `notAnAnswer`; a header the platform refuses), with the reason on `wsgi.errors`.
 * `how` completes "cannot be sent …": `'by Node'`, `'as a fetch Response'`.
 *
 * @example
 * ```ts
 * const problem = notAnAnswer(response.statusCode);
 * if (problem) return unsendable(environ, 'by Lambda', problem);
 * ```
 */
export function unsendable(environ: Environ, how: string, problem: string): BufferedResponse {
  const errors = environ['wsgi.errors'];
  errors.write(
    `tsgi: the app's response for ${environ.REQUEST_METHOD} ${environ.SCRIPT_NAME}${environ.PATH_INFO} cannot be sent ${how}: ${problem}\n`,
  );
  errors.flush();
  return plainResponse(500, 'Internal Server Error\n', environ.REQUEST_METHOD);
}

/**
 * Runs an app and collects the whole body into one Uint8Array: the path for buffered platforms
 * (Lambda's `handler`). Never throws: an app error at any point, close() included, becomes a 500.
 *
 * @example
 * ```ts
 * const res = await runAppBuffered(app, buildEnviron({ path: '/' }));
 * console.log(res.statusCode, new TextDecoder().decode(res.body));
 * ```
 */
export async function runAppBuffered(
  app: App,
  environ: Environ,
  options: RunOptions = {},
): Promise<BufferedResponse> {
  const exchange = new Exchange(environ, options);
  let result: AppIterable | undefined;
  let source: Source | undefined;
  let done = false;
  try {
    const value = app(environ, exchange.startResponse);
    result = isThenable(value) ? await value : value;
    if (Array.isArray(result)) {
      for (let i = 0; i < result.length && !exchange.stop; i++) exchange.push(result[i]);
      done = true;
    } else {
      source = iterableSource(result);
      while (!exchange.stop) {
        let step = source.next();
        if (isThenable(step)) step = await step;
        if (step.done) break;
        exchange.push(step.value);
      }
      done = true;
    }
    const head = exchange.end();
    const closing = exchange.close(result, source, exchange.stop);
    if (closing) await closing;
    // Nothing has left yet, so a failing close() is an error like any other (SPEC §3).
    const failed = exchange.failedClose();
    if (failed) return failed;
    return {
      status: head.status,
      statusCode: head.statusCode,
      reason: head.reason,
      headers: head.headers,
      body: concatBytes(exchange.chunks, exchange.size),
      text: exchange.text,
    };
  } catch (error) {
    const closing = exchange.close(result, source, !done);
    if (closing) await closing;
    return exchange.failure(error);
  }
}

/**
 * Runs an app for a streaming platform. Resolves once the headers are due (the first non-empty
 * chunk, or the end of an empty body); the rest of the body is pulled as `body` is iterated.
 * An error before that point resolves to a 500; after it, iterating `body` throws.
 *
 * @example
 * ```ts
 * const res = await runApp(app, environ);
 * for await (const chunk of res.body) socket.write(chunk);
 * ```
 */
export async function runApp(
  app: App,
  environ: Environ,
  options: RunOptions = {},
): Promise<StreamedResponse> {
  const exchange = new Exchange(environ, options);
  let result: AppIterable | undefined;
  let source: Source | undefined;
  try {
    const value = app(environ, exchange.startResponse);
    if (isThenable(value)) {
      // The app may write() while it works on its result: then the head is due before the result.
      const work = new Work(value, exchange);
      const settled = await whileWorking(exchange, work);
      if (settled === WRITTEN) return headDue(exchange, new ResponseBody(exchange, work));
      result = settled as AppIterable;
    } else {
      result = value;
    }
    if (Array.isArray(result)) {
      // A list is complete already: take it whole, so the adapter can send it with a known length.
      for (let i = 0; i < result.length && !exchange.stop; i++) exchange.push(result[i]);
      const response = completed(exchange, result, undefined, false);
      return isThenable(response) ? await response : response;
    }
    source = iterableSource(result);
    let gone: Gone | undefined;
    // Pull until the head is due: the first non-empty chunk, or the end of the body.
    while (exchange.chunks.length === 0 && !exchange.stop) {
      let step: Step | Promise<Step> | typeof WRITTEN | typeof GONE = source.next();
      if (isThenable(step)) {
        if (options.gone) gone ??= new Gone(options.gone(), exchange);
        const work = new Work(step, exchange);
        step = await whileWorking(exchange, work, gone);
        if (step === WRITTEN) {
          return headDue(exchange, new ResponseBody(exchange, result, source, work));
        }
      }
      if (step === GONE) return await abandoned(exchange, result, source);
      if (step.done) return await completed(exchange, result, source, false);
      exchange.push(step.value);
    }
    if (exchange.stop) return await completed(exchange, result, source, true);
    return streaming(exchange, new ResponseBody(exchange, result, source));
  } catch (error) {
    const closing = exchange.close(result, source, true);
    if (closing) await closing;
    return whole(exchange.failure(error));
  }
}

/** The step that stands for "the client has gone" while the app works on its first chunk. */
const GONE: Step = { done: true };

/** What a wait on the app settles to when it has written body bytes meanwhile. */
const WRITTEN: unique symbol = Symbol('written');

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The app wrote while it worked: the head is due. A response without a body (HEAD, 204, 304) has
 * all it will send, so it goes whole, and the app is stopped in the background: its result is
 * closed when it comes (handed to waitUntil where there is one).
 */
function headDue(exchange: Exchange, body: ResponseBody): StreamedResponse {
  if (!exchange.stop) return streaming(exchange, body);
  const closing = body.finish();
  exchange.options.waitUntil?.(closing);
  return { ...streaming(exchange, body), complete: EMPTY, completeText: '' };
}

/** The head is due and the body goes on: the response that streams the rest. */
function streaming(exchange: Exchange, body: ResponseBody): StreamedResponse {
  exchange.text = undefined; // the body streams from here: no need to keep it as text too
  const head = exchange.head!;
  return {
    status: head.status,
    statusCode: head.statusCode,
    reason: head.reason,
    headers: head.headers,
    body,
  };
}

/** The app closed early because no one is left to answer; the adapter sends nothing. */
async function abandoned(
  exchange: Exchange,
  result: AppIterable | undefined,
  source: Source,
): Promise<StreamedResponse> {
  const closing = exchange.close(result, source, true);
  if (closing) await closing;
  // nginx's name for it; never sent, since the connection is gone.
  const head = exchange.head ?? {
    status: '499 Client Closed Request',
    statusCode: 499,
    reason: 'Client Closed Request',
    headers: [],
  };
  return whole({ ...head, body: EMPTY });
}

/**
 * The app finished (or was stopped) before the head went out: the whole body is known. Returns
 * the response itself when no async close() is pending, so the common case allocates no promise.
 * Nothing has been sent, so a close() that failed turns it into the 500, as on a buffered platform.
 */
function completed(
  exchange: Exchange,
  result: AppIterable | undefined,
  source: Source | undefined,
  early: boolean,
): StreamedResponse | Promise<StreamedResponse> {
  const head = exchange.end();
  const closing = exchange.close(result, source, early);
  const response: StreamedResponse = {
    status: head.status,
    statusCode: head.statusCode,
    reason: head.reason,
    headers: head.headers,
    body: new ResponseBody(exchange, result, undefined),
    complete: concatBytes(exchange.chunks, exchange.size),
    completeText: exchange.text,
  };
  const settled = () => {
    const failed = exchange.failedClose();
    return failed ? whole(failed) : response;
  };
  return closing ? closing.then(settled) : settled();
}

/** A response made whole by the runner (a 500, an abandoned head) in the streamed shape. */
function whole(response: BufferedResponse): StreamedResponse {
  return {
    ...response,
    body: onlyChunk(response.body),
    complete: response.body,
    completeText: response.text,
  };
}

async function* onlyChunk(chunk: Uint8Array): AsyncGenerator<Uint8Array> {
  if (chunk.byteLength > 0) yield chunk;
}

/**
 * The rest of a streamed body: chunks already produced, then whatever the app writes or yields
 * next. While the app works (on its result, or on its next chunk), what it writes goes out.
 */
class ResponseBody implements ResponseBodyIterator {
  #exchange: Exchange;
  #result: AppIterable | undefined;
  #source: Source | undefined;
  /** The app's result, while the app has written but not yet returned. */
  #pendingResult: Work<AppIterable> | undefined;
  /** A step asked of the source that had not settled when a write() came first. */
  #pendingStep: Work<Step> | undefined;
  /** Set by return(): the app is being stopped, and every later call ends at once. */
  #stopping: Promise<IteratorResult<Uint8Array>> | undefined;
  /** Set by finish(): a bodiless answer stops the app; every call waits for its close(). */
  #finishing: Promise<IteratorResult<Uint8Array>> | undefined;
  /** A next() is in progress; calls made meanwhile wait their turn here. */
  #running = false;
  #queued: (() => void)[] = [];
  #index = 0;

  constructor(
    exchange: Exchange,
    result: AppIterable | Work<AppIterable> | undefined,
    source?: Source,
    pendingStep?: Work<Step>,
  ) {
    this.#exchange = exchange;
    if (result instanceof Work) this.#pendingResult = result;
    else this.#result = result;
    this.#source = source;
    this.#pendingStep = pendingStep;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next chunk. Calls made before the last one settled are answered in turn. */
  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#running) {
      return new Promise((resolve, reject) => {
        // Its turn is handed over with #running still set, so no later call gets in first.
        this.#queued.push(() => {
          this.#next().then(resolve, reject);
        });
      });
    }
    this.#running = true;
    return this.#next();
  }

  async #next(): Promise<IteratorResult<Uint8Array>> {
    try {
      const exchange = this.#exchange;
      for (;;) {
        if (this.#finishing !== undefined) return this.#finishing;
        if (this.#stopping !== undefined) return DONE;
        if (this.#index < exchange.chunks.length) {
          const chunk = exchange.chunks[this.#index]!;
          exchange.chunks[this.#index++] = EMPTY; // let the bytes go once handed on
          return { done: false, value: chunk };
        }
        exchange.chunks.length = 0;
        this.#index = 0;
        const pendingResult = this.#pendingResult;
        const source = this.#source;
        if (pendingResult === undefined && source === undefined) return DONE;
        try {
          if (pendingResult !== undefined) {
            const settled = await whileWorking(exchange, pendingResult);
            // return() took over while the app worked; it closes the result.
            if (this.#stopping !== undefined || settled === WRITTEN) continue;
            this.#pendingResult = undefined;
            this.#result = settled as AppIterable; // no `gone` was given
            this.#source = iterableSource(settled);
            continue;
          }
          let work = this.#pendingStep;
          this.#pendingStep = undefined;
          let step: Step | typeof WRITTEN | typeof GONE;
          if (work === undefined) {
            const next = source!.next();
            if (isThenable(next)) work = new Work(next, exchange);
            else step = next;
          }
          if (work !== undefined) {
            step = await whileWorking(exchange, work);
            if (this.#stopping !== undefined) continue;
            if (step === WRITTEN) {
              this.#pendingStep = work;
              continue;
            }
          }
          if ((step! as Step).done) {
            this.#source = undefined;
            exchange.end();
            const closing = exchange.close(this.#result, source);
            if (closing) await closing;
            continue;
          }
          exchange.push((step! as { value: unknown }).value);
          if (exchange.stop) {
            this.#source = undefined;
            const closing = exchange.close(this.#result, source, true);
            if (closing) await closing;
          }
        } catch (error) {
          // After return(), the app's failure is no one's to hear: it is stopped already.
          if (this.#stopping !== undefined) return DONE;
          this.#source = undefined;
          this.#pendingResult = undefined;
          this.#pendingStep = undefined;
          exchange.chunks.length = 0;
          exchange.log(error);
          const closing = exchange.close(this.#result, source, true);
          if (closing) await closing;
          throw error;
        }
      }
    } finally {
      // The next queued call runs later, not from here: thousands would each add a frame.
      const queued = this.#queued.shift();
      if (queued === undefined) this.#running = false;
      else queueMicrotask(queued);
    }
  }

  /** The client went away: stop the app and run its close(). Every call returns the same promise. */
  return(): Promise<IteratorResult<Uint8Array>> {
    if (this.#finishing !== undefined) return this.#finishing;
    this.#stopping ??= this.#end();
    return this.#stopping;
  }

  /**
   * For an answer without a body, whose head has gone: stops the app as {@link return} does, and
   * every call waits for its close(). Its next write() throws the runner's quiet stop signal
   * (never logged), so an app that writes on and on (an event stream asked for with HEAD) is
   * stopped as a yield would be.
   */
  finish(): Promise<IteratorResult<Uint8Array>> {
    this.#finishing ??= this.#end();
    return this.#finishing;
  }

  /**
   * Stops the app (its next write() throws the quiet stop signal), waits for the result it is
   * still working on, and closes it. A chunk it is working on is not waited for: its close() may
   * be the only thing that ends that wait (an event stream waiting for its next event).
   */
  async #end(): Promise<IteratorResult<Uint8Array>> {
    const exchange = this.#exchange;
    let source = this.#source;
    const pendingResult = this.#pendingResult;
    this.#source = undefined;
    this.#pendingResult = undefined;
    this.#pendingStep = undefined;
    exchange.chunks.length = 0;
    exchange.stopApp();
    wakeUp(exchange); // a next() waiting on the app ends
    try {
      if (pendingResult !== undefined) {
        this.#result = await pendingResult.promise;
        source = iterableSource(this.#result);
      }
    } catch (error) {
      exchange.log(error);
    }
    const closing = exchange.close(this.#result, source, source !== undefined);
    if (closing) await closing;
    return DONE;
  }

  async throw(error?: unknown): Promise<IteratorResult<Uint8Array>> {
    await this.return();
    throw error;
  }
}
