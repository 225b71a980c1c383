import type { AddressInfo, Server } from 'node:net';
import { urlFor } from '../adapters/node/index.js';
import { UsageError } from './errors.js';

/** Binds a server; resolves with its URL. A port in use is a usage error, not a stack trace. */
export function listen(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'EADDRINUSE' ? 'the port is in use' : error.message;
      reject(new UsageError(`cannot listen on ${host}:${port}: ${reason}`));
    });
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      resolve(urlFor(address.address, address.port));
    });
  });
}

/** After a stop signal, an app's own timers or sockets must not keep the process alive. */
export function exitSoon(): void {
  setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
}
