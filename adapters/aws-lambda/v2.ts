/**
 * API Gateway HTTP API (payload 2.0) and Lambda Function URLs, which share the event and result.
 *
 * Security: REMOTE_ADDR is `requestContext.http.sourceIp`, filled by the front end from the
 * connection; REMOTE_USER comes only from an authorizer's verdict (JWT claims, IAM).
 */

import { encodeRawPath } from '../../src/core/index.js';
import {
  addHeaderMap,
  decodeBody,
  type EventKind,
  groupHeaders,
  lambdaEnviron,
  MiB,
  onBoundary,
  principalFromClaims,
  put,
  setServer,
  splitPath,
  str,
} from './_common.js';
import type { ApiGatewayV2Event, ApiGatewayV2Result } from './types.js';

function remoteUser(event: ApiGatewayV2Event): string | undefined {
  const authorizer = event.requestContext.authorizer;
  if (!authorizer || typeof authorizer !== 'object') return undefined;
  const user = principalFromClaims(authorizer.jwt?.claims);
  if (user !== undefined) return user;
  const arn = authorizer.iam?.userArn;
  if (typeof arn === 'string' && arn !== '') return arn;
  const principal = authorizer.lambda?.principalId;
  return typeof principal === 'string' && principal !== '' ? principal : undefined;
}

export const v2: EventKind<ApiGatewayV2Event, ApiGatewayV2Result> = {
  is: (event) => {
    const context = event.requestContext as { http?: { method?: unknown } | null } | null;
    return (
      event.version === '2.0' &&
      typeof context === 'object' &&
      context !== null &&
      typeof context.http?.method === 'string'
    );
  },

  environ(event, settings) {
    const context = event.requestContext;
    const http = context.http;
    let rawPath = str(event.rawPath) || str(http.path) || '/';
    // A named stage is the first segment of rawPath (`/beta/users`), on a custom domain too: the
    // mapping's key is left out, the stage is not. `$default` is never in it.
    let prefix = '';
    const stage = context.stage;
    if (settings.stripStage && typeof stage === 'string' && stage !== '$default' && stage !== '') {
      const candidate = `/${stage}`;
      if (onBoundary(rawPath, candidate)) {
        prefix = candidate;
        rawPath = rawPath.slice(candidate.length);
      }
    }
    const [scriptName, pathInfo] = splitPath(prefix, rawPath, settings);
    const query = str(event.rawQueryString) ?? '';
    const body = decodeBody(event.body, event.isBase64Encoded);
    const environ = lambdaEnviron(
      {
        method: http.method,
        scriptName,
        pathInfo,
        query,
        rawPath: encodeRawPath(prefix + rawPath),
        body,
        protocol: str(http.protocol),
        remoteAddr: str(http.sourceIp),
        remoteUser: remoteUser(event),
      },
      settings,
    );
    const cookies = event.cookies;
    // A Function URL keeps the `cookie` header beside `cookies`: take the cookies once.
    const hasCookies = Array.isArray(cookies) && cookies.length > 0;
    addHeaderMap(environ, event.headers, hasCookies);
    if (hasCookies) environ.HTTP_COOKIE = cookies.filter((c) => typeof c === 'string').join('; ');
    setServer(environ, context.domainName);
    return environ;
  },

  result(response, body, base64) {
    // 2.0 has no multi-value headers: repeats are joined, cookies go in their own array.
    const headers: Record<string, string> = {};
    let cookies: string[] = [];
    for (const [lower, name, values] of groupHeaders(response.headers)) {
      if (lower === 'set-cookie') cookies = values;
      else put(headers, name, values.length === 1 ? values[0]! : values.join(', '));
    }
    return { statusCode: response.statusCode, headers, cookies, body, isBase64Encoded: base64 };
  },

  limit: (event) => [
    6 * MiB,
    str(event.requestContext.domainName)?.includes('.lambda-url.') ? 'Function URL' : 'HTTP API',
  ],
};
