/** The fetch floor: a raw `(request) => Response` handler, no framework, no adapter. */
import { binaryPayload, HELLO } from '../payload.js';

const TEXT = { 'content-type': 'text/plain; charset=utf-8' };

export async function fetch(request: Request): Promise<Response> {
  const url = request.url;
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const query = url.indexOf('?', start);
  const path = url.slice(start, query === -1 ? undefined : query);
  const method = request.method;
  if (method === 'GET' && path === '/hello') return new Response(HELLO, { headers: TEXT });
  if (method === 'POST' && path === '/echo') {
    return new Response(await request.arrayBuffer(), {
      headers: { 'content-type': 'application/json' },
    });
  }
  if (method === 'GET' && path === '/binary') {
    return new Response(binaryPayload() as Uint8Array<ArrayBuffer>, {
      headers: { 'content-type': 'application/octet-stream' },
    });
  }
  if (method === 'POST' && path === '/upload') {
    return new Response(String((await request.arrayBuffer()).byteLength), { headers: TEXT });
  }
  return new Response('Not Found', { status: 404, headers: TEXT });
}
