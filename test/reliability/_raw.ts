/** One HTTP/1.1 exchange over a bare socket, with the request bytes exactly as given. */
import { Buffer } from 'node:buffer';
import { connect } from 'node:net';

/**
 * Sends `request` (which should say `Connection: close`) and resolves with the status and body
 * once the server closes. The socket is not half-closed: a client that half-closes may lose an
 * answer that takes a moment (Node's `allowHalfOpen: false`).
 */
export function rawRequest(
  port: number,
  request: string | Buffer,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (!match) reject(new Error(`no HTTP answer: ${JSON.stringify(data.slice(0, 80))}`));
      else resolve({ status: Number(match[1]), body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    socket.write(typeof request === 'string' ? Buffer.from(request, 'latin1') : request);
  });
}
