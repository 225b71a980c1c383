/**
 * The framework layer: Request and Response wrappers, a routing App, HTTP exceptions.
 *
 * `Request` and `Response` share their names with the fetch globals; they are exported as
 * `TsgiRequest` and `TsgiResponse` too, so both can be imported side by side.
 *
 * @module
 */
import { Application } from './app.js';

export {
  type AfterRequest,
  Application,
  type AppOptions,
  type BeforeRequest,
  type ErrorHandler,
  type RouteOptions,
  type View,
  type ViewResult,
} from './app.js';
export { BaseApp } from './callable.js';
export { type CookieOptions, parseCookies, serializeCookie } from './cookies.js';
export {
  abort,
  BadRequest,
  Forbidden,
  HTTPException,
  type HTTPExceptionOptions,
  InternalServerError,
  MethodNotAllowed,
  NotFound,
  RequestEntityTooLarge,
  UnsupportedMediaType,
} from './exceptions.js';
export { UploadedFile } from './forms.js';
export { HeaderList, type HeadersInit, RequestHeaders } from './headers.js';
export { MultiDict } from './multidict.js';
export { DEFAULT_LIMITS, Request, Request as TsgiRequest, type RequestLimits } from './request.js';
export {
  Response,
  Response as TsgiResponse,
  type ResponseApp,
  type ResponseBody,
  type ResponseInit,
} from './response.js';
export {
  type Converter,
  DEFAULT_CONVERTERS,
  type Match,
  type RouteParams,
  Router,
  type Rule,
} from './routing.js';

/**
 * The routing app class, {@link Application}, under Flask's name. It is a value only, so that
 * `App` in a type position stays the protocol's app type (which an instance satisfies).
 *
 * @example
 * ```ts
 * import { App } from 'tsgi';
 * const app = new App();
 * app.route('/', () => '<p>Hello, World!</p>');
 * ```
 */
export const App: typeof Application = Application;
