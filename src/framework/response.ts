/**
 * The Response wrapper (werkzeug's `Response`): a body, a status and headers, and itself an app,
 * so a view's answer is sent with `return response(environ, startResponse)`.
 */
import { streamChunks, utf8Length } from '../core/bytes.js';
import { isStatusLine } from '../core/headers.js';
import { statusForbidsBody, statusLine } from '../core/status.js';
import type { AppIterable, Chunk, Environ, StartResponse } from '../core/types.js';
import { CALL, CallableObject } from './callable.js';
import { type CookieOptions, serializeCookie } from './cookies.js';
import { HeaderList, type HeadersInit } from './headers.js';

/** What a response body may be. Iterables and streams are sent as they produce chunks. */
export type ResponseBody =
  | string
  | Uint8Array
  | ArrayBuffer
  | Iterable<Chunk>
  | AsyncIterable<Chunk>
  | ReadableStream<Uint8Array>
  | null
  | undefined;

/** Options for `new Response(body, init)`. */
export interface ResponseInit {
  /** A code (`404`) or a full status line (`'404 Gone Fishing'`). Default 200. */
  status?: number | string;
  headers?: HeadersInit;
  /** Default `text/plain`; text types get `; charset=utf-8`. Ignored when headers or `contentType` give one. */
  mimetype?: string;
  /** The whole Content-Type header value. */
  contentType?: string;
}

/** Headers that describe a body; 1xx, 204 and 304 leave them out (SPEC §3, and lint requires it). */
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-range'];

function withCharset(mimetype: string): string {
  return mimetype.startsWith('text/') && !mimetype.includes(';')
    ? `${mimetype}; charset=utf-8`
    : mimetype;
}

/**
 * Characters a URI may not hold (RFC 3986): all but unreserved, reserved and `%` of an escape.
 * `\` is among them: browsers read it as `/`, so `/\evil.com` would leave the site.
 */
const NOT_IN_URI = /%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/gu;

/** Turns URL text into a valid URI (an IRI into a URI): what a URI may not hold is percent-encoded. */
export function iriToUri(location: string): string {
  return location.replace(NOT_IN_URI, (char) => encodeURIComponent(char));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function isReadableStream(body: unknown): body is ReadableStream<Uint8Array> {
  return typeof (body as ReadableStream | null)?.getReader === 'function';
}

/** Ends a body that will not be sent: a generator's finally runs, a stream is cancelled. */
function discard(body: ResponseBody): void {
  if (body === null || typeof body !== 'object') return;
  if (isReadableStream(body)) {
    body.cancel().catch(() => {});
    return;
  }
  const closable = body as { close?: () => unknown; return?: () => unknown };
  try {
    const ended = typeof closable.return === 'function' ? closable.return() : undefined;
    if (ended instanceof Promise) ended.catch(() => {});
    const closed = typeof closable.close === 'function' ? closable.close() : undefined;
    if (closed instanceof Promise) closed.catch(() => {});
  } catch {}
}

/**
 * An HTTP response. Construct it like fetch's Response; call it like an app.
 *
 * The body may be a string, bytes, an iterable or async iterable of chunks, or a ReadableStream;
 * strings and bytes get a Content-Length. For HEAD, 1xx, 204 and 304 no body is sent, and 1xx,
 * 204 and 304 drop the headers that describe one (SPEC §3).
 *
 * The global fetch `Response` has the same name: import this one as `TsgiResponse` to use both
 * (`import { TsgiResponse } from 'tsgi'`).
 *
 * @example
 * ```ts
 * const response = new Response('<h1>Hi</h1>', { mimetype: 'text/html' });
 * response.setCookie('seen', '1', { httpOnly: true });
 * return response(environ, startResponse);
 * ```
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface adds the call signature the constructor provides
export class Response extends CallableObject {
  /** Content type used when neither `mimetype` nor a Content-Type header is given. */
  static defaultMimetype = 'text/plain';

  body: ResponseBody;
  readonly headers: HeaderList;
  #status = '200 OK';
  #statusCode = 200;
  #onClose: (() => unknown)[] = [];

  constructor(body?: ResponseBody, init: ResponseInit = {}) {
    super();
    this.body = body;
    this.headers = new HeaderList(init.headers);
    if (init.status !== undefined) this.status = init.status;
    if (init.contentType !== undefined) this.headers.set('Content-Type', init.contentType);
    else if (init.headers === undefined) {
      // The common case, kept cheap: a new header list with only the type in it.
      this.headers.add(
        'Content-Type',
        withCharset(init.mimetype ?? (this.constructor as typeof Response).defaultMimetype),
      );
    } else if (init.mimetype !== undefined || !this.headers.has('Content-Type')) {
      this.mimetype = init.mimetype ?? (this.constructor as typeof Response).defaultMimetype;
    }
  }

  /** The status line, `"200 OK"`. Set a code or a whole line. */
  get status(): string {
    return this.#status;
  }

  set status(value: number | string) {
    if (typeof value === 'number') {
      this.statusCode = value;
      return;
    }
    const line = String(value).trim();
    if (isStatusLine(line)) {
      this.#status = line;
      this.#statusCode = Number(line.slice(0, 3));
      return;
    }
    if (/^\d+$/.test(String(value).trim())) {
      this.statusCode = Number(value);
      return;
    }
    throw new TypeError(`status ${JSON.stringify(value)} is not a code or a line like "200 OK"`);
  }

  /** The status code; setting it picks the standard reason phrase. */
  get statusCode(): number {
    return this.#statusCode;
  }

  set statusCode(code: number) {
    if (!Number.isInteger(code) || code < 100 || code > 599) {
      throw new TypeError(`status code ${code} is not between 100 and 599`);
    }
    this.#statusCode = code;
    this.#status = statusLine(code);
  }

  /** The Content-Type without parameters, lower-case: `text/html`. */
  get mimetype(): string | undefined {
    const type = this.headers.get('Content-Type');
    return type === undefined ? undefined : type.split(';', 1)[0]!.trim().toLowerCase();
  }

  /** Sets Content-Type; `text/*` types get `; charset=utf-8`. */
  set mimetype(value: string) {
    this.headers.set('Content-Type', withCharset(value));
  }

  /** The charset parameter of Content-Type, `utf-8` when there is none. */
  get charset(): string {
    const match = /;\s*charset=["']?([^;"'\s]+)/i.exec(this.headers.get('Content-Type') ?? '');
    return match ? match[1]!.toLowerCase() : 'utf-8';
  }

  /** Adds a Set-Cookie header (every attribute of {@link CookieOptions}; `Path=/` by default). */
  setCookie(name: string, value: string, options?: CookieOptions): this {
    this.headers.add('Set-Cookie', serializeCookie(name, value, options));
    return this;
  }

  /** Tells the client to drop a cookie: pass the same path and domain it was set with. */
  deleteCookie(name: string, options: Omit<CookieOptions, 'maxAge' | 'expires'> = {}): this {
    return this.setCookie(name, '', { ...options, expires: 0, maxAge: 0 });
  }

  /** Runs `fn` once the server closes the response (after the body, an error, or a disconnect). */
  callOnClose(fn: () => unknown): this {
    this.#onClose.push(fn);
    return this;
  }

  /**
   * A JSON response.
   *
   * @example
   * ```ts
   * return Response.json({ id: 1 }, { status: 201 });
   * ```
   */
  static json(data: unknown, init: ResponseInit = {}): Response {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError(`cannot serialize ${typeof data} as JSON`);
    return new Response(text, { mimetype: 'application/json', ...init });
  }

  /**
   * A redirect to `location` (302 by default) with a short HTML body for old clients.
   *
   * @example
   * ```ts
   * return Response.redirect('/login', 303);
   * ```
   */
  static redirect(location: string, status = 302): Response {
    const uri = iriToUri(location);
    const html = `<!doctype html>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n<p>You should be redirected to <a href="${escapeHtml(uri)}">${escapeHtml(uri)}</a>.</p>\n`;
    return new Response(html, { status, mimetype: 'text/html', headers: { Location: uri } });
  }

  [CALL](environ: Environ, startResponse: StartResponse): AppIterable {
    const headers = this.headers.toList();
    const body = this.body;
    if (statusForbidsBody(this.#statusCode)) {
      discard(body);
      startResponse(
        this.#status,
        headers.filter(([name]) => !BODY_HEADERS.includes(name.toLowerCase())),
      );
      return this.#closing([]);
    }
    let chunks: Iterable<Chunk> | AsyncIterable<Chunk>;
    if (body === null || body === undefined) {
      chunks = [];
      if (!this.headers.has('Content-Length')) headers.push(['Content-Length', '0']);
    } else if (
      typeof body === 'string' ||
      body instanceof Uint8Array ||
      body instanceof ArrayBuffer
    ) {
      // A string goes as it is: a Lambda result or a fetch Response takes the text without a
      // round trip through bytes (the runner keeps it, see `completeText`).
      let chunk: Uint8Array | string;
      let size: number;
      if (typeof body === 'string') {
        this.#checkUtf8();
        chunk = body;
        size = utf8Length(body);
      } else {
        chunk = body instanceof ArrayBuffer ? new Uint8Array(body) : body;
        size = chunk.byteLength;
      }
      chunks = [chunk];
      if (!this.headers.has('Content-Length')) headers.push(['Content-Length', String(size)]);
    } else if (isReadableStream(body)) {
      chunks = streamChunks(body);
    } else if (
      typeof body === 'object' &&
      (Symbol.iterator in body || Symbol.asyncIterator in body)
    ) {
      chunks = body;
    } else {
      throw new TypeError(
        `a response body must be a string, bytes, an iterable or a stream, not ${typeof body}`,
      );
    }
    startResponse(this.#status, headers);
    if (environ.REQUEST_METHOD === 'HEAD') {
      // No body goes out: do not run a generator or read a stream just to drop what it makes.
      discard(body);
      return this.#closing([]);
    }
    return this.#closing(chunks, body);
  }

  /** Strings are sent as UTF-8: refuse to label them with another charset (that would garble them). */
  #checkUtf8(): void {
    const charset = this.charset;
    if (charset !== 'utf-8' && charset !== 'utf8') {
      throw new TypeError(
        `a string body is sent as UTF-8, but Content-Type says charset=${charset}; encode the body to bytes yourself`,
      );
    }
  }

  /** The iterable handed to the server: the chunks, plus a close() for the body and callbacks. */
  #closing(chunks: Iterable<Chunk> | AsyncIterable<Chunk>, body?: ResponseBody): AppIterable {
    const callbacks = this.#onClose;
    const bodyClose = (body as { close?: () => unknown } | null | undefined)?.close;
    if (callbacks.length === 0 && typeof bodyClose !== 'function') return chunks;
    const close = async () => {
      let failure: unknown;
      for (const fn of [
        ...(typeof bodyClose === 'function' ? [() => bodyClose.call(body)] : []),
        ...callbacks,
      ]) {
        try {
          await fn();
        } catch (error) {
          failure ??= error;
        }
      }
      if (failure !== undefined) throw failure;
    };
    if (Symbol.asyncIterator in chunks) {
      return { [Symbol.asyncIterator]: () => chunks[Symbol.asyncIterator](), close };
    }
    return { [Symbol.iterator]: () => (chunks as Iterable<Chunk>)[Symbol.iterator](), close };
  }
}

/** A response called as an app: synchronous, since the response already exists. */
export type ResponseApp = (environ: Environ, startResponse: StartResponse) => AppIterable;

/** A Response instance is an app: call it with environ and startResponse. */
export interface Response extends ResponseApp {}
