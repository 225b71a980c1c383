import { concatBytes, fromUtf8 } from '../core/bytes.js';
import { errorStream } from '../core/errors.js';
import { runApp } from '../core/runner.js';
import type { App, Header } from '../core/types.js';
import { buildEnviron, type EnvironOptions } from './environ-builder.js';

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

  constructor(
    status: string,
    statusCode: number,
    headers: Header[],
    body: Uint8Array,
    errors: string,
  ) {
    this.status = status;
    this.statusCode = statusCode;
    this.headers = headers;
    this.body = body;
    this.errors = errors;
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
export type RequestOptions = Omit<EnvironOptions, 'method' | 'path'>;

/**
 * Calls an app in-process the way a server would, like werkzeug's test Client. The app runs
 * through the same runner every adapter uses, so protocol errors surface as they would live.
 *
 * @example
 * ```ts
 * const client = new Client(app);
 * const res = await client.get('/hello?name=Ada');
 * expect(res.statusCode).toBe(200);
 * expect(res.text()).toBe('Hello Ada');
 * ```
 */
export class Client {
  readonly app: App;
  readonly defaults: RequestOptions;

  constructor(app: App, defaults: RequestOptions = {}) {
    this.app = app;
    this.defaults = defaults;
  }

  /** Any method. The whole body is read, so close() has run when this resolves. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<TestResponse> {
    let logged = '';
    const errors = errorStream((line) => {
      logged += `${line}\n`;
    });
    const environ = buildEnviron({ errors, ...this.defaults, ...options, method, path });
    const response = await runApp(this.app, environ);
    const chunks: Uint8Array[] = [];
    for await (const chunk of response.body) chunks.push(chunk);
    environ['wsgi.errors'].flush();
    return new TestResponse(
      response.status,
      response.statusCode,
      response.headers,
      concatBytes(chunks),
      logged,
    );
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
