/**
 * Application Load Balancer targets, in single-value and multi-value header mode.
 *
 * Security: REMOTE_ADDR is the right-most X-Forwarded-For entry, the one the load balancer
 * appended; everything left of it was sent by the client and may be forged.
 */
import {
  addHeaderMap,
  decodeBody,
  type EventKind,
  groupHeaders,
  lambdaEnviron,
  MiB,
  multiOrSingle,
  put,
  setServer,
  splitPath,
} from './_common.js';
import type { AlbEvent, AlbResult } from './types.js';

/** ALB passes query keys and values still encoded, so they are joined as they came. */
function queryString(event: AlbEvent): string {
  const map = multiOrSingle(event.multiValueQueryStringParameters, event.queryStringParameters);
  if (map === null || map === undefined || typeof map !== 'object') return '';
  let query = '';
  for (const key in map) {
    const value = map[key];
    const values: unknown[] = Array.isArray(value) ? value : [value];
    for (const item of values) {
      if (typeof item === 'string') query += `${query === '' ? '' : '&'}${key}=${item}`;
    }
  }
  return query;
}

function lastHop(forwardedFor: string | undefined): string | undefined {
  if (forwardedFor === undefined) return undefined;
  const hop = forwardedFor.slice(forwardedFor.lastIndexOf(',') + 1).trim();
  return hop === '' ? undefined : hop;
}

/**
 * Single-value mode allows one value per header name, but names are matched case-sensitively,
 * so `set-cookie`, `Set-cookie`, `sEt-cookie`… each carry one cookie. AWS does not document this;
 * multi-value mode is the supported way to send several.
 */
function cookieName(index: number): string {
  const letters = 'set-cookie';
  let name = '';
  let bit = 0;
  for (const letter of letters) {
    if (letter === '-') {
      name += letter;
      continue;
    }
    name += index & (1 << bit) ? letter.toUpperCase() : letter;
    bit++;
  }
  return name;
}

export const alb: EventKind<AlbEvent, AlbResult> = {
  is: (event) => {
    const context = event.requestContext as { elb?: unknown } | null | undefined;
    return (
      typeof context === 'object' &&
      context !== null &&
      typeof context.elb === 'object' &&
      typeof event.httpMethod === 'string'
    );
  },

  environ(event, settings) {
    const path = typeof event.path === 'string' && event.path !== '' ? event.path : '/';
    const [scriptName, pathInfo] = splitPath('', path, settings);
    const query = queryString(event);
    const body = decodeBody(event.body, event.isBase64Encoded);
    const environ = lambdaEnviron(
      { method: event.httpMethod, scriptName, pathInfo, query, rawPath: path, body },
      settings,
    );
    addHeaderMap(environ, multiOrSingle(event.multiValueHeaders, event.headers));
    const remote = lastHop(environ.HTTP_X_FORWARDED_FOR);
    if (remote !== undefined) environ.REMOTE_ADDR = remote;
    setServer(environ, undefined);
    return environ;
  },

  result(response, body, base64, event, settings) {
    const result: AlbResult = {
      statusCode: response.statusCode,
      statusDescription: `${response.statusCode} ${response.reason}`,
      body,
      isBase64Encoded: base64,
    };
    const groups = groupHeaders(response.headers);
    if (event.multiValueHeaders) {
      const multiValueHeaders: Record<string, string[]> = {};
      for (const [, name, values] of groups) put(multiValueHeaders, name, values);
      result.multiValueHeaders = multiValueHeaders;
      return result;
    }
    const headers: Record<string, string> = {};
    for (const [lower, name, values] of groups) {
      if (lower !== 'set-cookie') put(headers, name, values.join(', '));
      else if (values.length === 1) put(headers, name, values[0]!);
      else {
        for (let i = 0; i < values.length && i < 512; i++) headers[cookieName(i)] = values[i]!;
        if (values.length > 512) {
          settings.logger(
            `tsgi: ALB single-value mode has 512 spellings of Set-Cookie; ${values.length - 512} of ${values.length} cookies were left out. Turn on multi-value headers on the target group`,
          );
        }
      }
    }
    result.headers = headers;
    return result;
  },

  limit: () => [MiB, 'ALB'],
};
