/**
 * Waiting on the Node-style writable a server answers through (`http.ServerResponse`, the Lambda
 * runtime's response stream). Typed by shape, so the core stays free of Node's modules.
 */

/** The part of a Node `Writable` the helpers below use. */
export interface WritableLike {
  readonly destroyed?: boolean;
  once(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
  off(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
}

/**
 * Resolves when the stream wants more data after a `write()` returned false, or has gone away
 * (closed, failed; at once when it already has).
 *
 * @example
 * ```ts
 * for await (const chunk of response.body) {
 *   if (!res.write(chunk)) await whenWritable(res);
 *   if (res.destroyed) break;
 * }
 * ```
 */
export function whenWritable(stream: WritableLike): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
    stream.once('error', done);
  });
}

/**
 * Resolves when the stream has closed (at once when it already has): the client is gone. Made
 * for `RunOptions.gone`.
 *
 * @example
 * ```ts
 * const response = await runApp(app, environ, { gone: () => whenClosed(res) });
 * ```
 */
export function whenClosed(stream: WritableLike): Promise<void> {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}
