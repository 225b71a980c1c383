/**
 * `tsgi serve <module>`: the local development server (werkzeug's `run_simple`), with
 * `--reload`, `--debug` and `--emulate`.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { nodeListener, type RequestLog } from '../adapters/node/index.js';
import type { App } from '../src/index.js';
import { parseCommand, parsePort, parseSize } from './args.js';
import { debugPage } from './debug-page.js';
import { describeFailure, UsageError } from './errors.js';
import { listen } from './listen.js';
import { canTrackImports, loadApp, loadedFiles, resolveModule } from './load.js';
import { childMessage, isReloadChild, superviseReload } from './reload.js';

export const serveHelp = `Usage: tsgi serve <module> [options]

Serves the app on a local HTTP server and logs one line per request.

Options:
      --host <address>     the address to listen on (default 127.0.0.1)
  -p, --port <number>      the port (default 5000; 0 picks a free one)
      --reload             restart when a source file the app loaded changes
      --debug              answer app errors with an HTML page (error, stack with source,
                           environ); only loopback clients get it
      --emulate <platform> run each request through a platform adapter: aws-v1, aws-v2, alb,
                           function-url, edge or cloudflare
      --max-body <size>    the largest request body accepted (default 10m); larger gets 413
      --export <name>      the export that holds the app (default: the default export)
  -h, --help               show this help

Example:
  tsgi serve app.ts --reload --debug`;

export const EMULATED = ['aws-v1', 'aws-v2', 'alb', 'function-url', 'edge', 'cloudflare'] as const;
export type Emulated = (typeof EMULATED)[number];

/** What a request listener needs to know, shared by the plain and the reloading server. */
export interface ListenerSettings {
  debug: boolean;
  emulate?: Emulated;
  maxBodySize?: number;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

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
export async function createListener(app: App, settings: ListenerSettings): Promise<Listener> {
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

/** After Ctrl-C, an app's own timers or sockets must not keep the server's process alive. */
function exitSoon(): void {
  setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

export async function serveCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand('serve', args, {
    host: { type: 'string' },
    port: { type: 'string', short: 'p' },
    reload: { type: 'boolean' },
    debug: { type: 'boolean' },
    emulate: { type: 'string' },
    'max-body': { type: 'string' },
    export: { type: 'string' },
  });
  if (positionals.length !== 1) {
    throw new UsageError('usage: tsgi serve <module> [options] (see tsgi serve --help)');
  }
  const module = positionals[0]!;
  resolveModule(module);
  const host = values.host ?? '127.0.0.1';
  const port = parsePort(values.port, 5000);
  const emulate = values.emulate;
  if (emulate !== undefined && !(EMULATED as readonly string[]).includes(emulate)) {
    throw new UsageError(`--emulate must be one of ${EMULATED.join(', ')}; got "${emulate}"`);
  }
  const maxBodySize = parseSize(values['max-body'], '--max-body');
  const settings: ListenerSettings = {
    debug: values.debug ?? false,
    ...(emulate !== undefined && { emulate: emulate as Emulated }),
    ...(maxBodySize !== undefined && { maxBodySize }),
  };
  const exportName = values.export;

  if (values.reload && !isReloadChild()) {
    await superviseReload({ module, host, port, args, debug: settings.debug });
    exitSoon();
    return 0;
  }
  if (isReloadChild()) {
    // The parent owns the port and hands each connection over; see reload.ts.
    process.once('SIGTERM', () => process.exit(0));
    process.once('disconnect', () => process.exit(0));
    const imported = new Set<string>();
    const tracked = await canTrackImports();
    let app: App;
    try {
      app = await loadApp(module, {
        ...(exportName !== undefined && { exportName }),
        onImport: (url) => imported.add(url),
      });
    } catch (error) {
      await childMessage({ type: 'files', files: loadedFiles(imported), tracked });
      await childMessage({ type: 'failed', text: describeFailure(error) });
      throw error;
    }
    await childMessage({ type: 'files', files: loadedFiles(imported), tracked });
    const server = createServer(await createListener(app, settings));
    process.on('message', (message: { type?: string }, socket?: Socket) => {
      if (message?.type !== 'socket' || !socket) return;
      server.emit('connection', socket);
      socket.resume();
    });
    await childMessage({ type: 'ready' });
    return new Promise<number>(() => {}); // runs until the parent stops it
  }

  const app = await loadApp(module, exportName !== undefined ? { exportName } : {});
  const server = createServer(await createListener(app, settings));
  const url = await listen(server, host, port);
  const emulating = settings.emulate ? ` (emulating ${settings.emulate})` : '';
  process.stdout.write(`tsgi: serving ${module} on ${url}${emulating}\n`);
  await untilSignal();
  server.close();
  server.closeAllConnections();
  exitSoon();
  return 0;
}
