/**
 * `tsgi serve --emulate <platform>`: each HTTP request becomes that platform's event (or
 * Request), runs through the real adapter, and the platform's answer goes back as HTTP, the way
 * serverless-offline does for API Gateway. What works here works behind the front end.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import {
  buildEvent,
  decodeResult,
  type EventKindName,
  handler,
} from '../adapters/aws-lambda/index.js';
import { fetchHandler } from '../adapters/cloudflare/index.js';
import {
  DEFAULT_MAX_BODY_SIZE,
  declaredLength,
  type NodeListener,
  type RequestLog,
} from '../adapters/node/index.js';
import {
  type App,
  concatBytes,
  type Header,
  isHopByHop,
  plainResponse,
  whenWritable,
} from '../src/index.js';
import { oneLine } from './errors.js';
import { localContext } from './lambda.js';
import type { Emulated } from './listener.js';

export interface EmulateOptions {
  maxBodySize?: number;
  onResponse?: (log: RequestLog) => void;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

class TooLarge extends Error {}

/** The request's end-to-end headers, in order; hop-by-hop ones never reach a platform. */
function requestHeaders(req: IncomingMessage): Header[] {
  const pairs: Header[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (!isHopByHop(raw[i]!)) pairs.push([raw[i]!, raw[i + 1]!]);
  }
  return pairs;
}

async function readBody(req: IncomingMessage, max: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Stopping early must not destroy the request (see bodyStream).
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > max) throw new TooLarge();
    chunks.push(chunk);
  }
  return concatBytes(chunks, size);
}

/** Times the exchange and counts the bytes sent, for the access log. */
function observe(req: IncomingMessage, res: ServerResponse, options: EmulateOptions) {
  const started = performance.now();
  const log = { bytes: 0, aborted: false };
  res.once('close', () => {
    options.onResponse?.({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      status: res.statusCode,
      bytes: log.bytes,
      ms: performance.now() - started,
      aborted: log.aborted || !res.writableFinished,
    });
  });
  return log;
}

/**
 * The end of a request whose emulation threw. A client that left (mid-upload, mid-answer) is
 * logged as aborted by the access log; anything else is a failure of the emulation itself.
 */
function failed(req: IncomingMessage, res: ServerResponse, log: { aborted: boolean }) {
  return (error: unknown) => {
    if ((req.destroyed && !req.complete) || res.destroyed) log.aborted = true;
    else console.error('tsgi: emulation failure:', error);
    res.destroy();
  };
}

function sendPlain(
  res: ServerResponse,
  code: number,
  text: string,
  method?: string,
  close = false,
): number {
  const response = plainResponse(code, text, method);
  if (close) response.headers.push(['Connection', 'close']);
  res.writeHead(code, response.reason, response.headers);
  res.end(response.body);
  return response.body.byteLength;
}

// The Function URL front end is recognised by its own domain, so its events keep it.
const KEEPS_DOMAIN: readonly EventKindName[] = ['function-url'];

function lambdaListener(kind: EventKindName, app: App, options: EmulateOptions): Listener {
  const invoke = handler(app);
  const max = options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE;
  return (req, res) => {
    const log = observe(req, res, options);
    (async () => {
      let body: Uint8Array;
      try {
        body = await readBody(req, max);
      } catch (error) {
        if (!(error instanceof TooLarge)) throw error;
        log.bytes = sendPlain(res, 413, `Content Too Large: over ${max} bytes\n`, req.method);
        return;
      }
      const host = req.headers.host;
      const event = buildEvent(kind, {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: requestHeaders(req),
        ...(body.byteLength > 0 && { body }),
        ...(host !== undefined && !KEEPS_DOMAIN.includes(kind) && { host }),
        ...(req.socket.remoteAddress !== undefined && { sourceIp: req.socket.remoteAddress }),
      });
      let decoded: ReturnType<typeof decodeResult>;
      try {
        decoded = decodeResult(kind, await invoke(event, localContext()));
      } catch (error) {
        // Where the front end would answer 502 (the handler threw or its result is malformed).
        console.error(`tsgi: ${oneLine(error)}`);
        log.bytes = sendPlain(res, 502, `Bad Gateway: ${oneLine(error)}\n`, req.method);
        return;
      }
      res.writeHead(
        decoded.statusCode,
        STATUS_CODES[decoded.statusCode] ?? 'Unknown',
        decoded.headers,
      );
      res.end(decoded.body);
      log.bytes = decoded.body.byteLength;
    })().catch(failed(req, res, log));
  };
}

function cloudflareListener(app: App, options: EmulateOptions): Listener {
  const fetch = fetchHandler(app);
  const max = options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE;
  return (req, res) => {
    const log = observe(req, res, options);
    (async () => {
      if ((declaredLength(req) ?? 0) > max) {
        log.bytes = sendPlain(res, 413, `Content Too Large: over ${max} bytes\n`, req.method);
        return;
      }
      const headers = new Headers();
      for (const [name, value] of requestHeaders(req)) headers.append(name, value);
      // Cloudflare vouches for the client address in CF-Connecting-IP and says so with `cf`.
      headers.set('CF-Connecting-IP', req.socket.remoteAddress ?? '127.0.0.1');
      const method = req.method ?? 'GET';
      const hasBody = method !== 'GET' && method !== 'HEAD';
      const overflow = { over: false };
      const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
        method,
        headers,
        ...(hasBody && {
          body: bodyStream(req, max, overflow),
          duplex: 'half',
        }),
      } as RequestInit);
      Object.defineProperty(request, 'cf', {
        value: { colo: 'LOCAL', country: 'XX', httpProtocol: `HTTP/${req.httpVersion}` },
      });
      const pending: Promise<unknown>[] = [];
      const ctx = { waitUntil: (promise: Promise<unknown>) => void pending.push(promise) };
      const response = await fetch(request, {}, ctx);
      if (overflow.over) {
        await response.body?.cancel();
        log.bytes = sendPlain(res, 413, `Content Too Large: over ${max} bytes\n`, method);
        return;
      }
      const out: Header[] = [];
      response.headers.forEach((value, name) => {
        if (name !== 'set-cookie') out.push([name, value]);
      });
      for (const cookie of response.headers.getSetCookie()) out.push(['set-cookie', cookie]);
      res.writeHead(response.status, response.statusText || STATUS_CODES[response.status], out);
      if (response.body) {
        const reader = response.body.getReader();
        res.once('close', () => {
          if (!res.writableFinished) void reader.cancel().catch(() => {});
        });
        try {
          for (let step = await reader.read(); !step.done; step = await reader.read()) {
            log.bytes += step.value.byteLength;
            if (!res.write(step.value)) await whenWritable(res);
            if (res.destroyed) break;
          }
        } catch {
          log.aborted = true;
          res.socket?.end();
          return;
        }
      }
      if (!res.destroyed) res.end();
      await Promise.allSettled(pending);
    })().catch(failed(req, res, log));
  };
}

/**
 * The request body as a web stream, pulled as the app reads it, failing once it grows past `max`
 * bytes. It never destroys the request: Node then discards what is left after the response, so
 * a client still uploading reads the 413 instead of a reset connection.
 */
function bodyStream(
  req: IncomingMessage,
  max: number,
  state: { over: boolean },
): ReadableStream<Uint8Array> {
  const chunks = req.iterator({ destroyOnReturn: false }) as AsyncIterableIterator<Uint8Array>;
  let seen = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const step = await chunks.next();
      if (step.done) return controller.close();
      seen += step.value.byteLength;
      if (seen > max) {
        state.over = true;
        controller.error(new Error(`the request body is over the limit of ${max} bytes`));
        return;
      }
      controller.enqueue(
        new Uint8Array(step.value.buffer, step.value.byteOffset, step.value.byteLength),
      );
    },
    async cancel() {
      await chunks.return?.();
    },
  });
}

/**
 * A request listener that runs each request through the adapter for `platform`.
 *
 * @example
 * ```ts
 * createServer(emulateListener('aws-v2', app, {})).listen(5000, '127.0.0.1');
 * ```
 */
export function emulateListener(
  platform: Emulated,
  app: App,
  options: EmulateOptions,
): NodeListener {
  const listener =
    platform === 'cloudflare'
      ? cloudflareListener(app, options)
      : lambdaListener(platform, app, options);
  const max = options.maxBodySize ?? DEFAULT_MAX_BODY_SIZE;
  return Object.assign(listener, {
    // A declared body over the limit is refused before the client sends it (RFC 9110 §10.1.1).
    checkContinue(req: IncomingMessage, res: ServerResponse) {
      if ((declaredLength(req) ?? 0) <= max) {
        res.writeContinue();
        listener(req, res);
        return;
      }
      const log = observe(req, res, options);
      // The client may still send the body after its wait: the connection ends with the answer.
      log.bytes = sendPlain(res, 413, `Content Too Large: over ${max} bytes\n`, req.method, true);
    },
  });
}
