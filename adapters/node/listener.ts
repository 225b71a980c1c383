/**
 * The Node request listener: one request in, through the core runner, one response out.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  type App,
  type BufferedResponse,
  type Environ,
  getHeader,
  notAnAnswer,
  ProtocolError,
  plainResponse,
  runApp,
  type StreamedResponse,
  statusForbidsBody,
  unsendable,
  type WsgiErrors,
  whenWritable,
} from '../../src/index.js';
import { declaredLength, hostProblem, requestEnviron } from './environ.js';

/** The default request body limit: 10 MiB. */
export const DEFAULT_MAX_BODY_SIZE = 10 * 1024 * 1024;

/** One finished (or abandoned) request, for an access log. */
export interface RequestLog {
  method: string;
  /** The request target as received: path and query. */
  url: string;
  status: number;
  /** Body bytes sent. */
  bytes: number;
  /** From the request's arrival to the end of the response. */
  ms: number;
  /** True when the client went away before the response ended, or the app failed mid-stream. */
  aborted: boolean;
}

/** Options for {@link nodeListener} (and {@link serve}). */
export interface NodeListenerOptions {
  /**
   * The largest request body accepted, in bytes; a larger one is answered with 413 and the app
   * is not called (or, for a chunked body, its reading fails). Default 10 MiB.
   */
  maxBodySize?: number;
  /** Put the error and its stack into the body of a 500 (local development only). */
  debug?: boolean;
  /** Where `wsgi.errors` writes; default `console.error`. */
  errors?: WsgiErrors;
  /** Called once per request when its response has ended or been abandoned. */
  onResponse?: (log: RequestLog) => void;
}

/** Counts a chunked body as it streams and fails once it passes the limit. */
async function* limitBody(
  req: IncomingMessage,
  max: number,
  state: { over: boolean },
): AsyncGenerator<Uint8Array> {
  let seen = 0;
  // Stopping early must not destroy the request: Node then discards the rest of the body and
  // the client, still sending, can read the 413 instead of a reset connection.
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>) {
    seen += chunk.byteLength;
    if (seen > max) {
      state.over = true;
      throw new ProtocolError(`the request body is over the limit of ${max} bytes`);
    }
    yield chunk;
  }
}

/**
 * Sends an answer the adapter made itself. Node reads and discards any request body left unread
 * once the response has ended, so a client still uploading gets this answer, not a reset.
 */
function sendWhole(res: ServerResponse, response: BufferedResponse, sent: Sent): void {
  // Counted before end(): the access log is written on 'close', which may come first.
  sent.bytes = response.body.byteLength;
  res.writeHead(response.statusCode, response.reason, response.headers);
  res.end(response.body);
}

/** Body bytes sent for one request, read by the access log when the response closes. */
interface Sent {
  bytes: number;
}

/**
 * Answers a request whose body is refused (413) once the rest of the upload has been read and
 * dropped: closing a socket with unread data in it makes the kernel reset the connection, and
 * the reset can reach a client that is still sending before the answer does.
 */
function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  response: BufferedResponse,
  sent: Sent,
): Promise<void> {
  if (req.readableEnded || req.destroyed) return Promise.resolve(sendWhole(res, response, sent));
  return new Promise((resolve) => {
    const done = () => {
      req.off('end', done);
      req.off('close', done);
      req.off('error', done);
      if (!res.destroyed) sendWhole(res, response, sent);
      resolve();
    };
    req.on('end', done);
    req.on('close', done);
    req.on('error', done);
    req.resume();
  });
}

/**
 * A request listener that runs a tsgi app, and its `checkContinue` counterpart for requests that
 * ask `Expect: 100-continue`.
 */
export interface NodeListener {
  (req: IncomingMessage, res: ServerResponse): void;
  /**
   * For the server's `checkContinue` event: a body over `maxBodySize` is refused (413) before
   * the client sends it, instead of after a `100 Continue` invited the whole upload (RFC 9110
   * §10.1.1); any other request gets its `100 Continue` and goes on as usual.
   */
  checkContinue(req: IncomingMessage, res: ServerResponse): void;
}

/**
 * A `(req, res)` listener for `http.createServer` that runs a tsgi app. Bodies stream both ways
 * with backpressure; a response without Content-Length is sent chunked; when the client
 * disconnects, the app's iterable is closed. Register `checkContinue` too, so that an upload
 * over the limit is refused before it is sent ({@link serve} does both).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { nodeListener } from 'tsgi/node';
 *
 * const listener = nodeListener(app, { maxBodySize: 1024 * 1024 });
 * createServer(listener).on('checkContinue', listener.checkContinue).listen(8000, '127.0.0.1');
 * ```
 */
export function nodeListener(app: App, options: NodeListenerOptions = {}): NodeListener {
  const run = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) => {
    handle(app, req, res, options, expectsContinue).catch((error: unknown) => {
      // Only a bug in this file gets here; the runner answers every app error itself.
      console.error('tsgi: node adapter failure:', error);
      res.destroy();
    });
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => run(req, res, false);
  listener.checkContinue = (req: IncomingMessage, res: ServerResponse) => run(req, res, true);
  return listener;
}

/**
 * Reads what is left of a request body and drops it. Past the body limit the rest is dropped
 * as Node reads it: closing a socket with unread data would reset it, and the client may not
 * have read the answer yet.
 */
async function dropRest(input: AsyncIterable<Uint8Array>, req: IncomingMessage): Promise<void> {
  try {
    for await (const _ of input);
  } catch {
    if (!req.destroyed) req.resume();
  }
}

/**
 * Settles when the client has gone. A response waiting behind another on a pipelined connection
 * has no socket yet and never emits 'close' if the client leaves (Node 20), so the request's
 * socket is watched too.
 */
function whenGone(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const socket = req.socket;
  if (res.destroyed || socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const gone = () => {
      res.off('close', gone);
      stopWatching();
      resolve();
    };
    res.once('close', gone);
    const stopWatching = onSocketClose(socket, gone);
  });
}

/** Who waits for each socket to close: one listener a socket, however many requests it carries. */
const socketWatchers = new WeakMap<Socket, Set<() => void>>();

/** Calls `callback` when `socket` closes; returns what stops that. */
function onSocketClose(socket: Socket, callback: () => void): () => void {
  let watchers = socketWatchers.get(socket);
  if (watchers === undefined) {
    const all = new Set<() => void>();
    socketWatchers.set(socket, all);
    socket.once('close', () => {
      for (const watcher of all) watcher();
      all.clear();
    });
    watchers = all;
  }
  watchers.add(callback);
  const set = watchers;
  return () => set.delete(callback);
}

/** A whole body's response with a Content-Length, unless it has one or carries no body. */
function withLength(response: StreamedResponse, method: string | undefined): StreamedResponse {
  const bodiless = method === 'HEAD' || statusForbidsBody(response.statusCode);
  if (bodiless || getHeader(response.headers, 'content-length') !== undefined) return response;
  const length = String(response.complete!.byteLength);
  return { ...response, headers: [...response.headers, ['Content-Length', length]] };
}

/**
 * Sends the head, or a 500 when Node cannot: a 1xx status, which Node would send as an interim
 * response with no final one after it (the fetch adapter refuses it the same way).
 */
function writeHead(
  res: ServerResponse,
  response: StreamedResponse,
  environ: Environ,
  sent: Sent,
): boolean {
  let problem = notAnAnswer(response.statusCode);
  if (problem === undefined) {
    try {
      res.writeHead(response.statusCode, response.reason, response.headers);
      return true;
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
  }
  void response.body.return();
  sendWhole(res, unsendable(environ, 'by Node', problem), sent);
  return false;
}

async function handle(
  app: App,
  req: IncomingMessage,
  res: ServerResponse,
  options: NodeListenerOptions,
  expectsContinue: boolean,
): Promise<void> {
  const started = performance.now();
  const max = options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE;
  const sent: Sent = { bytes: 0 };
  let aborted = false;
  let logged = false;
  const log = () => {
    if (logged) return;
    logged = true;
    aborted ||= !res.writableFinished;
    options.onResponse?.({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      status: res.statusCode,
      bytes: sent.bytes,
      ms: performance.now() - started,
      aborted,
    });
  };
  res.once('close', log);

  const badHost = hostProblem(req);
  if (badHost !== undefined) {
    const refusal = plainResponse(400, `Bad Request: ${badHost}\n`, req.method);
    refusal.headers.push(['Connection', 'close']);
    await refuse(req, res, refusal, sent);
    return;
  }
  const declared = declaredLength(req);
  if (declared !== undefined && declared > max) {
    const text = `Content Too Large: the request body of ${declared} bytes is over the limit of ${max}\n`;
    const tooLarge = plainResponse(413, text, req.method);
    if (expectsContinue) {
      // The client waits for a 100 before sending: nothing to drain, and the connection ends
      // here, since it may still send the body after its wait.
      tooLarge.headers.push(['Connection', 'close']);
      sendWhole(res, tooLarge, sent);
    } else await refuse(req, res, tooLarge, sent);
    return;
  }
  if (expectsContinue) res.writeContinue();
  const overflow = { over: false };
  const body = declared === undefined ? limitBody(req, max, overflow) : req;
  const environ = requestEnviron(req, {
    body,
    ...(options.errors !== undefined && { errors: options.errors }),
  });
  // A body the app left half read is read to its end and dropped once the answer is out, or the
  // next request on this connection would wait behind it (Node drops a body only when nothing of
  // it was read). It is read through the input the app had, which is bound by the limit.
  const input = environ['wsgi.input'];
  const dropUnread = () => {
    if (!req.complete && !req.destroyed) void dropRest(input, req);
  };
  // The client may leave while the app works (the runner then closes it at once where it can),
  // and a pipelined answer still waiting its turn has no socket, so its 'close' never comes.
  let response: StreamedResponse | undefined;
  let left = false;
  let gone: Promise<void> | undefined;
  const whenLeft = () => (gone ??= whenGone(req, res));
  void whenLeft().then(() => {
    left = true;
    if (res.writableFinished) return;
    if (response !== undefined) void response.body.return();
    if (!res.destroyed) log();
  });
  response = await runApp(app, environ, { debug: options.debug ?? false, gone: whenLeft });
  if (overflow.over) {
    await response.body.return();
    const text = `Content Too Large: the request body is over the limit of ${max} bytes\n`;
    if (!res.destroyed) await refuse(req, res, plainResponse(413, text, req.method), sent);
    return;
  }
  if (res.destroyed || left) {
    await response.body.return();
    return;
  }
  const { complete } = response;
  if (complete !== undefined) {
    // The whole body is known (a list, a generator that has finished): one write, with its length.
    if (!writeHead(res, withLength(response, req.method), environ, sent)) return dropUnread();
    sent.bytes += complete.byteLength;
    res.end(complete);
    // Not waiting for an app that wrote to a bodiless answer and works on: until its unread body
    // is gone, the next request on this connection cannot be read.
    dropUnread();
    return;
  }
  if (!writeHead(res, response, environ, sent)) return dropUnread();
  try {
    for await (const chunk of response.body) {
      if (res.destroyed) break;
      sent.bytes += chunk.byteLength;
      // A response queued behind another on a pipelined connection has no socket: if the
      // client leaves, neither 'drain' nor 'close' comes, so its leaving ends the wait too.
      if (!res.write(chunk)) await Promise.race([whenWritable(res), whenLeft()]);
    }
  } catch {
    // The app failed mid-body (the runner logged it): abort so the client sees a cut response.
    // Ending the socket (not destroying it) first delivers what was already written, and the
    // missing last chunk or the short Content-Length shows the cut. A close-delimited body
    // (HTTP/1.0 without Content-Length) would look complete when ended: reset it instead.
    aborted = true;
    const socket = res.socket;
    if (!socket) res.destroy();
    else if (
      req.httpVersion === '1.0' &&
      getHeader(response.headers, 'content-length') === undefined
    ) {
      // Only a plain TCP socket can be reset; a TLS one is destroyed, which ends it without
      // close_notify, so a TLS client can tell the cut too.
      if ((socket as TLSSocket).encrypted) socket.destroy();
      else socket.resetAndDestroy();
    } else socket.end();
    return;
  }
  if (!res.destroyed) {
    res.end();
    dropUnread();
  }
}
