/**
 * Lambda@Edge viewer-request and origin-request triggers: the app's answer becomes a response
 * generated at the edge (CloudFront does not forward the request to the origin).
 *
 * Security: REMOTE_ADDR is `clientIp`, which CloudFront takes from the viewer's connection.
 */
import { addHeader, isHopByHop } from '../../src/core/index.js';
import {
  BadRequest,
  decodeBody,
  type EventKind,
  isSet,
  lambdaEnviron,
  MiB,
  put,
  setServer,
  splitPath,
  str,
} from './_common.js';
import type { EdgeEvent, EdgeHeaders, EdgeResult } from './types.js';

type EdgeRequest = EdgeEvent['Records'][number]['cf']['request'];

/**
 * Response headers CloudFront refuses in a generated response, with a 502 for the whole answer
 * (edge-functions-restrictions.html): the disallowed ones, then the read-only ones per trigger.
 * The hop-by-hop headers it also disallows (Connection, Upgrade, …) are the core's
 * {@link isHopByHop} list, which the runner already refuses from an app.
 */
const DISALLOWED = new Set([
  'expect',
  'x-amzn-auth',
  'x-amzn-cf-billing',
  'x-amzn-cf-id',
  'x-amzn-cf-xff',
  'x-amzn-errortype',
  'x-amzn-fle-profile',
  'x-amzn-header-count',
  'x-amzn-header-order',
  'x-amzn-lambda-integration-tag',
  'x-amzn-requestid',
  'x-cache',
  'x-forwarded-proto',
  'x-real-ip',
]);
const DISALLOWED_PREFIXES = ['x-accel-', 'x-amz-cf-', 'x-edge-'];
const READ_ONLY_VIEWER = new Set(['content-length', 'host', 'transfer-encoding', 'via']);
const READ_ONLY_ORIGIN = new Set([
  'accept-encoding',
  'content-length',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'if-unmodified-since',
  'transfer-encoding',
  'via',
]);

/** True for a viewer-response or origin-response trigger's `cf` record. */
export function isResponseTrigger(cf: object): boolean {
  const { config, response } = cf as { config?: { eventType?: unknown }; response?: unknown };
  const type = config?.eventType;
  return (
    (typeof response === 'object' && response !== null) ||
    (typeof type === 'string' && type.endsWith('-response'))
  );
}

function isOriginRequest(event: EdgeEvent): boolean {
  return event.Records[0]!.cf.config?.eventType === 'origin-request';
}

/** True for a header CloudFront would answer with a 502 (lower-case name). */
function refusedAtEdge(lower: string, origin: boolean): boolean {
  return (
    DISALLOWED.has(lower) ||
    isHopByHop(lower) ||
    (origin ? READ_ONLY_ORIGIN : READ_ONLY_VIEWER).has(lower) ||
    DISALLOWED_PREFIXES.some((prefix) => lower.startsWith(prefix))
  );
}

function requestOf(event: EdgeEvent): EdgeRequest {
  return event.Records[0]!.cf.request;
}

export const edge: EventKind<EdgeEvent, EdgeResult> = {
  is: (event) => {
    const records = event.Records;
    if (!Array.isArray(records) || records.length === 0) return false;
    const cf = (records[0] as { cf?: { request?: { method?: unknown } | null } } | null)?.cf;
    // A response trigger carries the request too, but there is nothing left for an app to answer.
    return typeof cf?.request?.method === 'string' && !isResponseTrigger(cf);
  },

  environ(event, settings) {
    const { config } = event.Records[0]!.cf;
    const request = requestOf(event);
    const uri = str(request.uri) || '/';
    const [scriptName, pathInfo] = splitPath('', uri, settings);
    const query = str(request.querystring) ?? '';
    const source = request.body;
    // CloudFront cuts bodies over 40 KB (viewer) or 1 MB (origin): the app must not get half.
    if (isSet(source?.inputTruncated)) {
      throw new BadRequest(413, 'Content Too Large: CloudFront truncated the request body');
    }
    const body = decodeBody(source?.data, source?.encoding !== 'text');
    const environ = lambdaEnviron(
      {
        method: request.method,
        scriptName,
        pathInfo,
        query,
        rawPath: uri,
        body,
        remoteAddr: str(request.clientIp),
      },
      settings,
    );
    const headers = request.headers;
    if (headers && typeof headers === 'object') {
      for (const name in headers) {
        const list = headers[name];
        if (Array.isArray(list))
          for (const entry of list) {
            if (typeof entry?.value === 'string') addHeader(environ, name, entry.value);
          }
      }
    }
    setServer(environ, config?.distributionDomainName);
    return environ;
  },

  result(response, body, base64, event, settings) {
    const origin = isOriginRequest(event);
    const lists = new Map<string, { key: string; value: string }[]>();
    const dropped: string[] = [];
    for (const [key, value] of response.headers) {
      const lower = key.toLowerCase();
      if (refusedAtEdge(lower, origin)) {
        // Sent on, CloudFront would replace the whole answer with a 502. Content-Length goes
        // without a word: CloudFront sets it from the body.
        if (lower !== 'content-length' && !dropped.includes(key)) dropped.push(key);
        continue;
      }
      const list = lists.get(lower);
      if (list === undefined) lists.set(lower, [{ key, value }]);
      else list.push({ key, value });
    }
    if (dropped.length > 0) {
      settings.logger(
        `tsgi: left out response headers Lambda@Edge does not allow in a ${
          origin ? 'origin' : 'viewer'
        }-request answer: ${dropped.join(', ')}`,
      );
    }
    const headers: EdgeHeaders = {};
    for (const [lower, list] of lists) put<EdgeHeaders[string]>(headers, lower, list);
    return {
      status: String(response.statusCode),
      statusDescription: response.reason,
      headers,
      body,
      bodyEncoding: base64 ? 'base64' : 'text',
    };
  },

  // An event without eventType (old console templates) gets the stricter viewer limit.
  limit: (event) =>
    isOriginRequest(event)
      ? [MiB, 'Lambda@Edge origin-request']
      : [40 * 1024, 'Lambda@Edge viewer-request'],
};
