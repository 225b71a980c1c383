/**
 * dispatcher: mounts apps under path prefixes (werkzeug's `DispatcherMiddleware`).
 *
 * A prefix matches on segment boundaries only: `/api` takes `/api` and `/api/users`, never
 * `/apiary`. The longest matching prefix wins. The matched prefix moves from PATH_INFO to the end
 * of SCRIPT_NAME, so the mounted app sees paths relative to its mount point and builds URLs
 * that include it. Requests that match no prefix go to the default app.
 */
import type { App } from '../core/types.js';

/**
 * Mounts apps by path prefix in front of a default app.
 *
 * @example
 * ```ts
 * const site = dispatcher(frontend, { '/api': api, '/admin': admin });
 * // GET /api/users → api with SCRIPT_NAME '/api', PATH_INFO '/users'
 * ```
 */
export function dispatcher(app: App, mounts: Record<string, App>): App {
  const table = new Map<string, App>();
  for (const [prefix, mounted] of Object.entries(mounts)) {
    const key = prefix.replace(/\/+$/, '');
    if (!key.startsWith('/') || /[?#\0]/.test(key)) {
      throw new TypeError(
        `dispatcher: the prefix ${JSON.stringify(prefix)} must be a path like "/api"`,
      );
    }
    if (typeof mounted !== 'function') {
      throw new TypeError(`dispatcher: the app mounted at ${prefix} is not a function`);
    }
    table.set(key, mounted);
  }
  return (environ, startResponse) => {
    let script = environ.PATH_INFO;
    let rest = '';
    // Try the whole path, then cut one segment at a time: the longest prefix wins.
    while (script.length > 1) {
      const mounted = table.get(script);
      if (mounted !== undefined) {
        environ.SCRIPT_NAME += script;
        environ.PATH_INFO = rest;
        return mounted(environ, startResponse);
      }
      const cut = script.lastIndexOf('/');
      if (cut === -1) break;
      rest = script.slice(cut) + rest;
      script = script.slice(0, cut);
    }
    return app(environ, startResponse);
  };
}
