/** The plain tsgi app every tsgi candidate serves (Lambda and fetch alike). */
import type { App } from '../../src/index.js';
import { binaryPayload, HELLO } from './payload.js';

const TEXT: [string, string] = ['Content-Type', 'text/plain; charset=utf-8'];

export const app: App = async (environ, startResponse) => {
  const method = environ.REQUEST_METHOD;
  const path = environ.PATH_INFO;
  if (method === 'GET' && path === '/hello') {
    startResponse('200 OK', [TEXT]);
    return [HELLO];
  }
  if (method === 'POST' && path === '/echo') {
    const body = await environ['wsgi.input'].read();
    startResponse('200 OK', [['Content-Type', 'application/json']]);
    return [body];
  }
  if (method === 'GET' && path === '/binary') {
    startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
    return [binaryPayload()];
  }
  if (method === 'POST' && path === '/upload') {
    const body = await environ['wsgi.input'].read();
    startResponse('200 OK', [TEXT]);
    return [String(body.byteLength)];
  }
  startResponse('404 Not Found', [TEXT]);
  return ['Not Found'];
};
