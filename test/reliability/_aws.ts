/**
 * Lambda events written from first principles (what each front end sends, per the captured
 * events and RESPONSE-RULES), with the environ the app must see, and results read back the way
 * each front end reads them. Deliberately independent of the adapter's own buildEvent and
 * decodeResult, so a bug there cannot hide a bug in the handler.
 */
import { Buffer } from 'node:buffer';
import {
  cookieHeader,
  expectedTestHeaders,
  groupQuery,
  headerGroups,
  type Model,
  rawQuery,
} from './_model.js';

export type Kind = 'rest-v1' | 'http-v2' | 'function-url' | 'alb' | 'alb-multi' | 'edge';
export const KINDS: Kind[] = ['rest-v1', 'http-v2', 'function-url', 'alb', 'alb-multi', 'edge'];

/** What the app must see for an event built from a model. */
export interface Expect {
  scriptName: string;
  /** QUERY_STRING exactly, or, where the front end rebuilds it, its parsed form. */
  query: { exact: string } | { parsed: Record<string, string[]>; decode: boolean };
  headers: Record<string, string>;
  cookie: string | undefined;
  remoteAddr: string;
}

export interface Built {
  event: Record<string, unknown>;
  expect: Expect;
}

const CLIENT_IP = '198.51.100.23';
const decoder = new TextDecoder('utf-8', { fatal: true });

function isUtf8(bytes: Uint8Array): boolean {
  try {
    decoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Text when the front end would send text (valid UTF-8 and a textual type), else base64. */
function bodyFields(m: Model, textual: boolean): { body: string | null; isBase64Encoded: boolean } {
  if (m.body.byteLength === 0) return { body: null, isBase64Encoded: false };
  if (textual && isUtf8(m.body))
    return { body: Buffer.from(m.body).toString('utf8'), isBase64Encoded: false };
  return { body: Buffer.from(m.body).toString('base64'), isBase64Encoded: true };
}

function isTextual(m: Model): boolean {
  return /^(text\/|application\/json)/.test(m.contentType ?? '');
}

/** The headers a client sent, with Cookie and Content-Type, in order. */
function wireHeaders(m: Model, host: string): [string, string][] {
  const headers: [string, string][] = [['Host', host], ...m.headers];
  if (m.cookies.length > 0) headers.push(['Cookie', cookieHeader(m)]);
  if (m.contentType !== undefined) headers.push(['Content-Type', m.contentType]);
  return headers;
}

function lastValues(groups: Map<string, string[]>): Map<string, string[]> {
  return new Map([...groups].map(([name, values]) => [name, [values.at(-1)!]]));
}

function decodedPairs(m: Model): [string, string][] {
  return m.query.map(([k, v]) => [decodeURIComponent(k), decodeURIComponent(v)]);
}

function push<T>(record: Record<string, T[]>, key: string, value: T): void {
  const list = Object.hasOwn(record, key) ? record[key]! : [];
  list.push(value);
  record[key] = list;
}

function multiMap(pairs: [string, string][]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of pairs) push(out, k, v);
  return out;
}

function lastMap(pairs: [string, string][]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of pairs) out[k] = v;
  return out;
}

function restV1(m: Model, stage: string | undefined): Built {
  // REST keeps header names as sent; repeats are in multiValueHeaders, the last in headers.
  const wire = wireHeaders(m, 'abc123.execute-api.eu-west-1.amazonaws.com');
  wire.push(['X-Forwarded-For', CLIENT_IP], ['X-Forwarded-Proto', 'https']);
  const multi: Record<string, string[]> = {};
  const single: Record<string, string> = {};
  for (const [name, value] of wire) {
    push(multi, name, value);
    single[name] = value;
  }
  const pairs = decodedPairs(m);
  const prefix = stage === undefined ? '' : `/${stage}`;
  return {
    event: {
      resource: '/{proxy+}',
      path: m.rawPath,
      httpMethod: m.method,
      headers: single,
      multiValueHeaders: multi,
      queryStringParameters: pairs.length === 0 ? null : lastMap(pairs),
      multiValueQueryStringParameters: pairs.length === 0 ? null : multiMap(pairs),
      pathParameters: { proxy: m.rawPath.slice(1) },
      stageVariables: null,
      requestContext: {
        resourcePath: '/{proxy+}',
        httpMethod: m.method,
        path: prefix + m.rawPath,
        stage: stage ?? 'prod',
        protocol: 'HTTP/1.1',
        requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
        domainName:
          stage === undefined ? 'api.example.com' : 'abc123.execute-api.eu-west-1.amazonaws.com',
        identity: { sourceIp: CLIENT_IP, userAgent: 'test' },
      },
      ...bodyFields(m, isTextual(m)),
    },
    expect: {
      scriptName: prefix,
      query: { parsed: multiMap(pairs), decode: true },
      headers: expectedTestHeaders(headerGroups(m.headers)),
      cookie: m.cookies.length > 0 ? cookieHeader(m) : undefined,
      remoteAddr: CLIENT_IP,
    },
  };
}

function httpV2(m: Model, stage: string, functionUrl: boolean): Built {
  const domain = functionUrl
    ? 'abcdefghij.lambda-url.eu-west-1.on.aws'
    : 'abc123.execute-api.eu-west-1.amazonaws.com';
  // v2 lower-cases names and joins repeats with commas; cookies move to `cookies`, and a
  // Function URL keeps the cookie header as well.
  const headers: Record<string, string> = {};
  for (const [name, values] of headerGroups(wireHeaders(m, domain))) {
    if (name === 'cookie' && !functionUrl) continue;
    headers[name] = values.join(',');
  }
  headers['x-forwarded-for'] = CLIENT_IP;
  headers['x-forwarded-proto'] = 'https';
  const prefix = stage === '$default' ? '' : `/${stage}`;
  const query = rawQuery(m);
  const pairs = decodedPairs(m);
  const single: Record<string, string> = {};
  for (const [k, values] of Object.entries(multiMap(pairs))) single[k] = values.join(',');
  return {
    event: {
      version: '2.0',
      routeKey: '$default',
      rawPath: prefix + m.rawPath,
      rawQueryString: query,
      ...(m.cookies.length > 0 && { cookies: m.cookies.map(([n, v]) => `${n}=${v}`) }),
      headers,
      ...(pairs.length > 0 && { queryStringParameters: single }),
      requestContext: {
        accountId: '123456789012',
        apiId: 'abc123',
        domainName: domain,
        domainPrefix: domain.split('.')[0],
        http: {
          method: m.method,
          path: prefix + m.rawPath,
          protocol: 'HTTP/1.1',
          sourceIp: CLIENT_IP,
          userAgent: 'test',
        },
        requestId: 'id',
        routeKey: '$default',
        stage,
        time: '12/Mar/2020:19:03:58 +0000',
        timeEpoch: 1583348638390,
      },
      ...bodyFields(m, isTextual(m)),
    },
    expect: {
      scriptName: prefix,
      query: { exact: query },
      headers: expectedTestHeaders(headerGroups(m.headers), ','),
      cookie: m.cookies.length > 0 ? cookieHeader(m) : undefined,
      remoteAddr: CLIENT_IP,
    },
  };
}

function alb(m: Model, multi: boolean): Built {
  // ALB lower-cases names, passes query parts undecoded, and appends the peer to XFF. The
  // client's own X-Forwarded-For (a spoof attempt) stays to the left.
  const wire = wireHeaders(m, 'lb-123.eu-west-1.elb.amazonaws.com');
  wire.push(['X-Forwarded-For', `203.0.113.99, ${CLIENT_IP}`], ['X-Forwarded-Proto', 'https']);
  let groups = headerGroups(wire);
  if (!multi) groups = lastValues(groups);
  const pairs = m.query;
  const fields = multi
    ? {
        multiValueHeaders: Object.fromEntries(groups),
        multiValueQueryStringParameters: multiMap(pairs),
      }
    : {
        headers: Object.fromEntries([...groups].map(([k, v]) => [k, v[0]!])),
        queryStringParameters: lastMap(pairs),
      };
  const testGroups = headerGroups(m.headers);
  return {
    event: {
      requestContext: {
        elb: {
          targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/t/1',
        },
      },
      httpMethod: m.method,
      path: m.rawPath,
      ...fields,
      ...bodyFields(m, /^(text\/|application\/json$)/.test(m.contentType ?? '')),
    },
    expect: {
      scriptName: '',
      query: {
        parsed: multi
          ? multiMap(pairs)
          : Object.fromEntries(Object.entries(lastMap(pairs)).map(([k, v]) => [k, [v]])),
        decode: false,
      },
      headers: expectedTestHeaders(multi ? testGroups : lastValues(testGroups)),
      cookie: m.cookies.length > 0 ? cookieHeader(m) : undefined,
      remoteAddr: CLIENT_IP,
    },
  };
}

function edge(m: Model, eventType: 'viewer-request' | 'origin-request'): Built {
  // CloudFront: lower-case name → [{key, value}], cookies may come as several entries.
  const headers: Record<string, { key: string; value: string }[]> = {};
  const add = (key: string, value: string) => {
    push(headers, key.toLowerCase(), { key, value });
  };
  add('Host', 'd111111abcdef8.cloudfront.net');
  for (const [name, value] of m.headers) add(name, value);
  for (const [name, value] of m.cookies) add('Cookie', `${name}=${value}`);
  if (m.contentType !== undefined) add('Content-Type', m.contentType);
  return {
    event: {
      Records: [
        {
          cf: {
            config: {
              distributionDomainName: 'd111111abcdef8.cloudfront.net',
              distributionId: 'EDFDVBD6EXAMPLE',
              eventType,
              requestId: 'id',
            },
            request: {
              clientIp: CLIENT_IP,
              method: m.method,
              uri: m.rawPath,
              querystring: rawQuery(m),
              headers,
              ...(m.body.byteLength > 0 && {
                body: {
                  action: 'read-only',
                  data: Buffer.from(m.body).toString('base64'),
                  encoding: 'base64',
                  inputTruncated: false,
                },
              }),
            },
          },
        },
      ],
    },
    expect: {
      scriptName: '',
      query: { exact: rawQuery(m) },
      headers: expectedTestHeaders(headerGroups(m.headers)),
      cookie: m.cookies.length > 0 ? cookieHeader(m) : undefined,
      remoteAddr: CLIENT_IP,
    },
  };
}

/** The event a front end sends for a model; `variant` picks a stage or trigger. */
export function eventFor(kind: Kind, m: Model, variant: number): Built {
  switch (kind) {
    case 'rest-v1':
      return restV1(m, variant % 2 === 0 ? 'prod' : undefined);
    case 'http-v2':
      return httpV2(m, variant % 2 === 0 ? '$default' : 'beta', false);
    case 'function-url':
      return httpV2(m, '$default', true);
    case 'alb':
      return alb(m, false);
    case 'alb-multi':
      return alb(m, true);
    case 'edge':
      return edge(m, variant % 2 === 0 ? 'viewer-request' : 'origin-request');
  }
}

/** QUERY_STRING checked against what the front end sent. */
export function queryMatches(actual: string, expected: Expect['query']): boolean {
  if ('exact' in expected) return actual === expected.exact;
  return (
    JSON.stringify(sortKeys(groupQuery(actual, expected.decode))) ===
    JSON.stringify(sortKeys(expected.parsed))
  );
}

function sortKeys(record: Record<string, string[]>): [string, string[]][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

// ———— Results, read the way each front end reads them ————

export interface ClientResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

class Invalid extends Error {}

function check(ok: boolean, rule: string): void {
  if (!ok) throw new Invalid(`invalid result: ${rule}`);
}

function stringMap(value: unknown, what: string): Record<string, string> {
  check(
    value !== null && typeof value === 'object' && !Array.isArray(value),
    `${what} is an object`,
  );
  for (const [k, v] of Object.entries(value as object))
    check(typeof v === 'string', `${what}.${k} is a string`);
  return value as Record<string, string>;
}

function listMap(value: unknown, what: string): Record<string, string[]> {
  check(
    value !== null && typeof value === 'object' && !Array.isArray(value),
    `${what} is an object`,
  );
  for (const [k, v] of Object.entries(value as object)) {
    check(Array.isArray(v) && v.every((x) => typeof x === 'string'), `${what}.${k} is a string[]`);
  }
  return value as Record<string, string[]>;
}

function bodyOf(body: unknown, base64: boolean): Uint8Array {
  if (body === undefined || body === null) return new Uint8Array(0);
  check(typeof body === 'string', 'body is a string');
  if (base64) {
    check(/^[A-Za-z0-9+/]*={0,2}$/.test(body as string), 'a base64 body is valid base64');
    return new Uint8Array(Buffer.from(body as string, 'base64'));
  }
  return new Uint8Array(Buffer.from(body as string, 'utf8'));
}

/**
 * Checks a result against its front end's rules (RESPONSE-RULES §2-7) after a JSON round trip,
 * and returns what the client receives. Throws naming the broken rule.
 */
export function readResult(kind: Kind, raw: unknown): ClientResponse {
  const r = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
  if (kind === 'edge') {
    check(
      typeof r.status === 'string' && /^[2-5]\d\d$/.test(r.status),
      'status is a string 200-599',
    );
    check(
      r.bodyEncoding === 'text' || r.bodyEncoding === 'base64',
      'bodyEncoding is text or base64',
    );
    const headers: [string, string][] = [];
    const map = r.headers as Record<string, unknown>;
    check(map !== null && typeof map === 'object', 'headers is an object');
    for (const [lower, list] of Object.entries(map)) {
      check(lower === lower.toLowerCase(), 'header keys are lower-case');
      check(Array.isArray(list), `headers.${lower} is a list`);
      for (const entry of list as { key?: unknown; value?: unknown }[]) {
        check(typeof entry.value === 'string', `headers.${lower}[].value is a string`);
        check(
          entry.key === undefined || (entry.key as string).toLowerCase() === lower,
          'key matches',
        );
        headers.push([(entry.key as string | undefined) ?? lower, entry.value as string]);
      }
    }
    return { status: Number(r.status), headers, body: bodyOf(r.body, r.bodyEncoding === 'base64') };
  }
  check(Number.isInteger(r.statusCode), 'statusCode is an integer');
  check(typeof r.isBase64Encoded === 'boolean', 'isBase64Encoded is a boolean');
  const headers: [string, string][] = [];
  if (kind === 'rest-v1') {
    const single = r.headers === undefined ? {} : stringMap(r.headers, 'headers');
    const multi =
      r.multiValueHeaders === undefined ? {} : listMap(r.multiValueHeaders, 'multiValueHeaders');
    // API Gateway merges the two; multiValueHeaders wins on a clash.
    for (const [name, value] of Object.entries(single))
      if (!(name in multi)) headers.push([name, value]);
    for (const [name, values] of Object.entries(multi))
      for (const v of values) headers.push([name, v]);
  } else if (kind === 'http-v2' || kind === 'function-url') {
    const single = r.headers === undefined ? {} : stringMap(r.headers, 'headers');
    for (const [name, value] of Object.entries(single)) {
      check(name.toLowerCase() !== 'set-cookie', 'cookies go in `cookies`, not headers');
      headers.push([name, value]);
    }
    const cookies = r.cookies ?? [];
    check(
      Array.isArray(cookies) && cookies.every((c) => typeof c === 'string'),
      'cookies is a string[]',
    );
    for (const cookie of cookies as string[]) headers.push(['set-cookie', cookie]);
  } else {
    const code = r.statusCode as number;
    check(
      typeof r.statusDescription === 'string' &&
        new RegExp(`^${code} \\S`).test(r.statusDescription),
      'statusDescription is "<code> <reason>"',
    );
    if (kind === 'alb-multi') {
      check(r.headers === undefined, 'multi-value mode sends no `headers`');
      for (const [name, values] of Object.entries(
        listMap(r.multiValueHeaders, 'multiValueHeaders'),
      )) {
        for (const v of values) headers.push([name, v]);
      }
    } else {
      check(r.multiValueHeaders === undefined, 'single-value mode sends no `multiValueHeaders`');
      for (const [name, value] of Object.entries(stringMap(r.headers, 'headers')))
        headers.push([name, value]);
    }
  }
  return {
    status: r.statusCode as number,
    headers,
    body: bodyOf(r.body, r.isBase64Encoded as boolean),
  };
}

export function setCookiesOf(response: ClientResponse): string[] {
  return response.headers.filter(([name]) => name.toLowerCase() === 'set-cookie').map(([, v]) => v);
}
