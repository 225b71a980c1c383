/**
 * One request, one app, four platforms: the buffered Lambda handler, the streaming Lambda handler
 * (against a stand-in for the runtime's `awslambda` global), the fetch adapter and the Node
 * adapter over a real socket. Each run reports what the client got and what was logged.
 */
import { Buffer } from 'node:buffer';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { vi } from 'vitest';
import { handler, streamHandler } from '../../adapters/aws-lambda/index.js';
import { fetchHandler } from '../../adapters/cloudflare/index.js';
import { type ServerHandle, serve } from '../../adapters/node/index.js';
import { type App, errorStream } from '../../src/index.js';
import { eventFor, readResult, setCookiesOf } from './_aws.js';
import { plainRequest } from './_model.js';

export const PLATFORMS = ['lambda', 'lambda-stream', 'fetch', 'node'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const PLATFORM_NAMES: Record<Platform, string> = {
  lambda: 'Lambda buffered',
  'lambda-stream': 'Lambda streaming',
  fetch: 'fetch',
  node: 'Node',
};

/** What the client saw, and what the platform's log got. */
export interface Observed {
  status: number;
  body: string;
  /** The body was cut off (stream aborted) instead of ending normally. */
  aborted: boolean;
  setCookies: string[];
  /** Log entries (one per write to the log) that mention tsgi. */
  logs: string[];
}

/** A plain GET / as an HTTP API v2 event. */
export function v2Event(): Record<string, unknown> {
  return eventFor('http-v2', plainRequest(), 0).event;
}

function tsgiLines(lines: string[]): string[] {
  return lines.filter((line) => line.includes('tsgi'));
}

async function viaLambda(app: App, event: unknown): Promise<Observed> {
  const lines: string[] = [];
  const result = await handler(app, { logger: (line) => lines.push(line) })(event as never);
  const response = readResult('http-v2', result);
  return {
    status: response.status,
    body: Buffer.from(response.body).toString(),
    aborted: false,
    setCookies: setCookiesOf(response),
    logs: tsgiLines(lines),
  };
}

const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');

/** The documented runtime contract: metadata JSON and eight NUL bytes, then the body. */
const standIn = {
  streamifyResponse(fn: (...args: never[]) => unknown) {
    Object.defineProperty(fn, STREAMING, { value: 'response' });
    return fn;
  },
  HttpResponseStream: {
    from(stream: Writable, metadata: object) {
      stream.write(Buffer.concat([Buffer.from(JSON.stringify(metadata)), Buffer.alloc(8)]));
      return stream;
    },
  },
};

/** streamHandler built while the stand-in runtime is in place (it is read at creation). */
export function lambdaStreamHandler(
  app: App,
  logger: (line: string) => void = () => {},
): ReturnType<typeof streamHandler> {
  const global = globalThis as { awslambda?: unknown };
  global.awslambda = standIn;
  try {
    return streamHandler(app, { logger });
  } finally {
    delete global.awslambda;
  }
}

/** What reached the client of a streaming handler: the metadata prelude, then the body. */
export interface StreamedToClient {
  prelude: { statusCode: number; headers: Record<string, string>; cookies?: string[] };
  body: Uint8Array;
}

/** A response stream for streamHandler that keeps everything written to it. */
export function clientStream(): { stream: Writable; read: () => StreamedToClient } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  const read = () => {
    const all = Buffer.concat(chunks);
    const end = all.indexOf(Buffer.alloc(8));
    return {
      prelude: JSON.parse(all.subarray(0, end).toString()) as StreamedToClient['prelude'],
      body: new Uint8Array(all.subarray(end + 8)),
    };
  };
  return { stream, read };
}

async function viaLambdaStream(app: App, event: unknown): Promise<Observed> {
  const lines: string[] = [];
  const run = lambdaStreamHandler(app, (line) => lines.push(line));
  const { stream, read } = clientStream();
  let aborted = false;
  stream.on('error', () => {
    aborted = true;
  });
  await run(event as never, stream as never);
  await new Promise((resolve) => setImmediate(resolve));
  const { prelude, body } = read();
  return {
    status: prelude.statusCode,
    body: Buffer.from(body).toString(),
    aborted: aborted || (stream.destroyed && !stream.writableFinished),
    setCookies: prelude.cookies ?? [],
    logs: tsgiLines(lines),
  };
}

/** Log lines written through console.error while `fn` runs (the fetch adapter's log). */
async function capturingConsole<T>(fn: () => Promise<T>): Promise<[T, string[]]> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  });
  try {
    return [await fn(), lines];
  } finally {
    spy.mockRestore();
  }
}

async function viaFetch(app: App, method: string, path: string): Promise<Observed> {
  const [observed, lines] = await capturingConsole(async () => {
    const response = await fetchHandler(app)(
      new Request(`https://example.test${path}`, { method }),
    );
    let body = '';
    let aborted = false;
    if (response.body !== null) {
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const step = await reader.read();
          if (step.done) break;
          body += decoder.decode(step.value, { stream: true });
        }
      } catch {
        aborted = true;
      }
    }
    return {
      status: response.status,
      body,
      aborted,
      setCookies: response.headers.getSetCookie(),
      logs: [] as string[],
    };
  });
  return { ...observed, logs: tsgiLines(lines) };
}

let server: ServerHandle | undefined;
let current: App = () => [];
const serverLog: string[] = [];

/** Starts the shared Node server (once per test file); stop it with {@link stopNode}. */
export async function startNode(): Promise<ServerHandle> {
  server ??= await serve((environ, startResponse) => current(environ, startResponse), {
    host: '127.0.0.1',
    port: 0,
    errors: errorStream((line) => serverLog.push(line)),
  });
  return server;
}

export async function stopNode(): Promise<void> {
  await server?.close();
  server = undefined;
}

async function viaNode(app: App, method: string, path: string): Promise<Observed> {
  const { port } = await startNode();
  current = app;
  serverLog.length = 0;
  const [observed, lines] = await capturingConsole(
    () =>
      new Promise<Observed>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method, path, agent: false });
        req.on('error', reject);
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          let aborted = false;
          const done = () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString(),
              aborted,
              setCookies: res.headers['set-cookie'] ?? [],
              logs: [],
            });
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('aborted', () => {
            aborted = true;
          });
          res.on('error', () => {
            aborted = true;
          });
          res.on('close', () => {
            if (!res.complete) aborted = true;
            done();
          });
        });
        req.end();
      }),
  );
  // The server may finish its bookkeeping (close(), the log) just after the client is done.
  await new Promise((resolve) => setTimeout(resolve, 20));
  return { ...observed, logs: tsgiLines([...serverLog, ...lines]) };
}

/** Runs `app` for one `GET /` on `platform`. */
export function runOn(platform: Platform, app: App): Promise<Observed> {
  switch (platform) {
    case 'lambda':
      return viaLambda(app, v2Event());
    case 'lambda-stream':
      return viaLambdaStream(app, v2Event());
    case 'fetch':
      return viaFetch(app, 'GET', '/');
    case 'node':
      return viaNode(app, 'GET', '/');
  }
}
