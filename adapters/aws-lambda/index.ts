/**
 * Run a tsgi app on AWS Lambda: API Gateway REST (v1) and HTTP API (v2), Function URLs, ALB and
 * Lambda@Edge, buffered or streamed. See docs/aws-lambda.md.
 *
 * @module
 */
export { isBinaryResponse } from './_common.js';
export {
  buildEvent,
  decodeResult,
  type EventInit,
  type EventKindName,
  eventKind,
} from './events.js';
export { handler } from './handler.js';
export { streamHandler } from './stream.js';
export type * from './types.js';
