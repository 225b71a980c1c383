/**
 * `tsgi serve <module>`: the local development server (werkzeug's `run_simple`), with
 * `--reload`, `--debug` and `--emulate`.
 */

import { parseCommand, parsePort, parseSize } from './args.js';
import { UsageError } from './errors.js';
import { exitSoon, listen } from './listen.js';
import {
  createListener,
  EMULATED,
  type Emulated,
  type ListenerSettings,
  serverFor,
} from './listener.js';
import { loadApp, resolveModule, tsxFor } from './load.js';
import { isReloadChild, superviseReload } from './reload.js';
import { runReloadChild } from './reload-child.js';

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
  const file = resolveModule(module);
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
    await tsxFor(file, module); // no save can bring tsx: say so now, not on every request
    await superviseReload({ module, host, port, args });
    exitSoon();
    return 0;
  }
  if (isReloadChild()) return runReloadChild(module, exportName, settings);
  const app = await loadApp(module, exportName !== undefined ? { exportName } : {});
  const server = serverFor(await createListener(app, settings));
  const url = await listen(server, host, port);
  const emulating = settings.emulate ? ` (emulating ${settings.emulate})` : '';
  process.stdout.write(`tsgi: serving ${module} on ${url}${emulating}\n`);
  await untilSignal();
  server.close();
  server.closeAllConnections();
  exitSoon();
  return 0;
}
