/**
 * The app the load tests drive: small answers, an echo, a large lazily generated stream (for
 * slow clients) and a memory probe. Only for test/load.
 */
import { createHash } from 'node:crypto';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { App } from '../../src/index.js';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const BLOCK = new Uint8Array(64 * 1024).fill(0x61);
/** How many `/big` bodies are being produced right now (slow clients hold them open). */
let producing = 0;

async function* big(blocks: number) {
  producing++;
  try {
    for (let i = 0; i < blocks; i++) yield BLOCK;
  } finally {
    producing--;
  }
}

export const app: App = async (environ, startResponse) => {
  switch (environ.PATH_INFO) {
    case '/':
      startResponse('200 OK', [['Content-Type', 'text/plain; charset=utf-8']]);
      return ['Hello, World!'];
    case '/json':
      startResponse('200 OK', [
        ['Content-Type', 'application/json'],
        ['Set-Cookie', 'a=1; Path=/'],
        ['Set-Cookie', 'b=2; Path=/'],
      ]);
      return [JSON.stringify({ query: environ.QUERY_STRING, agent: environ.HTTP_USER_AGENT })];
    case '/echo': {
      const body = await environ['wsgi.input'].read();
      startResponse('200 OK', [
        ['Content-Type', 'application/octet-stream'],
        ['X-Sha256', createHash('sha256').update(body).digest('hex')],
      ]);
      return [body];
    }
    case '/big':
      startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
      return big(256); // 16 MiB, made as it is read
    case '/__memory': {
      gc();
      const m = process.memoryUsage();
      startResponse('200 OK', [['Content-Type', 'application/json']]);
      return [JSON.stringify({ rss: m.rss, live: m.heapUsed + m.arrayBuffers, producing })];
    }
    default:
      startResponse('404 Not Found', [['Content-Type', 'text/plain']]);
      return ['Not Found'];
  }
};
