/**
 * API Gateway REST API (Lambda proxy) and HTTP API payload 1.0.
 *
 * Security: REMOTE_ADDR is `requestContext.identity.sourceIp`, which API Gateway fills from the
 * connection; X-Forwarded-For is left to the app as a plain header.
 */
import {
  addHeaderMap,
  decodeBody,
  type EventKind,
  groupHeaders,
  lambdaEnviron,
  MiB,
  multiOrSingle,
  onBoundary,
  principalFromClaims,
  put,
  setServer,
  splitPath,
  str,
} from './_common.js';
import type { ApiGatewayV1Event, ApiGatewayV1Result } from './types.js';

/** What `encodeURIComponent` leaves as it is: `A-Z a-z 0-9 - _ . ! ~ * ' ( )`, by char code. */
const KEPT = new Uint8Array(128);
for (const char of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()") {
  KEPT[char.charCodeAt(0)] = 1;
}

/** Percent-encodes as UTF-8; a lone surrogate (not UTF-8 at all) becomes U+FFFD, not a URIError. */
function encode(text: string): string {
  // Most query keys and values need no escape; checking that costs a tenth of the call.
  let i = 0;
  while (i < text.length && KEPT[text.charCodeAt(i)] === 1) i++;
  if (i === text.length) return text;
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeURIComponent(text.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
  }
}

/** API Gateway delivers decoded query values; encode them again for QUERY_STRING. */
function queryString(event: ApiGatewayV1Event): string {
  const map = multiOrSingle(event.multiValueQueryStringParameters, event.queryStringParameters);
  if (map === null || map === undefined || typeof map !== 'object') return '';
  let query = '';
  for (const key in map) {
    const value = map[key];
    const encodedKey = encode(key);
    const values: unknown[] = Array.isArray(value) ? value : [value];
    for (const item of values) {
      if (typeof item !== 'string') continue;
      query += `${query === '' ? '' : '&'}${encodedKey}=${encode(item)}`;
    }
  }
  return query;
}

/** The caller API Gateway authenticated: a Lambda authorizer, Cognito claims, or IAM. */
function remoteUser(event: ApiGatewayV1Event): string | undefined {
  const context = event.requestContext;
  const authorizer = context.authorizer;
  if (authorizer && typeof authorizer === 'object') {
    if (typeof authorizer.principalId === 'string' && authorizer.principalId !== '') {
      return authorizer.principalId;
    }
    const user = principalFromClaims(authorizer.claims);
    if (user !== undefined) return user;
  }
  const arn = context.identity?.userArn;
  return typeof arn === 'string' && arn !== '' ? arn : undefined;
}

/** HTTP API 1.0 writes the source address as a CIDR (`192.168.0.1/32`). */
function sourceIp(event: ApiGatewayV1Event): string | undefined {
  const ip = event.requestContext.identity?.sourceIp;
  if (typeof ip !== 'string') return undefined;
  const slash = ip.indexOf('/');
  return slash === -1 ? ip : ip.slice(0, slash);
}

export const v1: EventKind<ApiGatewayV1Event, ApiGatewayV1Result> = {
  is: (event) =>
    typeof event.httpMethod === 'string' &&
    typeof event.requestContext === 'object' &&
    event.requestContext !== null,

  environ(event, settings) {
    const context = event.requestContext;
    const path = typeof event.path === 'string' && event.path !== '' ? event.path : '/';
    // REST, on the execute-api domain: the stage is in the URL but not in `path`:
    // `requestContext.path` is `/prod/users` and `path` is `/users`. On a custom domain neither
    // has it. A route may itself begin with the stage's name (stage `v1`, route `/v1/users`):
    // then `requestContext.path` is the stage followed by `path` (API Gateway may keep a trailing
    // slash there that `path` lost). An HTTP API (payload 1.0, `version: "1.0"`) puts a named
    // stage in `path` itself, as it does in 2.0's `rawPath`, but only on the execute-api domain:
    // a custom domain's mapping leaves it out, and SAM local labels its REST events 1.0 too.
    const stage =
      typeof context.stage === 'string' && context.stage !== '$default' ? `/${context.stage}` : '';
    const contextPath = typeof context.path === 'string' ? context.path : '';
    const stageInPath =
      stage !== '' &&
      event.version === '1.0' &&
      onBoundary(path, stage) &&
      str(context.domainName)?.includes('.execute-api.') === true;
    const stageInUrl =
      stageInPath ||
      (stage !== '' &&
        (contextPath === stage + path ||
          contextPath === `${stage + path}/` ||
          (onBoundary(contextPath, stage) && !onBoundary(path, stage))));
    const prefix = stageInUrl ? stage : '';
    // `https://…/prod` with no slash after the stage: the URL ends at SCRIPT_NAME.
    const afterStage = stageInPath ? path.slice(stage.length) : path;
    const rest =
      stageInUrl && (stageInPath ? afterStage === '' : contextPath === stage && path === '/')
        ? ''
        : afterStage;
    const [scriptName, pathInfo] = settings.stripStage
      ? splitPath(prefix, rest, settings)
      : splitPath('', prefix + rest, settings);
    const query = queryString(event);
    const body = decodeBody(event.body, event.isBase64Encoded);
    const environ = lambdaEnviron(
      {
        method: event.httpMethod,
        scriptName,
        pathInfo,
        query,
        rawPath: prefix + rest,
        body,
        protocol: str(context.protocol),
        remoteAddr: sourceIp(event),
        remoteUser: remoteUser(event),
      },
      settings,
    );
    addHeaderMap(environ, multiOrSingle(event.multiValueHeaders, event.headers));
    setServer(environ, context.domainName);
    return environ;
  },

  result(response, body, base64) {
    // Names that occur once go in `headers`; repeats and every Set-Cookie (SPEC §4) in
    // `multiValueHeaders`, which API Gateway merges in and which wins on a clash.
    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    for (const [lower, name, values] of groupHeaders(response.headers)) {
      if (values.length === 1 && lower !== 'set-cookie') put(headers, name, values[0]!);
      else put(multiValueHeaders, name, values);
    }
    return {
      statusCode: response.statusCode,
      headers,
      multiValueHeaders,
      body,
      isBase64Encoded: base64,
    };
  },

  limit: (event) => [6 * MiB, event.version === '1.0' ? 'HTTP API (payload 1.0)' : 'REST API'],
};
