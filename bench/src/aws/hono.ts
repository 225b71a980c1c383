/** hono 4 through `hono/aws-lambda`. */
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { binaryPayload, HELLO } from '../payload.js';

const app = new Hono()
  .get('/hello', (c) => c.text(HELLO))
  .post('/echo', async (c) =>
    c.body(await c.req.arrayBuffer(), 200, { 'Content-Type': 'application/json' }),
  )
  .get('/binary', (c) =>
    c.body(binaryPayload() as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': 'application/octet-stream',
    }),
  )
  .post('/upload', async (c) => c.text(String((await c.req.arrayBuffer()).byteLength)));

export const handler = handle(app);
