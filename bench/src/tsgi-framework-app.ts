/** The same four routes on tsgi's framework App (routing, Request and Response objects). */
import { Application, Response } from '../../src/framework/index.js';
import { binaryPayload, HELLO } from './payload.js';

export const frameworkApp = new Application()
  .get('/hello', () => new Response(HELLO, { mimetype: 'text/plain' }))
  .post(
    '/echo',
    async (request) => new Response(await request.bytes(), { mimetype: 'application/json' }),
  )
  .get('/binary', () => new Response(binaryPayload(), { mimetype: 'application/octet-stream' }))
  .post(
    '/upload',
    async (request) =>
      new Response(String((await request.bytes()).byteLength), { mimetype: 'text/plain' }),
  );
