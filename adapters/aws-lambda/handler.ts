/**
 * The buffered Lambda handler: event ⇒ environ (one module per front end) ⇒ the core runner ⇒
 * the result object that front end accepts.
 */
import {
  type App,
  type BufferedResponse,
  type Environ,
  notAnAnswer,
  plainResponse,
  runAppBuffered,
  unsendable,
} from '../../src/core/index.js';
import {
  attach,
  BadRequest,
  type EventKind,
  encodeBody,
  oversize,
  resolveSettings,
  type Settings,
} from './_common.js';
import { alb } from './alb.js';
import { edge, isResponseTrigger } from './edge.js';
import type {
  LambdaContext,
  LambdaEvent,
  LambdaOptions,
  LambdaResult,
  LambdaResultFor,
} from './types.js';
import { v1 } from './v1.js';
import { v2 } from './v2.js';

// Order matters: ALB events also have `httpMethod` and `requestContext`, so ALB goes before v1.
const KINDS = [v2, alb, v1, edge] as unknown as EventKind<unknown>[];

/** True for the ping serverless-plugin-warmup sends; it is answered without calling the app. */
export function isWarmup(event: unknown): boolean {
  return (
    typeof event === 'object' &&
    event !== null &&
    (event as { source?: unknown }).source === 'serverless-plugin-warmup'
  );
}

/** The front end that sent `event`; anything else is a clear, logged error (never a TypeError). */
export function kindOf(event: unknown, settings: Settings): EventKind<unknown> {
  if (typeof event === 'object' && event !== null && !Array.isArray(event)) {
    for (const kind of KINDS) if (kind.is(event as Record<string, unknown>)) return kind;
  }
  const error = new Error(
    `tsgi: the Lambda handler got ${describeEvent(event)}; it serves API Gateway REST (v1) and ` +
      'HTTP API (v2), Function URL, ALB and Lambda@Edge request events, and ' +
      'serverless-plugin-warmup pings',
  );
  settings.logger(error.message);
  throw error;
}

/** What an event the handler does not serve looks like, for the error. */
function describeEvent(event: unknown): string {
  if (typeof event !== 'object' || event === null) {
    return `a ${event === null ? 'null' : typeof event} event`;
  }
  const cf = (event as { Records?: { cf?: object }[] }).Records?.[0]?.cf;
  if (typeof cf === 'object' && cf !== null && isResponseTrigger(cf)) {
    const type = (cf as { config?: { eventType?: unknown } }).config?.eventType;
    return `a Lambda@Edge ${typeof type === 'string' ? type : 'response'} event (a response trigger: the origin has answered, there is no request for the app)`;
  }
  return `an event with top-level keys [${Object.keys(event).join(', ')}]`;
}

/** environ for the event, or the 4xx that answers it without calling the app. */
export function requestFor(
  kind: EventKind<unknown>,
  event: unknown,
  context: LambdaContext | undefined,
  settings: Settings,
): Environ | BufferedResponse {
  try {
    const environ = kind.environ(event, settings);
    attach(environ, event, context);
    return environ;
  } catch (error) {
    if (!(error instanceof BadRequest)) throw error;
    settings.logger(`tsgi: refused a request before the app: ${error.message}`);
    return plainResponse(error.status, `${error.message}\n`, isHead(event) ? 'HEAD' : 'GET');
  }
}

/** True when the event asks for HEAD, read defensively: it may be the event being refused. */
function isHead(event: unknown): boolean {
  const e = event as {
    httpMethod?: unknown;
    requestContext?: { http?: { method?: unknown } };
    Records?: { cf?: { request?: { method?: unknown } } }[];
  };
  const method =
    e.httpMethod ?? e.requestContext?.http?.method ?? e.Records?.[0]?.cf?.request?.method;
  return typeof method === 'string' && method.toUpperCase() === 'HEAD';
}

/** True when {@link requestFor} answered the request itself. */
export function isRefusal(request: Environ | BufferedResponse): request is BufferedResponse {
  return 'statusCode' in request;
}

/** The result object, or a logged 500 when it would be over the front end's size limit. */
function finish(
  kind: EventKind<unknown>,
  event: unknown,
  response: BufferedResponse,
  method: string,
  settings: Settings,
): LambdaResult {
  const [body, base64] = encodeBody(response, settings);
  const result = kind.result(response, body, base64, event, settings);
  const [limit, frontEnd] = kind.limit(event);
  const size = oversize(result as { body?: string }, response, body, base64, limit);
  if (size === 0) return result;
  // Only Function URLs and REST APIs can take a streamed response.
  const advice =
    frontEnd === 'Function URL' || frontEnd === 'REST API'
      ? `stream large bodies with streamHandler (${frontEnd === 'REST API' ? 'REST APIs in STREAM mode' : 'Function URLs in RESPONSE_STREAM mode'}) or make the response smaller`
      : 'make the response smaller';
  settings.logger(
    `tsgi: the response is ${size} bytes as JSON, over the ${frontEnd} limit of ${limit} bytes; ` +
      `sent a 500 instead; ${advice}`,
  );
  const failure = plainResponse(500, 'Internal Server Error\n', method);
  return kind.result(failure, encodeBody(failure, settings)[0], false, event, settings);
}

/**
 * Wraps an app as a Lambda handler for API Gateway REST (v1) and HTTP API (v2), Function URLs,
 * ALB (single- and multi-value) and Lambda@Edge request triggers; the front end is recognised
 * from the event itself. The whole response is buffered; use {@link streamHandler} to stream.
 *
 * The event type `E` is every event the handler serves; declared as one of `@types/aws-lambda`'s
 * handler types, it is that type's event and the result is that front end's.
 *
 * @example
 * ```ts
 * import type { APIGatewayProxyHandlerV2 } from 'aws-lambda';
 * import { handler } from 'tsgi/aws-lambda';
 * import app from './app.js';
 *
 * export const main = handler(app, { basePath: '/api' });
 * export const typed: APIGatewayProxyHandlerV2 = handler(app);
 * ```
 */
export function handler<E extends LambdaEvent = LambdaEvent>(
  app: App,
  options: LambdaOptions = {},
): (event: E, context?: LambdaContext) => Promise<LambdaResultFor<E>> {
  const settings = resolveSettings(options);
  // The result is the front end's own: the kind is recognised from the event at run time.
  return (async (event: LambdaEvent, context?: LambdaContext): Promise<LambdaResult> => {
    if (isWarmup(event)) return {};
    const kind = kindOf(event, settings);
    const request = requestFor(kind, event, context, settings);
    if (isRefusal(request)) return finish(kind, event, request, 'GET', settings);
    let response = await runAppBuffered(app, request);
    const problem = notAnAnswer(response.statusCode);
    if (problem !== undefined) response = unsendable(request, 'by Lambda', problem);
    return finish(kind, event, response, request.REQUEST_METHOD, settings);
  }) as unknown as (event: E, context?: LambdaContext) => Promise<LambdaResultFor<E>>;
}
