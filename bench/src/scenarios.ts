/**
 * The four scenarios every candidate answers, the API Gateway events that carry them (REST v1 and
 * HTTP API v2, with the headers API Gateway really sends), and the check of an answer.
 */
import { Buffer } from 'node:buffer';
import { binaryPayload, HELLO } from './payload.js';

export type ScenarioId = 'S1' | 'S2' | 'S3' | 'S4';
export type EventKind = 'v1' | 'v2';

/** A deterministic 1 KB JSON document (the exact bytes matter: S2 echoes them). */
export const JSON_1K: string = (() => {
  const items: { id: number; name: string; tags: string[] }[] = [];
  let text = '';
  for (let i = 0; text.length < 1000; i++) {
    items.push({ id: i, name: `item-${i}`, tags: ['alpha', 'beta'] });
    text = JSON.stringify({ items });
  }
  return text.slice(0, text.lastIndexOf(',{')) + ']}';
})();

/** 1 MiB of every byte value, in a pattern that is not valid UTF-8 (so it must go as base64). */
export const BINARY_1M: Uint8Array = binaryPayload();

export const BINARY_1M_BASE64: string = Buffer.from(BINARY_1M).toString('base64');

/** What each scenario sends and what a correct answer holds. */
export interface Scenario {
  id: ScenarioId;
  title: string;
  method: 'GET' | 'POST';
  path: string;
  query: string;
  contentType?: string;
  /** The request body as the client sent it (bytes). */
  requestBody?: Uint8Array;
  /** Response Content-Type, compared up to the first `;`. */
  responseType: string;
  responseBody: Uint8Array;
  /** The answer must be base64 in the Lambda result (binary). */
  mustBeBase64: boolean;
}

/** The scenarios this run times: all, or those BENCH_SCENARIOS names (`S1,S4`). */
export function chosenScenarios(): readonly Scenario[] {
  const ids = process.env.BENCH_SCENARIOS?.split(',');
  return ids === undefined ? SCENARIOS : SCENARIOS.filter((s) => ids.includes(s.id));
}

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'S1',
    title: 'GET small text',
    method: 'GET',
    path: '/hello',
    query: 'name=world',
    responseType: 'text/plain',
    responseBody: utf8(HELLO),
    mustBeBase64: false,
  },
  {
    id: 'S2',
    title: 'POST 1 KB JSON, echoed',
    method: 'POST',
    path: '/echo',
    query: '',
    contentType: 'application/json',
    requestBody: utf8(JSON_1K),
    responseType: 'application/json',
    responseBody: utf8(JSON_1K),
    mustBeBase64: false,
  },
  {
    id: 'S3',
    title: 'GET 1 MiB binary',
    method: 'GET',
    path: '/binary',
    query: '',
    responseType: 'application/octet-stream',
    responseBody: BINARY_1M,
    mustBeBase64: true,
  },
  {
    id: 'S4',
    title: 'POST 1 MiB base64 upload, answered with its length',
    method: 'POST',
    path: '/upload',
    query: '',
    contentType: 'application/octet-stream',
    requestBody: BINARY_1M,
    responseType: 'text/plain',
    responseBody: utf8(String(BINARY_1M.byteLength)),
    mustBeBase64: false,
  },
];

// ———— Events ————

const HOST = 'puhdx84jy9.execute-api.eu-west-1.amazonaws.com';
const SOURCE_IP = '15.248.3.126';
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/** The headers a browser request arrives with at API Gateway (REST adds CloudFront's). */
function requestHeaders(scenario: Scenario, kind: EventKind): Record<string, string> {
  const headers: Record<string, string> = {
    Accept: scenario.method === 'GET' ? '*/*' : 'application/json',
    'Accept-Encoding': 'gzip, deflate, br',
    'Accept-Language': 'en-GB,en;q=0.9',
    Host: HOST,
    'User-Agent': USER_AGENT,
    'X-Amzn-Trace-Id': 'Root=1-66704cad-0fbaf1491365339d168b2a7d',
    'X-Forwarded-For': kind === 'v1' ? `${SOURCE_IP}, 130.176.209.21` : SOURCE_IP,
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
  };
  if (kind === 'v1') {
    Object.assign(headers, {
      'CloudFront-Forwarded-Proto': 'https',
      'CloudFront-Is-Desktop-Viewer': 'true',
      'CloudFront-Is-Mobile-Viewer': 'false',
      'CloudFront-Viewer-Country': 'GB',
      Cookie: 'session=4f1c2a; theme=dark',
      Via: '1.1 49c0c4776e390b983c9f9f5365e3140c.cloudfront.net (CloudFront)',
      'X-Amz-Cf-Id': 'x9VncJ8IMo4X5UQEL8-Xg94vWwwuokofx236RgW1CrFCTh9DnPrgJA==',
    });
  }
  if (scenario.requestBody !== undefined) {
    headers['Content-Type'] = scenario.contentType!;
    headers['Content-Length'] = String(scenario.requestBody.byteLength);
  }
  if (kind === 'v2') {
    // HTTP API lower-cases header names.
    return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  }
  return headers;
}

/** The request body as API Gateway puts it in the event: text, or base64 for binary. */
function eventBody(scenario: Scenario): [body: string | null, base64: boolean] {
  if (scenario.requestBody === undefined) return [null, false];
  if (scenario.contentType === 'application/octet-stream') return [BINARY_1M_BASE64, true];
  return [Buffer.from(scenario.requestBody).toString('utf8'), false];
}

/** A REST API (payload 1.0) event through the execute-api domain on stage `prod`. */
export function restEvent(scenario: Scenario): Record<string, unknown> {
  const headers = requestHeaders(scenario, 'v1');
  const [body, isBase64Encoded] = eventBody(scenario);
  const query =
    scenario.query === ''
      ? null
      : Object.fromEntries(new URLSearchParams(scenario.query).entries());
  return {
    resource: '/{proxy+}',
    path: scenario.path,
    httpMethod: scenario.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: query,
    multiValueQueryStringParameters:
      query === null ? null : Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])),
    pathParameters: { proxy: scenario.path.slice(1) },
    stageVariables: null,
    requestContext: {
      resourceId: '3nq1cq',
      resourcePath: '/{proxy+}',
      httpMethod: scenario.method,
      extendedRequestId: 'ZhDrKF5dDoEEHfA=',
      requestTime: '17/Jun/2024:14:48:13 +0000',
      path: `/prod${scenario.path}`,
      accountId: '123456789012',
      protocol: 'HTTP/1.1',
      stage: 'prod',
      domainPrefix: 'puhdx84jy9',
      requestTimeEpoch: 1718635693506,
      requestId: 'f88e38e3-2060-4a56-93c0-9efbc6a659a0',
      identity: {
        cognitoIdentityPoolId: null,
        accountId: null,
        cognitoIdentityId: null,
        caller: null,
        sourceIp: SOURCE_IP,
        principalOrgId: null,
        accessKey: null,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: null,
        userAgent: USER_AGENT,
        user: null,
      },
      domainName: HOST,
      deploymentId: 'v99qix',
      apiId: 'puhdx84jy9',
    },
    body,
    isBase64Encoded,
  };
}

/** An HTTP API (payload 2.0) event on the `$default` stage, cookies in their own array. */
export function httpApiEvent(scenario: Scenario): Record<string, unknown> {
  const [body, isBase64Encoded] = eventBody(scenario);
  const query =
    scenario.query === '' ? undefined : Object.fromEntries(new URLSearchParams(scenario.query));
  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: '$default',
    rawPath: scenario.path,
    rawQueryString: scenario.query,
    cookies: ['session=4f1c2a', 'theme=dark'],
    headers: requestHeaders(scenario, 'v2'),
    queryStringParameters: query,
    requestContext: {
      accountId: '123456789012',
      apiId: 'lsw1ro4ipb',
      domainName: HOST,
      domainPrefix: 'puhdx84jy9',
      http: {
        method: scenario.method,
        path: scenario.path,
        protocol: 'HTTP/1.1',
        sourceIp: SOURCE_IP,
        userAgent: USER_AGENT,
      },
      requestId: 'ZhNHJhhLjoEEPiw=',
      routeKey: '$default',
      stage: '$default',
      time: '17/Jun/2024:15:52:39 +0000',
      timeEpoch: 1718639559080,
    },
    isBase64Encoded,
  };
  if (query === undefined) delete event.queryStringParameters;
  if (body !== null) event.body = body;
  return event;
}

export function eventFor(scenario: Scenario, kind: EventKind): Record<string, unknown> {
  return kind === 'v1' ? restEvent(scenario) : httpApiEvent(scenario);
}

/** A Lambda context as the Node runtime passes it. */
export function lambdaContext(): Record<string, unknown> {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionVersion: '$LATEST',
    functionName: 'bench',
    memoryLimitInMB: '1024',
    logGroupName: '/aws/lambda/bench',
    logStreamName: '2024/06/17/[$LATEST]0123456789abcdef',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:bench',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

// ———— Checks ————

function headerValue(result: Record<string, unknown>, name: string): string | undefined {
  for (const field of ['headers', 'multiValueHeaders']) {
    const map = result[field];
    if (map === null || typeof map !== 'object') continue;
    for (const [key, value] of Object.entries(map as Record<string, unknown>)) {
      if (key.toLowerCase() !== name) continue;
      if (typeof value === 'string') return value;
      if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
    }
  }
  return undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

function mediaType(contentType: string | null | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Why a Lambda result is wrong for the scenario, or undefined when it is right. */
export function checkLambdaResult(scenario: Scenario, result: unknown): string | undefined {
  if (result === null || typeof result !== 'object') return `the result is ${typeof result}`;
  const r = result as Record<string, unknown>;
  if (r.statusCode !== 200) return `status ${String(r.statusCode)}, expected 200`;
  const type = mediaType(headerValue(r, 'content-type'));
  if (type !== scenario.responseType)
    return `Content-Type ${type}, expected ${scenario.responseType}`;
  if (typeof r.body !== 'string') return `body is ${typeof r.body}, expected a string`;
  if (scenario.mustBeBase64 && r.isBase64Encoded !== true) return 'binary body not base64-encoded';
  const body = r.isBase64Encoded ? Buffer.from(r.body, 'base64') : Buffer.from(r.body, 'utf8');
  if (!sameBytes(body, scenario.responseBody)) {
    return `body differs (${body.byteLength} bytes, expected ${scenario.responseBody.byteLength})`;
  }
  return undefined;
}

/** Why a fetch Response is wrong for the scenario, or undefined when it is right. */
export async function checkResponse(
  scenario: Scenario,
  response: Response,
): Promise<string | undefined> {
  const body = new Uint8Array(await response.arrayBuffer());
  if (response.status !== 200) return `status ${response.status}, expected 200`;
  const type = mediaType(response.headers.get('content-type'));
  if (type !== scenario.responseType)
    return `Content-Type ${type}, expected ${scenario.responseType}`;
  if (!sameBytes(body, scenario.responseBody)) {
    return `body differs (${body.byteLength} bytes, expected ${scenario.responseBody.byteLength})`;
  }
  return undefined;
}

// ———— Fetch requests ————

const ORIGIN = `https://${HOST}`;

/** A Request for the scenario, as a fetch platform hands it over. */
export function requestFor(scenario: Scenario): Request {
  const headers = requestHeaders(scenario, 'v2');
  delete headers.host; // part of the URL
  headers.cookie = 'session=4f1c2a; theme=dark';
  const url = `${ORIGIN}${scenario.path}${scenario.query === '' ? '' : `?${scenario.query}`}`;
  if (scenario.requestBody === undefined)
    return new Request(url, { method: scenario.method, headers });
  return new Request(url, {
    method: scenario.method,
    headers,
    body: scenario.requestBody as Uint8Array<ArrayBuffer>,
  });
}
