export { concatBytes, fromUtf8, isValidUtf8, utf8, utf8Text } from './bytes.js';
export {
  addHeader,
  createEnviron,
  decodePath,
  type EnvironInit,
  encodePath,
  encodeRawPath,
  encodeRawQuery,
  headerKey,
  hostParts,
  isPort,
  splitHost,
} from './environ.js';
export { consoleErrors, describeError, errorStream, ProtocolError } from './errors.js';
export {
  checkHeaders,
  getHeader,
  isFieldValue,
  isHopByHop,
  isStatusLine,
  isToken,
  parseStatus,
} from './headers.js';
export { createInput, emptyInput, type InputSource } from './input.js';
export {
  type BufferedResponse,
  plainResponse,
  type ResponseBodyIterator,
  type ResponseHead,
  type RunOptions,
  runApp,
  runAppBuffered,
  type StreamedResponse,
  unsendable,
} from './runner.js';
export { notAnAnswer, REASONS, statusForbidsBody, statusLine } from './status.js';
export type {
  App,
  AppIterable,
  Chunk,
  Environ,
  Header,
  StartResponse,
  Write,
  WsgiErrors,
  WsgiInput,
} from './types.js';
export { type WritableLike, whenClosed, whenWritable } from './writable.js';
