/**
 * The child side of `--reload`: loads the app, tells the parent which files it loaded (or why it
 * failed), then serves the connections the parent hands over. See reload.ts for the parent.
 */
import type { Socket } from 'node:net';
import type { App } from '../src/index.js';
import { describeFailure } from './errors.js';
import { exitSoon } from './listen.js';
import { createListener, type ListenerSettings, serverFor } from './listener.js';
import { canTrackImports, loadApp, loadedFiles } from './load.js';
import { childMessage } from './reload.js';

/**
 * Runs until the parent stops it (SIGTERM, or the IPC channel closing) or Ctrl-C, which reaches
 * the child too.
 */
export async function runReloadChild(
  module: string,
  exportName: string | undefined,
  settings: ListenerSettings,
): Promise<number> {
  // Until the app serves, there is nothing to finish.
  let stop: () => void = () => process.exit(0);
  process.once('SIGTERM', () => stop());
  process.once('SIGINT', () => stop());
  process.once('disconnect', () => stop());
  const imported = new Set<string>();
  const tracked = await canTrackImports();
  let app: App;
  try {
    app = await loadApp(module, {
      ...(exportName !== undefined && { exportName }),
      onImport: (url) => imported.add(url),
    });
  } catch (error) {
    // A module that failed to load may be missing from what was loaded (require's cache drops
    // it): the parent then watches the source files of the app's whole tree.
    await childMessage({ type: 'files', files: loadedFiles(imported), tracked: false });
    await childMessage({ type: 'failed', text: describeFailure(error) });
    throw error;
  }
  await childMessage({ type: 'files', files: loadedFiles(imported), tracked });
  const server = serverFor(await createListener(app, settings));
  // The parent owns the port and hands each connection over (see reload.ts). The server never
  // listens, so Node does not track these connections and closeAllConnections() would miss them.
  const sockets = new Set<Socket>();
  process.on('message', (message: { type?: string }, socket?: Socket) => {
    if (message?.type !== 'socket' || !socket) return;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    server.emit('connection', socket);
    socket.resume();
  });
  // As plain `serve` stops: open connections are dropped, so the apps still answering are closed
  // and logged, and the process exits once they are done.
  stop = () => {
    stop = () => {};
    for (const socket of sockets) socket.destroy();
    if (process.connected) process.disconnect();
    exitSoon();
  };
  await childMessage({ type: 'ready' });
  return new Promise<number>(() => {}); // runs until the parent stops it
}
