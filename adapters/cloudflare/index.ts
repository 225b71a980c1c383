/**
 * The fetch adapter: run a tsgi app on Cloudflare Workers, Deno, Bun or anything with the web's
 * Request and Response.
 *
 * @module
 */
export {
  type ExecutionContextLike,
  type FetchHandler,
  type FetchHandlerOptions,
  fetchHandler,
  worker,
} from './handler.js';
