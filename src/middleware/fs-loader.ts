/**
 * The filesystem loader for {@link sharedData}, for Node and Lambda. It reaches `node:fs` through
 * `process.getBuiltinModule` at the first request, never through an import, so bundling the
 * middleware for Workers does not pull in Node's filesystem.
 */
import type { Loader, StaticFile } from './static-files.js';

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');

const CHUNK = 64 * 1024;

async function nodeModules(): Promise<{ fs: Fs; path: Path }> {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    ?.getBuiltinModule;
  if (typeof get === 'function') {
    return { fs: get('node:fs/promises') as Fs, path: get('node:path') as Path };
  }
  // Older Node: a computed specifier keeps bundlers from resolving it at build time.
  const load = (id: string) => import(/* @vite-ignore */ id);
  return { fs: (await load('node:fs/promises')) as Fs, path: (await load('node:path')) as Path };
}

/** Reads a file in chunks, at most `size` bytes, closing it when done or stopped early. */
async function* readFile(fs: Fs, file: string, size: number): AsyncGenerator<Uint8Array> {
  const handle = await fs.open(file, 'r');
  try {
    let position = 0;
    while (position < size) {
      const buffer = new Uint8Array(Math.min(CHUNK, size - position));
      const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield bytesRead === buffer.byteLength ? buffer : buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

const MISSING = new Set([
  'ENOENT',
  'ENOTDIR',
  'EACCES',
  'EPERM',
  'ELOOP',
  'ENAMETOOLONG',
  'EISDIR',
]);

/**
 * Serves files from a directory. Symbolic links are followed only when they end inside the
 * directory (checked on the real path); directories and special files are not served.
 *
 * @example
 * ```ts
 * app.wsgiApp = sharedData(app.wsgiApp, { '/static': fsLoader(new URL('./static', import.meta.url).pathname) });
 * ```
 */
export function fsLoader(directory: string): Loader {
  let root: Promise<{ fs: Fs; path: Path; real: string }> | undefined;
  const open = async () => {
    const { fs, path } = await nodeModules();
    try {
      return { fs, path, real: await fs.realpath(path.resolve(directory)) };
    } catch (error) {
      throw new Error(`sharedData: cannot open the directory ${directory}`, { cause: error });
    }
  };
  return async (relative) => {
    root ??= open();
    const { fs, path, real } = await root;
    let file: string;
    try {
      file = await fs.realpath(path.join(real, ...relative.split('/')));
    } catch (error) {
      if (MISSING.has((error as { code?: string }).code ?? '')) return null;
      throw error;
    }
    // The real path decides: a symlink (or anything else) that leads out of the root is refused.
    if (!file.startsWith(real.endsWith(path.sep) ? real : real + path.sep)) return null;
    const stat = await fs.stat(file);
    if (!stat.isFile()) return null;
    const found: StaticFile = {
      size: stat.size,
      mtime: stat.mtime,
      etag: `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`,
      body: () => readFile(fs, file, stat.size),
    };
    return found;
  };
}
