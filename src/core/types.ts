/**
 * The tsgi protocol: PEP 3333 carried over to TypeScript (SPEC §1-2).
 *
 * @module
 */

/** A piece of a response body. A string is sent as UTF-8. */
export type Chunk = Uint8Array | string;

/** The imperative writer that `startResponse` returns; its output goes before the app's iterable. */
export type Write = (chunk: Chunk) => void;

/** A response header: `[name, value]`. Repeats (Set-Cookie) stay separate pairs. */
export type Header = [name: string, value: string];

/**
 * Begins the response. `status` is `"200 OK"`: three digits, one space, a reason phrase.
 * A second call is only allowed with `excInfo` (see SPEC §3).
 */
export type StartResponse = (status: string, headers: Header[], excInfo?: unknown) => Write;

/** What an app returns: chunks, sync or async, possibly with a `close()` (sync or async). */
export type AppIterable = (Iterable<Chunk> | AsyncIterable<Chunk>) & {
  close?: () => unknown;
};

/**
 * A tsgi application.
 *
 * @example
 * ```ts
 * const app: App = (environ, startResponse) => {
 *   startResponse('200 OK', [['Content-Type', 'text/plain; charset=utf-8']]);
 *   return [`Hello ${environ.PATH_INFO}`];
 * };
 * ```
 */
export type App = (
  environ: Environ,
  startResponse: StartResponse,
) => AppIterable | Promise<AppIterable>;

/** `wsgi.input`: the request body, read at most up to CONTENT_LENGTH. */
export interface WsgiInput extends AsyncIterable<Uint8Array> {
  /** Reads up to `size` bytes; with no size, reads to the end. An empty result means the end. */
  read(size?: number): Promise<Uint8Array>;
  /** Reads one line including its `\n`, or at most `limit` bytes. */
  readline(limit?: number): Promise<Uint8Array>;
}

/** `wsgi.errors`: the platform's log. */
export interface WsgiErrors {
  write(text: string): void;
  flush(): void;
}

/**
 * The request as CGI keys (SPEC §2). A fresh plain object per request.
 * Request headers are `HTTP_*` keys; platform extras (`aws.event`, `cloudflare.env`) sit beside them.
 */
export interface Environ {
  REQUEST_METHOD: string;
  SCRIPT_NAME: string;
  PATH_INFO: string;
  QUERY_STRING: string;
  SERVER_NAME: string;
  SERVER_PORT: string;
  SERVER_PROTOCOL: string;
  REQUEST_URI?: string;
  CONTENT_TYPE?: string;
  CONTENT_LENGTH?: string;
  REMOTE_ADDR?: string;
  REMOTE_USER?: string;
  'wsgi.version': [1, 0];
  'wsgi.url_scheme': 'http' | 'https';
  'wsgi.input': WsgiInput;
  'wsgi.errors': WsgiErrors;
  'wsgi.multithread': boolean;
  'wsgi.multiprocess': boolean;
  'wsgi.run_once': boolean;
  [header: `HTTP_${string}`]: string | undefined;
  [key: string]: unknown;
}
