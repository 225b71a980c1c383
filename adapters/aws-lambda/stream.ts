/**
 * The streaming Lambda handler (`awslambda.streamifyResponse`): the status and headers go first
 * as the metadata prelude, then each chunk as the app yields it, with backpressure.
 * For Function URLs (invoke mode RESPONSE_STREAM) and REST APIs in STREAM mode.
 */
import { Buffer } from 'node:buffer';
import {
  type App,
  type BufferedResponse,
  type Header,
  notAnAnswer,
  runApp,
  unsendable,
  whenClosed,
  whenWritable,
} from '../../src/core/index.js';
import { groupHeaders, put, resolveSettings } from './_common.js';
import { isRefusal, isWarmup, kindOf, requestFor } from './handler.js';
import type { LambdaContext, LambdaEvent, LambdaOptions } from './types.js';
import { v1 } from './v1.js';
import { v2 } from './v2.js';

/** The writable the Lambda runtime hands a streaming handler (a Node `Writable`). */
export interface ResponseStream {
  write(chunk: Uint8Array): boolean;
  end(): void;
  destroy(error?: Error): void;
  readonly destroyed?: boolean;
  once(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
  off(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
}

/** The metadata prelude `HttpResponseStream.from` writes before the body. */
export interface StreamPrelude {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
}

type StreamingFunction = (
  event: LambdaEvent,
  responseStream: ResponseStream,
  context?: LambdaContext,
) => Promise<void>;

/** The part of the `awslambda` global of the Lambda Node.js runtime used here. */
interface AwsLambdaRuntime {
  streamifyResponse(handler: StreamingFunction): StreamingFunction;
  HttpResponseStream: { from(stream: ResponseStream, prelude: StreamPrelude): ResponseStream };
}

function prelude(statusCode: number, list: readonly Header[]): StreamPrelude {
  const headers: Record<string, string> = {};
  let cookies: string[] = [];
  for (const [lower, name, values] of groupHeaders(list)) {
    if (lower === 'set-cookie') cookies = values;
    else put(headers, name, values.length === 1 ? values[0]! : values.join(', '));
  }
  return { statusCode, headers, cookies };
}

const GONE = Symbol('gone');
const NO_BYTES = new Uint8Array(0);

/**
 * The chunk as a plain `Uint8Array` view: the runtime's stream sends anything but a string, a
 * Buffer or a plain `Uint8Array` as its JSON text, which would turn a subclass's bytes into
 * `{"0":1,…}`.
 */
function plainBytes(chunk: Uint8Array): Uint8Array {
  return chunk.constructor === Uint8Array || Buffer.isBuffer(chunk)
    ? chunk
    : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Sends an answer the handler made itself (a refusal, a 500) in one piece. */
function sendWhole(
  runtime: AwsLambdaRuntime,
  stream: ResponseStream,
  response: BufferedResponse,
): void {
  const out = runtime.HttpResponseStream.from(
    stream,
    prelude(response.statusCode, response.headers),
  );
  out.write(response.body);
  out.end();
}

/**
 * Wraps an app as a streaming Lambda handler: `awslambda.streamifyResponse` around a function
 * that writes the prelude with `awslambda.HttpResponseStream.from(...)` and then the body chunks
 * as the app yields them. When the client goes away the app is stopped and its close() runs.
 * Outside the Lambda runtime (no `awslambda` global) the handler throws when invoked.
 *
 * @example
 * ```ts
 * import { streamHandler } from 'tsgi/aws-lambda';
 * import app from './app.js';
 *
 * export const streaming = streamHandler(app);
 * ```
 */
export function streamHandler(app: App, options: LambdaOptions = {}): StreamingFunction {
  const settings = resolveSettings(options);
  // Through `unknown`: where @types/aws-lambda is loaded, it declares a differently typed global.
  const runtime = (globalThis as unknown as { awslambda?: AwsLambdaRuntime }).awslambda;
  const stream: StreamingFunction = async (event, responseStream, context) => {
    if (runtime === undefined) {
      throw new Error(
        'tsgi: streamHandler needs the awslambda global of the Lambda Node.js runtime; use handler elsewhere',
      );
    }
    if (isWarmup(event)) {
      responseStream.end();
      return;
    }
    const kind = kindOf(event, settings);
    if (kind !== v1 && kind !== v2) {
      const error = new Error(
        'tsgi: streamHandler serves Function URLs and REST APIs in STREAM mode; ALB and Lambda@Edge need handler',
      );
      settings.logger(error.message);
      throw error;
    }
    const request = requestFor(kind, event, context, settings);
    if (isRefusal(request)) {
      sendWhole(runtime, responseStream, request);
      return;
    }
    // The client may leave while the app works on its first chunk: the runner then closes it.
    const response = await runApp(app, request, { gone: () => whenClosed(responseStream) });
    if (responseStream.destroyed) {
      await response.body.return();
      return;
    }
    const problem = notAnAnswer(response.statusCode);
    if (problem !== undefined) {
      await response.body.return();
      sendWhole(runtime, responseStream, unsendable(request, 'by Lambda', problem));
      return;
    }
    const out = runtime.HttpResponseStream.from(
      responseStream,
      prelude(response.statusCode, response.headers),
    );
    const { complete } = response;
    if (complete !== undefined) {
      // The whole body is known: one write (an empty one for none, since the runtime sends the
      // prelude only before a write), then the end. A bodiless answer the app wrote to while it
      // worked ends before the app does: the handler returns once its result is closed.
      out.write(complete.byteLength > 0 ? plainBytes(complete) : NO_BYTES);
      out.end();
      await response.body.return();
      return;
    }
    // The client may go away while the app works on a chunk: stop the app and run its close()
    // at once, and stop waiting for the chunk (the app may never produce it). The runtime's
    // stream closes then, where the runtime notices the client leaving at all.
    let leave: (gone: typeof GONE) => void = () => {};
    const gone = new Promise<typeof GONE>((resolve) => {
      leave = resolve;
    });
    let closing: Promise<unknown> | undefined;
    const onClose = () => {
      closing = response.body.return();
      leave(GONE);
    };
    out.once('close', onClose);
    let wrote = false;
    try {
      for (;;) {
        const next = response.body.next();
        // The race has taken `next`'s rejection, if one comes after the client left.
        const step = await Promise.race([next, gone]);
        if (step === GONE || step.done || out.destroyed || closing) break;
        const chunk = step.value;
        if (chunk.byteLength > 0) {
          wrote = true;
          // A write that waits to drain ends too when the client goes (the stream closes).
          if (!out.write(plainBytes(chunk))) await whenWritable(out);
        }
      }
    } catch (error) {
      // Headers are out, so the stream is aborted; the runner has already logged the error.
      out.destroy(error instanceof Error ? error : new Error(String(error)));
      return;
    } finally {
      out.off('close', onClose);
    }
    if (out.destroyed || closing) {
      // Lambda may freeze the instance once the handler returns: let close() finish first.
      await (closing ?? response.body.return());
      return;
    }
    // The runtime sends the prelude (status, headers, cookies) just before the first write, and
    // `end()` alone writes nothing: a response without a body still needs one, empty.
    if (!wrote) out.write(NO_BYTES);
    out.end();
  };
  return runtime === undefined ? stream : runtime.streamifyResponse(stream);
}
