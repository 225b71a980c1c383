/**
 * The request listener `tsgi serve` runs: the Node adapter, or a platform adapter under
 * `--emulate`, with the debug page and the access log around it.
 */
import { createServer, type Server } from 'node:http';
import { type NodeListener, nodeListener, type RequestLog } from '../adapters/node/index.js';
import type { App } from '../src/index.js';
import { debugPage } from './debug-page.js';

export const EMULATED = ['aws-v1', 'aws-v2', 'alb', 'function-url', 'edge', 'cloudflare'] as const;
export type Emulated = (typeof EMULATED)[number];

/** What a request listener needs to know, shared by the plain and the reloading server. */
export interface ListenerSettings {
  debug: boolean;
  emulate?: Emulated;
  maxBodySize?: number;
}

/** The access log line: method, path, status, bytes, milliseconds. */
export function formatLog(log: RequestLog): string {
  const ms = log.ms < 10 ? log.ms.toFixed(1) : Math.round(log.ms).toString();
  const cut = log.aborted ? ' (aborted)' : '';
  return `${log.method} ${log.url} ${log.status} ${log.bytes}B ${ms}ms${cut}`;
}

function logLine(log: RequestLog): void {
  process.stdout.write(`${formatLog(log)}\n`);
}

/** The request listener for the app with the settings given on the command line. */
export async function createListener(app: App, settings: ListenerSettings): Promise<NodeListener> {
  const wrapped = settings.debug ? debugPage(app) : app;
  if (settings.emulate !== undefined) {
    const { emulateListener } = await import('./emulate.js');
    return emulateListener(settings.emulate, wrapped, { ...settings, onResponse: logLine });
  }
  return nodeListener(wrapped, {
    onResponse: logLine,
    ...(settings.maxBodySize !== undefined && { maxBodySize: settings.maxBodySize }),
  });
}

/**
 * An HTTP server for the listener. Requests with `Expect: 100-continue` go to its
 * `checkContinue`, so an upload over `--max-body` is refused before the client sends it.
 */
export function serverFor(listener: NodeListener): Server {
  return createServer(listener).on('checkContinue', listener.checkContinue);
}
