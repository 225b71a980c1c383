/**
 * Loading the user's app module: `.js`/`.mjs` with plain `import()`, TypeScript through tsx (an
 * optional peer dependency), the default export or a named one.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { App } from '../src/index.js';
import { ModuleError, UsageError } from './errors.js';

/** What Node cannot load by itself: TypeScript, and JSX. */
const NEEDS_TSX = new Set(['.ts', '.mts', '.cts', '.tsx', '.jsx']);
const JAVASCRIPT = new Set(['.js', '.mjs', '.cjs']);

/** The files an app is made of, for `--reload` when tsx cannot say which ones it loaded. */
export const SOURCE_EXTENSIONS: ReadonlySet<string> = new Set([
  ...NEEDS_TSX,
  ...JAVASCRIPT,
  '.json',
]);

/** What {@link loadApp} needs. */
export interface LoadOptions {
  /** The export that holds the app; default `default`. */
  exportName?: string;
  /**
   * Called with the `file:` URL of every module loaded on the way (the `--reload` watch list).
   * It makes JavaScript go through tsx too, when tsx is installed.
   */
  onImport?: (url: string) => void;
}

/** tsx's two loaders: `import` for ES modules, `require` for CommonJS ones. */
interface Tsx {
  tsImport(
    specifier: string,
    options: { parentURL: string; onImport?: (url: string) => void },
  ): Promise<Record<string, unknown>>;
  register(options: { namespace: string }): { require(id: string, fromFile: string): unknown };
}

async function findTsx(): Promise<Tsx | undefined> {
  try {
    const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
    return { tsImport: esm.tsImport, register: cjs.register } as Tsx;
  } catch {
    return undefined;
  }
}

/**
 * True when Node (and tsx) load the file as CommonJS: `.cts` and `.cjs`, or a `.ts`/`.js` file
 * whose nearest package.json does not say `"type": "module"` (npm's default).
 */
function isCommonJs(file: string): boolean {
  const ext = extname(file);
  if (ext === '.cts' || ext === '.cjs') return true;
  if (ext === '.mts' || ext === '.mjs') return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        return (JSON.parse(readFileSync(manifest, 'utf8')) as { type?: unknown }).type !== 'module';
      } catch {
        return true;
      }
    }
    if (dirname(dir) === dir) return true;
  }
}

/**
 * Loads a module through tsx. A CommonJS one goes through tsx's `require`: its `import` would
 * run it from a `data:` URL of the compiled code, so stack traces would show that URL instead
 * of the file and its lines.
 */
async function tsxLoad(tsx: Tsx, file: string, options: LoadOptions) {
  if (isCommonJs(file)) {
    const exports = tsx.register({ namespace: randomUUID() }).require(file, import.meta.url);
    // The namespace `import()` would give: module.exports as the default, its fields as names.
    return { ...(exports as object), default: exports } as Record<string, unknown>;
  }
  return tsx.tsImport(pathToFileURL(file).href, {
    parentURL: import.meta.url,
    ...(options.onImport && { onImport: options.onImport }),
  });
}

/** True when tsx is installed, so the modules an app loads can be listed (for `--reload`). */
export async function canTrackImports(): Promise<boolean> {
  return (await findTsx()) !== undefined;
}

/**
 * The local source files an app loaded: the ES modules tsx reported (`imported`, `file:` URLs)
 * plus the CommonJS ones in require's cache (tsx loads a `.ts` file outside a `"type": "module"`
 * package that way), without dependencies in node_modules.
 */
export function loadedFiles(imported: Iterable<string>): string[] {
  const files = new Set<string>();
  const add = (path: string) => {
    const file = path.replace(/[?#].*$/, '');
    if (isAbsolute(file) && !file.split(sep).includes('node_modules')) files.add(file);
  };
  for (const url of imported)
    if (url.startsWith('file:')) add(fileURLToPath(url.replace(/[?#].*$/, '')));
  for (const key of Object.keys(createRequire(import.meta.url).cache)) {
    const data = /[?&]filePath=([^&]+)$/.exec(key);
    add(data ? decodeURIComponent(data[1]!) : key);
  }
  return [...files];
}

/** Resolves the module path the user gave, or explains why it cannot be used. */
export function resolveModule(path: string | undefined): string {
  if (path === undefined || path === '') {
    throw new UsageError('missing <module>: the file that exports your app, e.g. app.ts');
  }
  const file = resolve(path);
  if (!existsSync(file)) throw new UsageError(`cannot find module ${path}`);
  if (!statSync(file).isFile()) throw new UsageError(`${path} is not a file`);
  const ext = extname(file);
  if (!NEEDS_TSX.has(ext) && !JAVASCRIPT.has(ext)) {
    throw new UsageError(
      `${path}: a module must be .js, .mjs or .cjs, or (with tsx) .ts, .mts, .cts, .tsx or .jsx`,
    );
  }
  return file;
}

/** tsx when `file` needs it (or `wanted`); a file that needs it without it is a one-line error. */
export async function tsxFor(file: string, path: string, wanted = false): Promise<Tsx | undefined> {
  const needed = NEEDS_TSX.has(extname(file));
  const tsx = needed || wanted ? await findTsx() : undefined;
  if (needed && tsx === undefined) {
    throw new UsageError(`loading ${path} needs tsx: npm install --save-dev tsx`);
  }
  return tsx;
}

/**
 * Imports the module and returns its app.
 *
 * @example
 * ```ts
 * const app = await loadApp('examples/hello/app.ts');
 * ```
 */
export async function loadApp(path: string | undefined, options: LoadOptions = {}): Promise<App> {
  const file = resolveModule(path);
  const tsx = await tsxFor(file, path!, options.onImport !== undefined);
  let namespace: Record<string, unknown>;
  try {
    namespace =
      tsx !== undefined
        ? await tsxLoad(tsx, file, options)
        : ((await import(pathToFileURL(file).href)) as Record<string, unknown>);
  } catch (error) {
    throw new ModuleError(path!, error, file);
  }
  const name = options.exportName ?? 'default';
  let app = namespace[name];
  // A CommonJS module's `module.exports` arrives as the default; its own `default` may be the app.
  if (typeof app === 'object' && app !== null && name === 'default') {
    app = (app as Record<string, unknown>).default ?? app;
  }
  if (typeof app !== 'function') {
    const found =
      app === undefined
        ? 'nothing'
        : app === null
          ? 'null'
          : `${/^[aeiou]/.test(typeof app) ? 'an' : 'a'} ${typeof app}`;
    // A Workers module (`export default { fetch }`) is no tsgi app, but fetchHandler makes one.
    const fetchModule =
      typeof app === 'object' &&
      app !== null &&
      typeof (app as { fetch?: unknown }).fetch === 'function';
    const hint = fetchModule
      ? 'it looks like a fetch handler module; export the tsgi app itself (the function passed to fetchHandler)'
      : name === 'default'
        ? 'export the app as default, or pass --export NAME'
        : '';
    throw new UsageError(
      `${path} has no app: its ${name === 'default' ? 'default export' : `export "${name}"`} is ${found}${hint ? `; ${hint}` : ''}`,
    );
  }
  return app as App;
}
