/**
 * The Request wrapper (werkzeug's `Request`): a read-only view of environ. Everything is parsed
 * on first use, so a request that never looks at its cookies never parses them.
 */
import { concatBytes, fromUtf8 } from '../core/bytes.js';
import { encodePath } from '../core/environ.js';
import type { Environ, WsgiInput } from '../core/types.js';
import { parseCookies } from './cookies.js';
import { BadRequest, RequestEntityTooLarge, UnsupportedMediaType } from './exceptions.js';
import { multipartBoundary, parseMultipart, parseUrlencoded, type UploadedFile } from './forms.js';
import { RequestHeaders } from './headers.js';
import { MultiDict } from './multidict.js';

/** Limits on what a request body may make the app hold in memory. */
export interface RequestLimits {
  /** Largest body `bytes()` (and so `text`, `json`, `form`) will read. Default 32 MiB; `Infinity` for none. */
  maxContentLength?: number;
  /** Largest non-file form field, and whole urlencoded form. Default 500 KiB. */
  maxFormMemorySize?: number;
  /** Most parts in a multipart form. Default 1000. */
  maxFormParts?: number;
}

/** The defaults of {@link RequestLimits}. */
export const DEFAULT_LIMITS: Readonly<Required<RequestLimits>> = {
  maxContentLength: 32 * 1024 * 1024,
  maxFormMemorySize: 500 * 1024,
  maxFormParts: 1000,
};

/**
 * Characters encoded when a decoded path is put back into a URL: all but RFC 3986 pchar and `/`.
 * `%` is among them, since a decoded `%` came from `%25` and must go back as `%25`.
 */

type Form = { form: MultiDict<string>; files: MultiDict<UploadedFile> };

/**
 * An HTTP request, read from environ.
 *
 * The global fetch `Request` has the same name: import this one as `TsgiRequest` to use both
 * (`import { TsgiRequest } from 'tsgi'`).
 *
 * @example
 * ```ts
 * const request = new Request(environ);
 * request.method;            // 'POST'
 * request.args.get('page');  // '2'
 * const body = await request.json();
 * ```
 */
export class Request {
  /** The environ this request reads. */
  readonly environ: Environ;
  /** The matched route's parameters (set by the App's router). */
  params: Record<string, unknown> = {};
  /** The matched route's name (set by the App's router). */
  endpoint: string | undefined;
  readonly limits: Readonly<Required<RequestLimits>>;
  #args: MultiDict<string> | undefined;
  #headers: RequestHeaders | undefined;
  #cookies: Map<string, string> | undefined;
  #body: Promise<Uint8Array> | undefined;
  #form: Promise<Form> | undefined;
  #json: Promise<unknown> | undefined;

  constructor(environ: Environ, limits: RequestLimits = {}) {
    this.environ = environ;
    this.limits =
      limits === DEFAULT_LIMITS
        ? DEFAULT_LIMITS
        : {
            maxContentLength: limits.maxContentLength ?? DEFAULT_LIMITS.maxContentLength,
            maxFormMemorySize: limits.maxFormMemorySize ?? DEFAULT_LIMITS.maxFormMemorySize,
            maxFormParts: limits.maxFormParts ?? DEFAULT_LIMITS.maxFormParts,
          };
  }

  /** Upper-case method. */
  get method(): string {
    return this.environ.REQUEST_METHOD;
  }

  /** The path below the app's mount point, decoded, always starting with `/`. */
  get path(): string {
    const path = this.environ.PATH_INFO;
    return path.startsWith('/') ? path : `/${path}`;
  }

  /** Where the app is mounted: `""` or `/prefix` (SCRIPT_NAME). */
  get scriptRoot(): string {
    return this.environ.SCRIPT_NAME;
  }

  /** The raw query string, without `?`. */
  get queryString(): string {
    return this.environ.QUERY_STRING;
  }

  /** `path` plus `?query` when there is one. */
  get fullPath(): string {
    const query = this.environ.QUERY_STRING;
    return query ? `${this.path}?${query}` : this.path;
  }

  /** `http` or `https`. */
  get scheme(): 'http' | 'https' {
    return this.environ['wsgi.url_scheme'];
  }

  get isSecure(): boolean {
    return this.scheme === 'https';
  }

  /**
   * The host the client asked for: the Host header, else SERVER_NAME; with the port only when it
   * is not the scheme's default.
   */
  get host(): string {
    const standard = this.scheme === 'https' ? '443' : '80';
    const host = this.environ.HTTP_HOST;
    // werkzeug's get_host drops it too, so URLs built from it match the ones the app links to.
    if (host) return host.endsWith(`:${standard}`) ? host.slice(0, -standard.length - 1) : host;
    const port = this.environ.SERVER_PORT;
    // A bare IPv6 address gets its brackets, or the URL built from it would not parse.
    let name = this.environ.SERVER_NAME;
    if (name.includes(':') && !name.startsWith('[')) name = `[${name}]`;
    return port && port !== standard ? `${name}:${port}` : name;
  }

  /** `https://example.com/` */
  get hostUrl(): string {
    return `${this.scheme}://${this.host}/`;
  }

  /** The app's root URL: `https://example.com/prefix/` */
  get rootUrl(): string {
    return `${this.scheme}://${this.host}${encodePath(this.scriptRoot)}/`;
  }

  /** The URL without the query: `https://example.com/prefix/users/1` */
  get baseUrl(): string {
    return `${this.scheme}://${this.host}${encodePath(this.scriptRoot + this.path)}`;
  }

  /** The full URL, query included. */
  get url(): string {
    const query = this.environ.QUERY_STRING;
    return query ? `${this.baseUrl}?${query}` : this.baseUrl;
  }

  /** The query parameters, repeated keys kept. */
  get args(): MultiDict<string> {
    this.#args ??= new MultiDict(new URLSearchParams(this.environ.QUERY_STRING));
    return this.#args;
  }

  /** The request headers, case-insensitive. */
  get headers(): RequestHeaders {
    this.#headers ??= new RequestHeaders(this.environ);
    return this.#headers;
  }

  /** Cookies by name. */
  get cookies(): Map<string, string> {
    this.#cookies ??= parseCookies(this.environ.HTTP_COOKIE);
    return this.#cookies;
  }

  /** The client address the platform vouches for (see proxyFix for proxies you run). */
  get remoteAddr(): string | undefined {
    return this.environ.REMOTE_ADDR;
  }

  get remoteUser(): string | undefined {
    return this.environ.REMOTE_USER;
  }

  /** The Content-Type header, whole. */
  get contentType(): string | undefined {
    return this.environ.CONTENT_TYPE || undefined;
  }

  /** The Content-Type without parameters, lower-case: `application/json`. */
  get mimetype(): string {
    return (this.environ.CONTENT_TYPE ?? '').split(';', 1)[0]!.trim().toLowerCase();
  }

  /** The body's charset parameter, `utf-8` when there is none. */
  get charset(): string {
    const match = /;\s*charset=["']?([^;"'\s]+)/i.exec(this.environ.CONTENT_TYPE ?? '');
    return match ? match[1]!.toLowerCase() : 'utf-8';
  }

  /** The body's length in bytes when known: undefined unless CONTENT_LENGTH is all digits. */
  get contentLength(): number | undefined {
    const value = this.environ.CONTENT_LENGTH;
    // RFC 9110 §8.6: 1*DIGIT only, so no `1e3`, `0x10`, `+5` or `-1` through Number().
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
  }

  /** True for `application/json` and `*+json`. */
  get isJson(): boolean {
    const type = this.mimetype;
    return type === 'application/json' || type.endsWith('+json');
  }

  /** The raw body stream (`wsgi.input`); read it yourself to stream large uploads. */
  get stream(): WsgiInput {
    return this.environ['wsgi.input'];
  }

  /**
   * The whole body, read once and kept. Over `maxContentLength` it throws a
   * {@link RequestEntityTooLarge} (413), before reading when Content-Length says so.
   */
  bytes(): Promise<Uint8Array> {
    this.#body ??= this.#readBody();
    return this.#body;
  }

  async #readBody(): Promise<Uint8Array> {
    const max = this.limits.maxContentLength;
    const declared = this.contentLength;
    const tooLarge = () =>
      new RequestEntityTooLarge(`The request body is over the limit of ${max} bytes.`);
    if (declared !== undefined && declared > max) throw tooLarge();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of this.environ['wsgi.input']) {
      size += chunk.byteLength;
      if (size > max) throw tooLarge();
      chunks.push(chunk);
    }
    return concatBytes(chunks, size);
  }

  /** The body as text in its charset (UTF-8 by default). */
  async text(): Promise<string> {
    const bytes = await this.bytes();
    if (this.charset === 'utf-8' || this.charset === 'utf8') return fromUtf8(bytes);
    try {
      return new TextDecoder(this.charset).decode(bytes);
    } catch {
      return fromUtf8(bytes);
    }
  }

  /**
   * The body parsed as JSON. A body that is not declared JSON is a 415, one that does not parse
   * a 400, as in Flask.
   */
  json<T = unknown>(): Promise<T> {
    this.#json ??= this.#readJson();
    return this.#json as Promise<T>;
  }

  async #readJson(): Promise<unknown> {
    if (!this.isJson) {
      throw new UnsupportedMediaType(
        `Did not attempt to load JSON data because the request Content-Type was not 'application/json'.`,
      );
    }
    const text = await this.text();
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new BadRequest(`The body is not valid JSON: ${(error as Error).message}`);
    }
  }

  /** Form fields from an urlencoded or multipart body (empty for other content types). */
  async form(): Promise<MultiDict<string>> {
    return (await this.#parseForm()).form;
  }

  /** Uploaded files from a multipart body, by field name. */
  async files(): Promise<MultiDict<UploadedFile>> {
    return (await this.#parseForm()).files;
  }

  #parseForm(): Promise<Form> {
    this.#form ??= (async () => {
      const type = this.mimetype;
      if (type === 'application/x-www-form-urlencoded') {
        return { form: parseUrlencoded(await this.bytes(), this.limits), files: new MultiDict() };
      }
      if (type === 'multipart/form-data') {
        const boundary = multipartBoundary(this.environ.CONTENT_TYPE ?? '');
        return parseMultipart(await this.bytes(), boundary, this.limits);
      }
      return { form: new MultiDict(), files: new MultiDict() };
    })();
    return this.#form;
  }
}
