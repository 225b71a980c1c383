/** @codegenie/serverless-express 4 with express 5. */
import { configure } from '@codegenie/serverless-express';
import express from 'express';
import { binaryPayload, HELLO } from '../payload.js';

const raw = express.raw({ type: ['application/json', 'application/octet-stream'], limit: '4mb' });

const app = express()
  .get('/hello', (_req, res) => {
    res.type('text/plain; charset=utf-8').send(HELLO);
  })
  .post('/echo', raw, (req, res) => {
    res.type('application/json').send(req.body);
  })
  .get('/binary', (_req, res) => {
    res.type('application/octet-stream').send(Buffer.from(binaryPayload()));
  })
  .post('/upload', raw, (req, res) => {
    res.type('text/plain; charset=utf-8').send(String((req.body as Buffer).byteLength));
  });

export const handler = configure({
  app,
  binarySettings: { contentTypes: ['application/octet-stream'] },
});
