/**
 * HTTP errors as exceptions (werkzeug's `HTTPException`): throw one anywhere in a view, a hook
 * or a body parser, and the App answers with its response (or an error handler's).
 */
import { REASONS } from '../core/status.js';
import type { HeadersInit } from './headers.js';
import { Response } from './response.js';

const DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'The browser (or proxy) sent a request that this server could not understand.',
  401: 'The server could not verify that you are authorized to access the URL requested.',
  403: "You don't have the permission to access the requested resource.",
  404: 'The requested URL was not found on the server.',
  405: 'The method is not allowed for the requested URL.',
  413: 'The data value transmitted exceeds the capacity limit.',
  415: 'The server does not support the media type transmitted in the request.',
  500: 'The server encountered an internal error and was unable to complete your request.',
};

/** Options for an {@link HTTPException}. */
export interface HTTPExceptionOptions {
  /** Extra response headers (Allow, WWW-Authenticate, Retry-After...). */
  headers?: HeadersInit;
  /** Answer with this response instead of the generated text one. */
  response?: Response;
  cause?: unknown;
}

/**
 * An HTTP error response as an exception.
 *
 * @example
 * ```ts
 * if (!user) throw new HTTPException(403, 'Members only.');
 * ```
 */
export class HTTPException extends Error {
  override name = 'HTTPException';
  readonly code: number;
  readonly description: string;
  readonly headers: HeadersInit | undefined;
  readonly response: Response | undefined;

  constructor(code: number, description?: string, options: HTTPExceptionOptions = {}) {
    const text = description ?? DESCRIPTIONS[code] ?? REASONS[code] ?? 'HTTP error';
    super(`${code} ${REASONS[code] ?? 'Unknown'}: ${text}`, { cause: options.cause });
    this.code = code;
    this.description = text;
    this.headers = options.headers;
    this.response = options.response;
  }

  /** The response to send: a short text/plain page with the status and description. */
  getResponse(): Response {
    if (this.response) return this.response;
    const reason = REASONS[this.code] ?? 'Unknown';
    return new Response(`${reason}\n\n${this.description}\n`, {
      status: this.code,
      ...(this.headers !== undefined && { headers: this.headers }),
      mimetype: 'text/plain',
    });
  }
}

/** 400: the request is malformed (a broken form, invalid JSON). */
export class BadRequest extends HTTPException {
  override name = 'BadRequest';
  constructor(description?: string, options?: HTTPExceptionOptions) {
    super(400, description, options);
  }
}

/** 403. */
export class Forbidden extends HTTPException {
  override name = 'Forbidden';
  constructor(description?: string, options?: HTTPExceptionOptions) {
    super(403, description, options);
  }
}

/** 404: no route matched. */
export class NotFound extends HTTPException {
  override name = 'NotFound';
  constructor(description?: string, options?: HTTPExceptionOptions) {
    super(404, description, options);
  }
}

/** 405: the path exists for other methods; the response carries `Allow`. */
export class MethodNotAllowed extends HTTPException {
  override name = 'MethodNotAllowed';
  readonly validMethods: string[];
  constructor(validMethods: string[], description?: string) {
    super(405, description, { headers: { Allow: validMethods.join(', ') } });
    this.validMethods = validMethods;
  }
}

/** 413: the body is over a configured limit. */
export class RequestEntityTooLarge extends HTTPException {
  override name = 'RequestEntityTooLarge';
  constructor(description?: string, options?: HTTPExceptionOptions) {
    super(413, description, options);
  }
}

/** 415: a body in a media type the view does not read. */
export class UnsupportedMediaType extends HTTPException {
  override name = 'UnsupportedMediaType';
  constructor(description?: string, options?: HTTPExceptionOptions) {
    super(415, description, options);
  }
}

/** 500: what an unhandled error becomes when an error handler for 500 is registered. */
export class InternalServerError extends HTTPException {
  override name = 'InternalServerError';
  readonly originalError: unknown;
  constructor(description?: string, options: HTTPExceptionOptions = {}) {
    super(500, description, options);
    this.originalError = options.cause;
  }
}

/**
 * Throws the HTTPException for `code` (Flask's `abort`).
 *
 * @example
 * ```ts
 * abort(404, `No user ${id}.`);
 * ```
 */
export function abort(code: number, description?: string, options?: HTTPExceptionOptions): never {
  throw new HTTPException(code, description, options);
}
