/**
 * A local HTTP server for a tsgi app: werkzeug's `run_simple` without the extras (the `tsgi serve`
 * command adds reloading, the debug page and platform emulation on top).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../../src/index.js';
import { type NodeListenerOptions, nodeListener } from './listener.js';

/** Options for {@link serve}. */
export interface ServeOptions extends NodeListenerOptions {
  /** Default `127.0.0.1`: reachable from this machine only. */
  host?: string;
  /** Default 5000; 0 picks a free port. */
  port?: number;
}

/** A running server. */
export interface ServerHandle {
  readonly server: Server;
  /** The address actually bound. */
  readonly host: string;
  readonly port: number;
  /** `http://127.0.0.1:5000` */
  readonly url: string;
  /**
   * Stops listening and drops open connections, which stops and closes their apps; resolves once
   * the server has closed. It does not wait for those apps: an async close() may still be running,
   * and an async generator cannot be stopped while it awaits.
   */
  close(): Promise<void>;
}

/**
 * The URL for a bound address; an IPv6 literal goes in brackets.
 *
 * @example
 * ```ts
 * urlFor('127.0.0.1', 5000); // 'http://127.0.0.1:5000'
 * urlFor('::1', 8080);       // 'http://[::1]:8080'
 * ```
 */
export function urlFor(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Serves an app over HTTP/1.1 on Node. Resolves once the port is bound.
 *
 * @example
 * ```ts
 * import { serve } from 'tsgi/node';
 *
 * const server = await serve(app, { port: 0 });
 * console.log(`listening on ${server.url}`);
 * // ...
 * await server.close();
 * ```
 */
export async function serve(app: App, options: ServeOptions = {}): Promise<ServerHandle> {
  const { host = '127.0.0.1', port = 5000, ...listenerOptions } = options;
  const listener = nodeListener(app, listenerOptions);
  const server = createServer(listener).on('checkContinue', listener.checkContinue);
  // Node keeps the first 1,000 headers and drops the rest silently; the size limit (16 KiB,
  // answered with 431) is the one that should decide.
  server.maxHeadersCount = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    server,
    host: address.address,
    port: address.port,
    url: urlFor(address.address, address.port),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
