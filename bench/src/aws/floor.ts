/**
 * The floor: a raw Lambda handler that answers each scenario directly from the event, with no
 * framework and no adapter. It still does each scenario's essential work (echo the body, base64
 * the binary answer, decode the upload), so the ratio to it is the adapter's cost alone.
 */
import { Buffer } from 'node:buffer';
import { binaryPayload, HELLO } from '../payload.js';

interface ProxyEvent {
  version?: string;
  httpMethod?: string;
  path?: string;
  rawPath?: string;
  requestContext: { http?: { method: string } };
  body?: string | null;
  isBase64Encoded?: boolean;
}

function answer(type: string, body: string, isBase64Encoded = false) {
  return { statusCode: 200, headers: { 'content-type': type }, body, isBase64Encoded };
}

export async function handler(event: ProxyEvent) {
  const v2 = event.version === '2.0';
  const method = v2 ? event.requestContext.http!.method : event.httpMethod;
  const path = v2 ? event.rawPath : event.path;
  if (method === 'GET' && path === '/hello') return answer('text/plain; charset=utf-8', HELLO);
  if (method === 'POST' && path === '/echo') {
    const body = event.isBase64Encoded
      ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
      : (event.body ?? '');
    return answer('application/json', body);
  }
  if (method === 'GET' && path === '/binary') {
    const bytes = binaryPayload();
    const base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    return answer('application/octet-stream', base64, true);
  }
  if (method === 'POST' && path === '/upload') {
    const bytes = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
    return answer('text/plain; charset=utf-8', String(bytes.byteLength));
  }
  return { statusCode: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' };
}
