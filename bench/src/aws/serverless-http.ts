/** serverless-http 4 with a plain Node `(req, res)` handler. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import serverless from 'serverless-http';
import { binaryPayload, HELLO } from '../payload.js';

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, type: string, body: string | Uint8Array): void {
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

async function listener(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/hello') {
    send(res, 'text/plain; charset=utf-8', HELLO);
  } else if (req.method === 'POST' && path === '/echo') {
    send(res, 'application/json', await readBody(req));
  } else if (req.method === 'GET' && path === '/binary') {
    send(res, 'application/octet-stream', binaryPayload());
  } else if (req.method === 'POST' && path === '/upload') {
    send(res, 'text/plain; charset=utf-8', String((await readBody(req)).byteLength));
  } else {
    res.writeHead(404).end();
  }
}

export const handler = serverless(listener, { binary: ['application/octet-stream'] });
