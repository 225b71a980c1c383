/**
 * Node adapter: serve a tsgi app with `node:http` (SPEC §6).
 *
 * @module
 */

export { declaredLength } from './environ.js';
export {
  DEFAULT_MAX_BODY_SIZE,
  type NodeListener,
  type NodeListenerOptions,
  nodeListener,
  type RequestLog,
} from './listener.js';
export { type ServeOptions, type ServerHandle, serve, urlFor } from './serve.js';
