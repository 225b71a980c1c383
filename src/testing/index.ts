/**
 * Testing tools: build an environ like a server does, and call an app in-process.
 *
 * @module
 */
export {
  Client,
  type ClientOptions,
  MAX_REDIRECTS,
  type RequestOptions,
  type TestRequest,
  TestResponse,
  type TestResponseContext,
} from './client.js';
export { CookieJar, type CookieScope, type StoredCookie } from './cookies.js';
export { buildEnviron, type EnvironOptions, type HeadersInit } from './environ-builder.js';
export type { FormFields, FormValue } from './multipart.js';
