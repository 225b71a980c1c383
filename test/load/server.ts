/**
 * Runs the load app with tsgi/node in its own process on 127.0.0.1 and a free port, and prints
 * `{"port": N}` once it listens. The load test starts it and stops it by PID.
 */
import { serve } from '../../adapters/node/index.js';
import { app } from './app.js';

const server = await serve(app, { host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ port: server.port, pid: process.pid })}\n`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
