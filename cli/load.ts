/**
 * Loading the user's app module: `.js`/`.mjs` with plain `import()`, TypeScript through tsx (an
 * optional peer dependency), the default export or a named one.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, isAbsolute, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { App } from '../src/index.js';
import { ModuleError, UsageError } from './errors.js';

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts', '.tsx']);
const JAVASCRIPT = new Set(['.js', '.mjs', '.cjs', '.jsx']);

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

type TsImport = (
  specifier: string,
  options: { parentURL: string; onImport?: (url: string) => void },
) => Promise<Record<string, unknown>>;

async function findTsx(): Promise<TsImport | undefined> {
  try {
    const api = (await import('tsx/esm/api')) as { tsImport: TsImport };
    return api.tsImport;
  } catch {
    return undefined;
  }
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
  if (!TYPESCRIPT.has(ext) && !JAVASCRIPT.has(ext)) {
    throw new UsageError(`${path}: a module must be .js, .mjs, .cjs or .ts`);
  }
  return file;
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
  const url = pathToFileURL(file).href;
  const typescript = TYPESCRIPT.has(extname(file));
  const tsImport = typescript || options.onImport ? await findTsx() : undefined;
  if (typescript && tsImport === undefined) {
    throw new UsageError(`loading ${path} needs tsx: npm install --save-dev tsx`);
  }
  let namespace: Record<string, unknown>;
  try {
    namespace =
      tsImport !== undefined
        ? await tsImport(url, {
            parentURL: import.meta.url,
            ...(options.onImport && { onImport: options.onImport }),
          })
        : ((await import(url)) as Record<string, unknown>);
  } catch (error) {
    throw new ModuleError(path!, error);
  }
  const name = options.exportName ?? 'default';
  let app = namespace[name];
  // A CommonJS module's `module.exports` arrives as the default; its own `default` may be the app.
  if (typeof app === 'object' && app !== null && name === 'default') {
    app = (app as Record<string, unknown>).default ?? app;
  }
  if (typeof app !== 'function') {
    const found = app === undefined ? 'nothing' : `a ${app === null ? 'null' : typeof app}`;
    const hint = name === 'default' ? 'export the app as default, or pass --export NAME' : '';
    throw new UsageError(
      `${path} has no app: its ${name === 'default' ? 'default export' : `export "${name}"`} is ${found}${hint ? `; ${hint}` : ''}`,
    );
  }
  return app as App;
}
