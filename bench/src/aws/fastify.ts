/** fastify 5 through @fastify/aws-lambda 6. */
import awsLambdaFastify from '@fastify/aws-lambda';
import Fastify from 'fastify';
import { binaryPayload, HELLO } from '../payload.js';

const app = Fastify({ bodyLimit: 4 * 1024 * 1024 });
// Bodies are taken as bytes, like every other candidate (S2 echoes the exact bytes it got).
app.addContentTypeParser(
  ['application/json', 'application/octet-stream'],
  { parseAs: 'buffer' },
  (_req, body, done) => done(null, body),
);
app.get('/hello', (_req, reply) => reply.type('text/plain; charset=utf-8').send(HELLO));
app.post('/echo', (req, reply) => reply.type('application/json').send(req.body));
app.get('/binary', (_req, reply) =>
  reply.type('application/octet-stream').send(Buffer.from(binaryPayload())),
);
app.post('/upload', (req, reply) =>
  reply.type('text/plain; charset=utf-8').send(String((req.body as Buffer).byteLength)),
);

export const handler = awsLambdaFastify(app, { binaryMimeTypes: ['application/octet-stream'] });
