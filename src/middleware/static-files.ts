/**
 * Where {@link sharedData} gets files from: a loader is a function from a checked relative path
 * (`css/site.css`) to a file or null. This module holds the loaders that need no Node API, so a
 * Workers bundle can use them without pulling in `node:fs` (see `fs-loader.ts` for disk).
 */
import { utf8 } from '../core/bytes.js';

/** A file a loader found. */
export interface StaticFile {
  /** Size in bytes, when known (sent as Content-Length). */
  size?: number;
  /** Last modification time (sent as Last-Modified, checked against If-Modified-Since). */
  mtime?: Date;
  /** A quoted entity tag, `"abc"` or `W/"abc"` (checked against If-None-Match). */
  etag?: string;
  /** Overrides the type guessed from the file name. */
  contentType?: string;
  /** The bytes, or a function that opens them as a stream (only called when a body is sent). */
  body: Uint8Array | (() => AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>);
  /** Releases what the loader holds when no body is sent (304, HEAD). */
  discard?: () => void;
}

/**
 * Finds a file by its path below the export's root. The path has been checked: `/`-separated,
 * no leading slash, no empty, `.` or `..` segment, no backslash, colon or NUL.
 */
export type Loader = (path: string) => StaticFile | null | Promise<StaticFile | null>;

/** FNV-1a over the bytes: a cheap, stable entity tag for content held in memory. */
function contentTag(bytes: Uint8Array): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.byteLength; i++) {
    hash ^= bytes[i]!;
    hash = Math.imul(hash, 0x01000193);
  }
  return `"${(hash >>> 0).toString(16)}-${bytes.byteLength.toString(16)}"`;
}

/**
 * Serves files from memory: a record or Map of path → bytes or text. Entity tags come from the
 * content, computed once. Handy on Workers (files bundled as modules) and in tests.
 *
 * @example
 * ```ts
 * const app = sharedData(inner, {
 *   '/static': memoryLoader({ 'site.css': 'body { margin: 0 }', 'logo.png': logoBytes }),
 * });
 * ```
 */
export function memoryLoader(
  files: Record<string, Uint8Array | string> | Map<string, Uint8Array | string>,
  options: { mtime?: Date } = {},
): Loader {
  const table = new Map<string, StaticFile>();
  const entries = files instanceof Map ? files.entries() : Object.entries(files);
  for (const [name, content] of entries) {
    const bytes = typeof content === 'string' ? utf8(content) : content;
    table.set(name.replace(/^\/+/, ''), {
      size: bytes.byteLength,
      etag: contentTag(bytes),
      body: bytes,
      ...(options.mtime !== undefined && { mtime: options.mtime }),
    });
  }
  return (path) => table.get(path) ?? null;
}

/** The part of a Workers assets binding (`env.ASSETS`) a loader needs. */
export interface AssetsBinding {
  fetch(request: Request): Promise<Response>;
}

/**
 * Serves files from a Cloudflare Workers static assets binding (`env.ASSETS`). A path the
 * binding does not answer with 200 falls through to the app.
 *
 * @example
 * ```ts
 * export default {
 *   fetch(request, env, ctx) {
 *     const app = sharedData(inner, { '/static': assetsLoader(env.ASSETS) });
 *     return fetchHandler(app)(request, env, ctx);
 *   },
 * };
 * ```
 */
export function assetsLoader(binding: AssetsBinding, options: { origin?: string } = {}): Loader {
  const origin = (options.origin ?? 'https://assets.invalid').replace(/\/+$/, '');
  return async (path) => {
    const url = `${origin}/${path.split('/').map(encodeURIComponent).join('/')}`;
    const response = await binding.fetch(new Request(url));
    if (response.status !== 200) {
      await response.body?.cancel();
      return null;
    }
    const length = response.headers.get('content-length');
    const modified = response.headers.get('last-modified');
    const etag = response.headers.get('etag');
    const type = response.headers.get('content-type');
    const mtime = modified ? new Date(modified) : undefined;
    return {
      ...(length !== null && /^\d+$/.test(length) && { size: Number(length) }),
      ...(mtime !== undefined && !Number.isNaN(mtime.getTime()) && { mtime }),
      ...(etag !== null && { etag }),
      ...(type !== null && { contentType: type }),
      body: () => response.body ?? new Uint8Array(0),
      discard: () => {
        response.body?.cancel().catch(() => {});
      },
    } as StaticFile;
  };
}
