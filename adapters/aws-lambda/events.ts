/**
 * Realistic events for each front end, and results read back the way the front end delivers
 * them to a client. For tests, `tsgi event` and `tsgi serve --emulate`; the handler never imports
 * this module, so it costs a bundle nothing when unused.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import { encodeRawPath, encodeRawQuery, type Header } from '../../src/core/index.js';
import { alb } from './alb.js';
import { edge } from './edge.js';
import type {
  AlbEvent,
  AlbResult,
  ApiGatewayV1Event,
  ApiGatewayV1Result,
  ApiGatewayV2Event,
  ApiGatewayV2Result,
  EdgeEvent,
  EdgeHeaders,
  EdgeResult,
} from './types.js';
import { v1 } from './v1.js';
import { v2 } from './v2.js';

/** The front ends {@link buildEvent} and {@link decodeResult} know. */
export type EventKindName = 'aws-v1' | 'aws-v2' | 'alb' | 'alb-multi' | 'function-url' | 'edge';

/**
 * Which front end sent `event`, by the same guards the handler uses; `undefined` for an event no
 * front end sends (a warm-up ping included).
 *
 * @example
 * ```ts
 * const kind = eventKind(event); // 'aws-v2'
 * const { statusCode, body } = decodeResult(kind!, await handler(app)(event));
 * ```
 */
export function eventKind(event: unknown): EventKindName | undefined {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return undefined;
  const fields = event as Record<string, unknown>;
  if (v2.is(fields)) {
    const domain = (fields as unknown as ApiGatewayV2Event).requestContext.domainName;
    return typeof domain === 'string' && domain.includes('.lambda-url.')
      ? 'function-url'
      : 'aws-v2';
  }
  if (alb.is(fields)) return fields.multiValueHeaders ? 'alb-multi' : 'alb';
  if (v1.is(fields)) return 'aws-v1';
  if (edge.is(fields)) return 'edge';
  return undefined;
}

/** A request to turn into an event. */
export interface EventInit {
  /** Default `GET`. */
  method?: string;
  /**
   * The path the app routes on (after any stage), optionally with `?query`; a `#fragment` is
   * dropped, as clients never send it. Default `/`. A space or `é` is percent-encoded as a client
   * would send it (in `rawPath`, which HTTP API hands over partly decoded, the path stays as
   * given); escapes already there are kept.
   */
  path?: string;
  /** Request headers; arrays or repeated pairs become repeated headers. */
  headers?: Record<string, string | readonly string[]> | readonly (readonly [string, string])[];
  body?: Uint8Array | string;
  /**
   * API Gateway stage. Default `prod` for aws-v1, `$default` for aws-v2. A named stage is in an
   * HTTP API's `rawPath` on every `host`, and in a REST API's `requestContext.path` only on the
   * default execute-api one (a custom domain's mapping replaces it there).
   */
  stage?: string;
  /** Host the client used. Default: the front end's own domain. */
  host?: string;
  /** The client's address. Default `203.0.113.7`. */
  sourceIp?: string;
  /** Lambda@Edge trigger. Default `viewer-request`. */
  eventType?: 'viewer-request' | 'origin-request';
  /** Send the body base64 (true) or as text (false); default: as the front end would. */
  base64?: boolean;
}

/** A result as the client receives it. */
export interface DecodedResult {
  statusCode: number;
  headers: Header[];
  body: Uint8Array;
}

const TEXTUAL = /^(?:text\/|application\/(?:json|javascript|xml)\b)/i;
const ALB_TEXT = /^(?:text\/|application\/(?:json|javascript|xml)\s*(?:;|$))/i;

function pairsOf(headers: EventInit['headers']): [string, string][] {
  if (headers === undefined) return [];
  if (Array.isArray(headers)) return headers.map(([name, value]) => [name, value]);
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') pairs.push([name, value]);
    else for (const item of value as readonly string[]) pairs.push([name, item]);
  }
  return pairs;
}

function headerValue(pairs: [string, string][], name: string): string | undefined {
  return pairs.find(([key]) => key.toLowerCase() === name)?.[1];
}

function bodyField(
  init: EventInit,
  pairs: [string, string][],
  textual: RegExp,
): [body: string, base64: boolean] {
  const raw = init.body;
  if (raw === undefined || raw.length === 0) return ['', false];
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.from(raw);
  const type = headerValue(pairs, 'content-type') ?? '';
  const encoded = headerValue(pairs, 'content-encoding') !== undefined;
  const base64 = init.base64 ?? (encoded || !textual.test(type) || !isUtf8(bytes));
  return base64 ? [bytes.toString('base64'), true] : [bytes.toString('utf8'), false];
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function plusAsSpace(text: string): string {
  return text.replaceAll('+', ' ');
}

/** `a=1&a=2&b` as ordered [key, value] pairs: raw, percent-decoded, or decoded as a form. */
function queryPairs(query: string, decode: 'raw' | 'percent' | 'form'): [string, string][] {
  if (query === '') return [];
  return query.split('&').map((part) => {
    const eq = part.indexOf('=');
    const key = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    if (decode === 'raw') return [key, value];
    // REST decodes a query the way HTML forms encode one: `+` is a space there.
    if (decode === 'form')
      return [decodeComponent(plusAsSpace(key)), decodeComponent(plusAsSpace(value))];
    return [decodeComponent(key), decodeComponent(value)];
  });
}

/** An object with no prototype, so a key such as `__proto__` or `valueOf` is plain data. */
function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

function single(pairs: [string, string][], join?: string): Record<string, string> {
  const out: Record<string, string> = dict();
  for (const [key, value] of pairs) {
    out[key] = join !== undefined && key in out ? `${out[key]}${join}${value}` : value;
  }
  return out;
}

function multi(pairs: [string, string][]): Record<string, string[]> {
  const out: Record<string, string[]> = dict();
  for (const [key, value] of pairs) {
    const list = out[key];
    if (list === undefined) out[key] = [value];
    else list.push(value);
  }
  return out;
}

/**
 * Path and query of a request target: a `#fragment` dropped, as clients never send it, and a
 * space or `é` in the query percent-encoded as a client would (escapes already there kept).
 */
function splitTarget(url: string): [path: string, query: string] {
  const target = url.split('#', 1)[0]!;
  const mark = target.indexOf('?');
  const path = (mark === -1 ? target : target.slice(0, mark)) || '/';
  return [path, mark === -1 ? '' : encodeRawQuery(target.slice(mark + 1))];
}

const NOW = Date.UTC(2026, 0, 1);
const API_ID = 'a1b2c3d4e5';

/**
 * Builds an event the way the front end would send it for a request, shaped like captured ones:
 * v1 with multi-value maps and decoded query values, v2 with a `cookies` array and
 * `rawQueryString`, ALB with undecoded query values, Edge with `{key, value}` lists; binary bodies
 * base64 where the front end would encode them.
 *
 * @example
 * ```ts
 * const event = buildEvent('aws-v2', { method: 'POST', path: '/echo?x=1', body: 'hi',
 *   headers: { 'content-type': 'text/plain' } });
 * const result = await handler(app)(event);
 * ```
 */
export function buildEvent(kind: 'aws-v1', init?: EventInit): ApiGatewayV1Event;
export function buildEvent(kind: 'aws-v2' | 'function-url', init?: EventInit): ApiGatewayV2Event;
export function buildEvent(kind: 'alb' | 'alb-multi', init?: EventInit): AlbEvent;
export function buildEvent(kind: 'edge', init?: EventInit): EdgeEvent;
export function buildEvent(
  kind: EventKindName,
  init?: EventInit,
): ApiGatewayV1Event | ApiGatewayV2Event | AlbEvent | EdgeEvent;
export function buildEvent(
  kind: EventKindName,
  init: EventInit = {},
): ApiGatewayV1Event | ApiGatewayV2Event | AlbEvent | EdgeEvent {
  const method = (init.method ?? 'GET').toUpperCase();
  const [target, query] = splitTarget(init.path ?? '/');
  // REST, ALB and CloudFront pass the path on encoded, as the client sent it (`/foo%20bar` in
  // captured events); HTTP API's `rawPath` is taken as given (it arrives with `%20` decoded).
  const path = encodeRawPath(target);
  const sourceIp = init.sourceIp ?? '203.0.113.7';
  const pairs = pairsOf(init.headers);
  switch (kind) {
    case 'aws-v1':
      return v1Event(init, method, path, query, sourceIp, pairs);
    case 'aws-v2':
    case 'function-url':
      return v2Event(kind, init, method, target, query, sourceIp, pairs);
    case 'alb':
    case 'alb-multi':
      return albEvent(kind === 'alb-multi', init, method, path, query, sourceIp, pairs);
    case 'edge':
      return edgeEvent(init, method, path, query, sourceIp, pairs);
    default:
      throw new Error(`tsgi: unknown event kind ${JSON.stringify(kind)}`);
  }
}

function forwarded(pairs: [string, string][], host: string, sourceIp: string): [string, string][] {
  const out = pairs.filter(([name]) => name.toLowerCase() !== 'host');
  out.unshift(['Host', host]);
  const xff = headerValue(pairs, 'x-forwarded-for');
  const rest = out.filter(([name]) => !/^x-forwarded-(?:for|port|proto)$/i.test(name));
  rest.push(['X-Forwarded-For', xff ? `${xff}, ${sourceIp}` : sourceIp]);
  rest.push(['X-Forwarded-Port', '443'], ['X-Forwarded-Proto', 'https']);
  return rest;
}

function v1Event(
  init: EventInit,
  method: string,
  path: string,
  query: string,
  sourceIp: string,
  pairs: [string, string][],
): ApiGatewayV1Event {
  const domain = `${API_ID}.execute-api.us-east-1.amazonaws.com`;
  const host = init.host ?? domain;
  const stage = init.stage ?? 'prod';
  const headers = forwarded(pairs, host, sourceIp);
  const params = queryPairs(query, 'form');
  const [body, base64] = bodyField(init, pairs, TEXTUAL);
  // Built apart: the event's type holds only the fields the adapter reads.
  const requestContext = {
    resourceId: 'abc123',
    resourcePath: '/{proxy+}',
    httpMethod: method,
    requestTime: new Date(NOW).toUTCString(),
    // The stage is in the URL only on the execute-api domain.
    path: host === domain ? `/${stage}${path}` : path,
    accountId: '123456789012',
    protocol: 'HTTP/1.1',
    stage,
    domainPrefix: API_ID,
    requestTimeEpoch: NOW,
    requestId: '00000000-0000-4000-8000-000000000001',
    identity: { sourceIp, userAgent: headerValue(pairs, 'user-agent') ?? null, userArn: null },
    domainName: host,
    apiId: API_ID,
  };
  return {
    resource: '/{proxy+}',
    path,
    httpMethod: method,
    headers: single(headers),
    multiValueHeaders: multi(headers),
    queryStringParameters: params.length ? single(params) : null,
    multiValueQueryStringParameters: params.length ? multi(params) : null,
    pathParameters: { proxy: path.slice(1) },
    stageVariables: null,
    requestContext,
    body: body === '' ? null : body,
    isBase64Encoded: base64,
  };
}

function v2Event(
  kind: 'aws-v2' | 'function-url',
  init: EventInit,
  method: string,
  path: string,
  query: string,
  sourceIp: string,
  pairs: [string, string][],
): ApiGatewayV2Event {
  const url = kind === 'function-url';
  const domain = url
    ? 'abcdefghijklmnopqrstuvwxyz123456.lambda-url.us-east-1.on.aws'
    : `${API_ID}.execute-api.us-east-1.amazonaws.com`;
  const host = init.host ?? domain;
  const stage = url ? '$default' : (init.stage ?? '$default');
  // A named stage is in rawPath on every domain (a custom domain's mapping key is not).
  const rawPath = stage === '$default' ? path : `/${stage}${path}`;
  const lower: [string, string][] = forwarded(pairs, host, sourceIp).map(([n, v]) => [
    n.toLowerCase(),
    v,
  ]);
  const cookies = lower
    .filter(([name]) => name === 'cookie')
    .flatMap(([, value]) => value.split(/;\s*/))
    .filter((cookie) => cookie !== '');
  // HTTP API moves cookies out of the headers; a Function URL keeps the header as well.
  const headers = single(url ? lower : lower.filter(([name]) => name !== 'cookie'), ',');
  const params = queryPairs(query, 'percent');
  const [body, base64] = bodyField(init, pairs, TEXTUAL);
  const requestContext = {
    accountId: url ? 'anonymous' : '123456789012',
    apiId: url ? domain.slice(0, domain.indexOf('.')) : API_ID,
    domainName: host,
    domainPrefix: host.slice(0, host.indexOf('.')),
    http: {
      method,
      path: rawPath,
      protocol: 'HTTP/1.1',
      sourceIp,
      userAgent: headerValue(pairs, 'user-agent') ?? '',
    } as ApiGatewayV2Event['requestContext']['http'],
    requestId: '00000000-0000-4000-8000-000000000002',
    routeKey: '$default',
    stage,
    time: new Date(NOW).toUTCString(),
    timeEpoch: NOW,
  };
  const event: ApiGatewayV2Event = {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: query,
    headers,
    requestContext,
    isBase64Encoded: base64,
  };
  if (cookies.length > 0) event.cookies = cookies;
  if (params.length > 0) event.queryStringParameters = single(params, ',');
  if (body !== '') event.body = body;
  return event;
}

function albEvent(
  multiValue: boolean,
  init: EventInit,
  method: string,
  path: string,
  query: string,
  sourceIp: string,
  pairs: [string, string][],
): AlbEvent {
  const host = init.host ?? 'my-alb-1234567890.us-east-1.elb.amazonaws.com';
  const headers: [string, string][] = forwarded(pairs, host, sourceIp).map(([n, v]) => [
    n.toLowerCase(),
    v,
  ]);
  const params = queryPairs(query, 'raw');
  const [body, base64] = bodyField(init, pairs, ALB_TEXT);
  const event: AlbEvent = {
    requestContext: {
      elb: {
        targetGroupArn:
          'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tsgi/0123456789abcdef',
      },
    },
    httpMethod: method,
    path,
    body,
    isBase64Encoded: base64,
  };
  if (multiValue) {
    event.multiValueQueryStringParameters = multi(params);
    event.multiValueHeaders = multi(headers);
  } else {
    // Single-value mode keeps the last value of a repeated key.
    event.queryStringParameters = single(params);
    event.headers = single(headers);
  }
  return event;
}

function edgeEvent(
  init: EventInit,
  method: string,
  path: string,
  query: string,
  sourceIp: string,
  pairs: [string, string][],
): EdgeEvent {
  const domain = 'd111111abcdef8.cloudfront.net';
  const headers: EdgeHeaders = dict();
  const all: [string, string][] = [
    ['Host', init.host ?? domain],
    ...pairs.filter(([n]) => n.toLowerCase() !== 'host'),
  ];
  for (const [key, value] of all) {
    const lower = key.toLowerCase();
    const list = headers[lower];
    if (list === undefined) headers[lower] = [{ key, value }];
    else list.push({ key, value });
  }
  const request: EdgeEvent['Records'][number]['cf']['request'] = {
    clientIp: sourceIp,
    headers,
    method,
    querystring: query,
    uri: path,
  };
  if (init.body !== undefined && init.body.length > 0) {
    const bytes = typeof init.body === 'string' ? Buffer.from(init.body) : Buffer.from(init.body);
    request.body = {
      action: 'read-only',
      data: bytes.toString('base64'),
      encoding: 'base64',
      inputTruncated: false,
    };
  }
  const config = {
    distributionDomainName: domain,
    distributionId: 'EDFDVBD6EXAMPLE',
    eventType: init.eventType ?? 'viewer-request',
    requestId: '4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==',
  };
  return {
    Records: [
      {
        cf: {
          config,
          request,
        },
      },
    ],
  };
}

// ———— Results, as the client receives them ————

function fail(kind: string, rule: string): never {
  throw new Error(`tsgi: not a valid ${kind} result (the front end would answer 502): ${rule}`);
}

function stringMap(kind: string, field: string, map: unknown): Record<string, string> {
  if (map === undefined) return {};
  if (map === null || typeof map !== 'object') fail(kind, `${field} must be an object`);
  for (const [name, value] of Object.entries(map as object)) {
    if (typeof value !== 'string') fail(kind, `${field}.${name} must be a string`);
  }
  return map as Record<string, string>;
}

function listMap(kind: string, field: string, map: unknown): Record<string, string[]> {
  if (map === undefined) return {};
  if (map === null || typeof map !== 'object') fail(kind, `${field} must be an object`);
  for (const [name, value] of Object.entries(map as object)) {
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      fail(kind, `${field}.${name} must be a list of strings`);
    }
  }
  return map as Record<string, string[]>;
}

function bodyBytes(kind: string, body: unknown, base64: unknown): Uint8Array {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (typeof body !== 'string') fail(kind, 'body must be a string');
  if (!base64) return new Uint8Array(Buffer.from(body, 'utf8'));
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) {
    fail(kind, 'body is marked base64 but is not valid base64');
  }
  return new Uint8Array(Buffer.from(body, 'base64'));
}

function statusOf(kind: string, code: unknown): number {
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 100 || code > 599) {
    fail(kind, `statusCode must be a number from 100 to 599, got ${JSON.stringify(code)}`);
  }
  return code;
}

/**
 * Reads a handler result back the way the front end delivers it to a client: v2 cookies become
 * Set-Cookie lines, base64 is decoded, ALB multi-value and Edge lists are expanded. Throws where
 * the front end would answer 502 (wrong types, missing ALB statusDescription, bad base64).
 *
 * @example
 * ```ts
 * const res = decodeResult('aws-v2', await handler(app)(buildEvent('aws-v2', { path: '/' })));
 * res.statusCode; // 200
 * ```
 */
export function decodeResult(kind: EventKindName, result: unknown): DecodedResult {
  if (result === null || typeof result !== 'object') {
    if ((kind === 'aws-v2' || kind === 'function-url') && result !== undefined) {
      // A returned string is the body as it is on an HTTP API; a Function URL sends it as JSON.
      return inferred(
        typeof result === 'string' && kind === 'aws-v2' ? result : JSON.stringify(result),
      );
    }
    fail(kind, 'the result must be an object');
  }
  switch (kind) {
    case 'aws-v1': {
      const r = result as Partial<ApiGatewayV1Result>;
      const headers = stringMap(kind, 'headers', r.headers);
      const multiValueHeaders = listMap(kind, 'multiValueHeaders', r.multiValueHeaders);
      const out: Header[] = [];
      // API Gateway merges the two maps; on a clash the multi-value one wins.
      for (const [name, value] of Object.entries(headers)) {
        if (!Object.hasOwn(multiValueHeaders, name)) out.push([name, value]);
      }
      for (const [name, values] of Object.entries(multiValueHeaders)) {
        for (const value of values) out.push([name, value]);
      }
      return {
        statusCode: statusOf(kind, r.statusCode),
        headers: out,
        body: bodyBytes(kind, r.body, r.isBase64Encoded),
      };
    }
    case 'aws-v2':
    case 'function-url': {
      const r = result as Partial<ApiGatewayV2Result>;
      if (r.statusCode === undefined) return inferred(JSON.stringify(result));
      const out: Header[] = Object.entries(stringMap(kind, 'headers', r.headers));
      if (r.cookies !== undefined) {
        if (!Array.isArray(r.cookies) || r.cookies.some((c) => typeof c !== 'string')) {
          fail(kind, 'cookies must be a list of strings');
        }
        for (const cookie of r.cookies) out.push(['set-cookie', cookie]);
      }
      return {
        statusCode: statusOf(kind, r.statusCode),
        headers: out,
        body: bodyBytes(kind, r.body, r.isBase64Encoded),
      };
    }
    case 'alb':
    case 'alb-multi': {
      const r = result as Partial<AlbResult>;
      const statusCode = statusOf(kind, r.statusCode);
      if (typeof r.statusDescription !== 'string' || !/^\d{3} \S/.test(r.statusDescription)) {
        fail(kind, 'statusDescription must be "<code> <reason>"');
      }
      let out: Header[];
      if (kind === 'alb-multi') {
        if (r.headers !== undefined)
          fail(kind, 'multi-value mode answers with multiValueHeaders only');
        out = Object.entries(listMap(kind, 'multiValueHeaders', r.multiValueHeaders)).flatMap(
          ([name, values]) => values.map((value): Header => [name, value]),
        );
      } else {
        if (r.multiValueHeaders !== undefined)
          fail(kind, 'single-value mode answers with headers only');
        out = Object.entries(stringMap(kind, 'headers', r.headers));
      }
      return { statusCode, headers: out, body: bodyBytes(kind, r.body, r.isBase64Encoded) };
    }
    case 'edge': {
      const r = result as Partial<EdgeResult>;
      if (typeof r.status !== 'string' || !/^[1-5]\d\d$/.test(r.status)) {
        fail(kind, 'status must be a string such as "200"');
      }
      const out: Header[] = [];
      for (const [lower, list] of Object.entries(r.headers ?? {})) {
        if (!Array.isArray(list)) fail(kind, `headers.${lower} must be a list of {key, value}`);
        for (const entry of list) {
          if (typeof entry?.value !== 'string')
            fail(kind, `headers.${lower} values must be strings`);
          if (entry.key !== undefined && entry.key.toLowerCase() !== lower) {
            fail(kind, `headers.${lower} has an entry keyed ${entry.key}`);
          }
          out.push([entry.key ?? lower, entry.value]);
        }
      }
      if (
        r.bodyEncoding !== undefined &&
        r.bodyEncoding !== 'text' &&
        r.bodyEncoding !== 'base64'
      ) {
        fail(kind, 'bodyEncoding must be "text" or "base64"');
      }
      return {
        statusCode: Number(r.status),
        headers: out,
        body: bodyBytes(kind, r.body, r.bodyEncoding === 'base64'),
      };
    }
    default:
      throw new Error(`tsgi: unknown event kind ${JSON.stringify(kind)}`);
  }
}

/** HTTP API 2.0 and Function URLs treat a result without statusCode as a JSON body. */
function inferred(json: string): DecodedResult {
  return {
    statusCode: 200,
    headers: [['content-type', 'application/json']],
    body: new Uint8Array(Buffer.from(json, 'utf8')),
  };
}
