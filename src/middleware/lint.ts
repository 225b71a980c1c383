/**
 * A validator for both sides of the tsgi contract, in the manner of CPython's `wsgiref.validate`
 * and werkzeug's `LintMiddleware`, adapted to SPEC §1-3.
 *
 * Security stance: none; it trusts nothing and changes nothing, it only checks. Use it in tests,
 * around apps (to check servers and adapters) and around servers' apps (to check apps).
 */
import { ProtocolError } from '../core/errors.js';
import { isFieldValue, isHopByHop, isStatusLine, isToken } from '../core/headers.js';
import { statusForbidsBody } from '../core/status.js';
import type {
  App,
  AppIterable,
  Environ,
  Header,
  StartResponse,
  WsgiErrors,
  WsgiInput,
} from '../core/types.js';

/** A broken rule found by {@link lint}; the message names it. */
export class LintError extends ProtocolError {
  override name = 'LintError';
}

/** An app wrapped by {@link lint}, with what it saw. */
export interface LintedApp extends App {
  /** Every violation found so far, in order. */
  readonly violations: LintError[];
  /** Throws if a response iterable the app returned was never closed by the server. */
  assertClosed(): void;
}

export interface LintOptions {
  /** Called for each violation before it is thrown (handy when the throw is swallowed as a 500). */
  onViolation?: (error: LintError) => void;
}

const REQUIRED_STRINGS = [
  'REQUEST_METHOD',
  'SCRIPT_NAME',
  'PATH_INFO',
  'QUERY_STRING',
  'SERVER_NAME',
  'SERVER_PORT',
  'SERVER_PROTOCOL',
] as const;
const BOOLEANS = ['wsgi.multithread', 'wsgi.multiprocess', 'wsgi.run_once'] as const;

/**
 * Wraps an app so every call checks the environ it gets, the startResponse calls and headers it
 * makes, the chunks it produces, and that the server closes what it returns. A violation throws a
 * {@link LintError} naming the rule (and is recorded in `violations`).
 *
 * @example
 * ```ts
 * const checked = lint(app);
 * await new Client(checked).get('/');
 * checked.assertClosed();
 * expect(checked.violations).toEqual([]);
 * ```
 */
export function lint(app: App, options: LintOptions = {}): LintedApp {
  const violations: LintError[] = [];
  const open = new Set<string>();
  const seen = new WeakSet<object>();
  let calls = 0;

  const fail = (rule: string): never => {
    const error = new LintError(`lint: ${rule}`);
    violations.push(error);
    options.onViolation?.(error);
    throw error;
  };
  const check = (ok: boolean, rule: string): void => {
    if (!ok) fail(rule);
  };

  const linted = ((environ: Environ, startResponse: StartResponse) => {
    check(typeof environ === 'object' && environ !== null, 'environ must be an object');
    check(!seen.has(environ), 'environ must be a fresh object for each request');
    seen.add(environ);
    checkEnviron(environ, check);
    wrapInputAndErrors(environ, check);

    const id = `call ${++calls}: ${environ.REQUEST_METHOD} ${environ.SCRIPT_NAME}${environ.PATH_INFO}`;
    let started = false;
    let statusCode = 0;
    let untyped = false;
    const checkedStart: StartResponse = (status, headers, excInfo) => {
      if (started) {
        check(
          excInfo !== undefined && excInfo !== null,
          'startResponse called a second time without excInfo',
        );
      }
      untyped = checkStatusAndHeaders(status, headers, check);
      statusCode = Number(status.slice(0, 3));
      started = true;
      const write = startResponse(status, headers, excInfo);
      return (chunk) => {
        checkChunk(chunk, check, 'write()');
        checkBodyAllowed(chunk, statusCode, untyped, check);
        write(chunk);
      };
    };

    const produced = app(environ, checkedStart);
    const wrap = (result: AppIterable): AppIterable => {
      const wrapped = wrapResult(
        result,
        check,
        () => started,
        () => statusCode,
        () => untyped,
        () => {
          check(open.has(id), 'close() called more than once');
          open.delete(id);
        },
      );
      // Only a result that reached the server can be left unclosed by it: an app that threw,
      // or returned a bare string, gave the server nothing to close.
      open.add(id);
      return wrapped;
    };
    if (produced && typeof (produced as Promise<AppIterable>).then === 'function') {
      return (produced as Promise<AppIterable>).then(wrap);
    }
    return wrap(produced as AppIterable);
  }) as LintedApp;

  Object.defineProperty(linted, 'violations', { value: violations });
  linted.assertClosed = () => {
    if (open.size > 0) fail(`the server never called close() for ${[...open].join(', ')}`);
  };
  return linted;
}

type Check = (ok: boolean, rule: string) => void;

function checkEnviron(environ: Environ, check: Check): void {
  for (const key of REQUIRED_STRINGS) {
    check(typeof environ[key] === 'string', `environ.${key} must be a string`);
  }
  for (const [key, value] of Object.entries(environ)) {
    if (/^[A-Z][A-Z0-9_]*$/.test(key)) {
      check(typeof value === 'string', `environ.${key} must be a string, got ${typeof value}`);
    }
  }
  for (const key of ['HTTP_CONTENT_TYPE', 'HTTP_CONTENT_LENGTH']) {
    check(!(key in environ), `environ must not hold ${key}; use ${key.slice(5)}`);
  }
  const version = environ['wsgi.version'];
  check(
    Array.isArray(version) && version[0] === 1 && version[1] === 0,
    'environ["wsgi.version"] must be [1, 0]',
  );
  check(
    environ['wsgi.url_scheme'] === 'http' || environ['wsgi.url_scheme'] === 'https',
    'environ["wsgi.url_scheme"] must be "http" or "https"',
  );
  for (const key of BOOLEANS)
    check(typeof environ[key] === 'boolean', `environ["${key}"] must be a boolean`);
  check(
    isToken(environ.REQUEST_METHOD) &&
      environ.REQUEST_METHOD === environ.REQUEST_METHOD.toUpperCase(),
    `REQUEST_METHOD ${JSON.stringify(environ.REQUEST_METHOD)} must be an upper-case token`,
  );
  const script = environ.SCRIPT_NAME;
  check(
    script === '' || (script.startsWith('/') && script !== '/' && !script.endsWith('/')),
    `SCRIPT_NAME ${JSON.stringify(script)} must be "" or start with "/" and not end with "/"`,
  );
  const path = environ.PATH_INFO;
  check(
    path === '' || path.startsWith('/'),
    `PATH_INFO ${JSON.stringify(path)} must be "" or start with "/"`,
  );
  check(
    script !== '' || path !== '',
    'SCRIPT_NAME and PATH_INFO must not both be empty; the root is PATH_INFO "/"',
  );
  check(!environ.QUERY_STRING.startsWith('?'), 'QUERY_STRING must not start with "?"');
  check(
    /^\d+$/.test(environ.SERVER_PORT),
    `SERVER_PORT ${JSON.stringify(environ.SERVER_PORT)} must be digits`,
  );
  if (environ.CONTENT_LENGTH !== undefined) {
    check(/^\d+$/.test(environ.CONTENT_LENGTH), 'CONTENT_LENGTH must be a non-negative integer');
  }
  const input = environ['wsgi.input'] as Partial<WsgiInput> | undefined;
  check(
    typeof input?.read === 'function' &&
      typeof input.readline === 'function' &&
      typeof input[Symbol.asyncIterator] === 'function',
    'environ["wsgi.input"] must have read(), readline() and async iteration',
  );
  const errors = environ['wsgi.errors'] as Partial<WsgiErrors> | undefined;
  check(
    typeof errors?.write === 'function' && typeof errors.flush === 'function',
    'environ["wsgi.errors"] must have write() and flush()',
  );
}

/** Wraps wsgi.input (bytes only, never past CONTENT_LENGTH) and wsgi.errors (strings only). */
function wrapInputAndErrors(environ: Environ, check: Check): void {
  const input = environ['wsgi.input'];
  const limit =
    environ.CONTENT_LENGTH === undefined
      ? Number.POSITIVE_INFINITY
      : Number(environ.CONTENT_LENGTH);
  let total = 0;
  const count = (bytes: unknown, what: string): Uint8Array => {
    check(bytes instanceof Uint8Array, `wsgi.input.${what} must give a Uint8Array`);
    total += (bytes as Uint8Array).byteLength;
    check(total <= limit, `wsgi.input gave ${total} bytes, more than CONTENT_LENGTH ${limit}`);
    return bytes as Uint8Array;
  };
  const checkSize = (size: unknown, what: string) =>
    check(
      size === undefined || (typeof size === 'number' && !Number.isNaN(size)),
      `wsgi.input.${what}(size) takes a number`,
    );
  environ['wsgi.input'] = {
    async read(size?: number) {
      checkSize(size, 'read');
      return count(await input.read(size), 'read()');
    },
    async readline(limit?: number) {
      checkSize(limit, 'readline');
      return count(await input.readline(limit), 'readline()');
    },
    async *[Symbol.asyncIterator]() {
      for await (const chunk of input) yield count(chunk, 'iteration');
    },
  };
  const errors = environ['wsgi.errors'];
  environ['wsgi.errors'] = {
    write(text: string) {
      check(typeof text === 'string', 'wsgi.errors.write() takes a string');
      errors.write(text);
    },
    flush() {
      errors.flush();
    },
  };
}

/**
 * Checks a startResponse call; true when the response has no Content-Type, which is fine as long
 * as it has no body (a redirect, `201 Created` with a Location): the chunks decide.
 */
function checkStatusAndHeaders(status: unknown, headers: unknown, check: Check): boolean {
  check(typeof status === 'string', 'status must be a string');
  check(
    isStatusLine(status as string),
    `status ${JSON.stringify(status)} must look like "200 OK" (a reason of visible ASCII or Latin-1)`,
  );
  check(Array.isArray(headers), 'headers must be an array of [name, value] pairs');
  const code = Number((status as string).slice(0, 3));
  let contentType = false;
  let declaredLength = 0;
  for (const header of headers as unknown[]) {
    check(
      Array.isArray(header) && header.length === 2,
      `header ${JSON.stringify(header)} must be a [name, value] pair`,
    );
    const [name, value] = header as Header;
    check(
      typeof name === 'string' && isToken(name),
      `header name ${JSON.stringify(name)} must be a token`,
    );
    check(
      name.toLowerCase() !== 'status',
      'a "Status" header is not allowed; use the status argument',
    );
    check(typeof value === 'string', `header ${name} must have a string value`);
    check(
      isFieldValue(value),
      `header ${name} must not contain CR, LF, NUL, another control character or one above U+00FF`,
    );
    check(!isHopByHop(name), `header ${name} is hop-by-hop`);
    if (name.toLowerCase() === 'content-type') contentType = true;
    if (name.toLowerCase() === 'content-length') declaredLength = Number(value);
  }
  if (statusForbidsBody(code)) {
    check(!contentType, `a ${code} response must not have a Content-Type`);
    return false;
  }
  // RFC 9110 §8.3: content needs a type. A declared length counts, for HEAD sends no body.
  check(
    contentType || !(declaredLength > 0),
    `a ${code} response with a body must have a Content-Type`,
  );
  return !contentType;
}

function checkChunk(chunk: unknown, check: Check, where: string): void {
  check(
    chunk instanceof Uint8Array || typeof chunk === 'string',
    `${where} chunks must be Uint8Array or string, got ${chunk === null ? 'null' : typeof chunk}`,
  );
}

/**
 * A 204, 205 or 304 has no body: a non-empty chunk, written or yielded, breaks that. Any other
 * response with a body needs a Content-Type.
 */
function checkBodyAllowed(
  chunk: string | Uint8Array,
  code: number,
  untyped: boolean,
  check: Check,
): void {
  const empty = typeof chunk === 'string' ? chunk === '' : chunk.byteLength === 0;
  if (empty) return;
  const bodiless = code >= 200 && statusForbidsBody(code); // a 1xx is refused on its own
  check(!bodiless, `a ${code} response must not have a body`);
  check(bodiless || !untyped, `a ${code} response with a body must have a Content-Type`);
}

function wrapResult(
  result: AppIterable,
  check: Check,
  started: () => boolean,
  statusCode: () => number,
  untyped: () => boolean,
  markClosed: () => void,
): AppIterable {
  check(
    typeof result !== 'string' && !(result instanceof Uint8Array),
    'the app must return an iterable of chunks, not a bare string or Uint8Array',
  );
  check(
    result !== null &&
      typeof result === 'object' &&
      (Symbol.iterator in result || Symbol.asyncIterator in result),
    'the app must return an iterable or async iterable',
  );
  const isSync = Symbol.iterator in result;
  let iterator: Iterator<unknown> | AsyncIterator<unknown> | undefined;
  let finished = false;
  let closed = false;
  const onStep = (step: IteratorResult<unknown>) => {
    if (step.done) {
      finished = true;
      check(started(), 'the app returned without calling startResponse');
      return step;
    }
    checkChunk(step.value, check, 'iterable');
    const empty =
      typeof step.value === 'string'
        ? step.value === ''
        : (step.value as Uint8Array).byteLength === 0;
    check(empty || started(), 'the app produced a non-empty chunk before calling startResponse');
    checkBodyAllowed(step.value as string | Uint8Array, statusCode(), untyped(), check);
    return step;
  };
  const next = () => {
    check(!closed, 'the server iterated the response after close()');
    if (isSync) {
      iterator ??= (result as Iterable<unknown>)[Symbol.iterator]();
      return onStep((iterator as Iterator<unknown>).next());
    }
    iterator ??= (result as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    return (iterator as AsyncIterator<unknown>).next().then(onStep);
  };
  const close = () => {
    markClosed();
    closed = true;
    const pending: unknown[] = [];
    if (!finished && iterator?.return) pending.push(iterator.return());
    if (typeof result.close === 'function') pending.push(result.close());
    if (pending.some((p) => p && typeof (p as Promise<unknown>).then === 'function')) {
      return Promise.all(pending).then(() => undefined);
    }
    return undefined;
  };
  const iteratorObject = { next, return: () => ({ done: true as const, value: undefined }) };
  return isSync
    ? ({ [Symbol.iterator]: () => iteratorObject, close } as unknown as AppIterable)
    : ({ [Symbol.asyncIterator]: () => iteratorObject, close } as unknown as AppIterable);
}
