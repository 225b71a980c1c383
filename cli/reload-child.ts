/**
 * The child side of `--reload`: loads the app, tells the parent which files it loaded (or why it
 * failed), then serves the connections the parent hands over. See reload.ts for the parent.
 */
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import type { App } from '../src/index.js';
import { describeFailure } from './errors.js';
import { createListener, type ListenerSettings } from './listener.js';
import { canTrackImports, loadApp, loadedFiles } from './load.js';
import { childMessage } from './reload.js';

/** Runs until the parent stops it (SIGTERM, or the IPC channel closing). */
export async function runReloadChild(
  module: string,
  exportName: string | undefined,
  settings: ListenerSettings,
): Promise<number> {
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
