/**
 * sharedData: serves static files under URL prefixes, in front of an app (werkzeug's
 * `SharedDataMiddleware`).
 *
 * Security stance: it never serves outside an export's root. PATH_INFO is already
 * percent-decoded, so `%2e%2e` and `%2f` arrive as `..` and `/` and are judged as such; any
 * path with an empty, `.` or `..` segment, a backslash, a colon or a NUL is not looked up at all
 * (the request goes on to the app). The filesystem loader also refuses symlinks whose real path
 * leaves the root. Only GET and HEAD are served; every other method goes to the app.
 */
import { streamChunks } from '../core/bytes.js';
import type { App, Chunk, Environ, Header, StartResponse } from '../core/types.js';
import { fsLoader } from './fs-loader.js';
import type { Loader, StaticFile } from './static-files.js';

/** Options for {@link sharedData}. */
export interface SharedDataOptions {
  /** Seconds clients may cache a file (`Cache-Control: public, max-age=N`). Default 43200 (12 h). */
  maxAge?: number;
  /**
   * Extra or overriding types by extension, matched ignoring case:
   * `{ '.webmanifest': 'application/manifest+json' }`.
   */
  mimetypes?: Record<string, string>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/vnd.microsoft.icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.pdf': 'application/pdf',
  '.wasm': 'application/wasm',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.webmanifest': 'application/manifest+json',
};

const UNSAFE_SEGMENT = /[\\:\0]/;

/** The relative path to look up, or null when the request path is not a safe one. */
export function safeRelativePath(relative: string): string | null {
  if (relative === '' || UNSAFE_SEGMENT.test(relative)) return null;
  for (const segment of relative.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') return null;
  }
  return relative;
}

function guessType(path: string, extra: Record<string, string> | undefined): string {
  const dot = path.lastIndexOf('.');
  const ext = dot > path.lastIndexOf('/') ? path.slice(dot).toLowerCase() : '';
  const type = extra?.[ext] ?? TYPES[ext] ?? 'application/octet-stream';
  // A configured type that names its charset keeps it: two charset parameters are an error.
  return type.startsWith('text/') && !/;\s*charset=/i.test(type) ? `${type}; charset=utf-8` : type;
}

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '(\\d\\d):(\\d\\d):(\\d\\d)';
/** RFC 9110 §5.6.7: IMF-fixdate, the obsolete RFC 850 form, and asctime; all three in GMT. */
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d\\d) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC_850 = new RegExp(
  `^(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, (\\d\\d)-${MONTH}-(\\d\\d) ${TIME} GMT$`,
);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

/**
 * The time an HTTP-date stands for, in milliseconds; `undefined` for anything else. Stricter
 * than `Date.parse`, which takes `2030` or `1/1/2030` and reads asctime as local time: RFC 9110
 * §13.1.3 has an If-Modified-Since that is not an HTTP-date ignored.
 */
export function parseHttpDate(text: string): number | undefined {
  const parts = dateParts(text);
  if (parts === undefined) return undefined;
  const [year, month, day, hours, minutes, seconds] = parts;
  if (hours > 23 || minutes > 59 || seconds > 60) return undefined;
  const date = new Date(Date.UTC(2000, month, day, hours, minutes, seconds));
  date.setUTCFullYear(year, month, day); // Date.UTC would read years 0-99 as 1900-1999
  // `31 Feb` would roll over into March: not a date.
  return date.getUTCMonth() === month && date.getUTCDate() === day ? date.getTime() : undefined;
}

type DateParts = [year: number, month: number, day: number, h: number, m: number, s: number];

function dateParts(text: string): DateParts | undefined {
  const month = (name: string | undefined) => MONTHS.indexOf(name ?? '') / 3;
  const fixdate = IMF_FIXDATE.exec(text);
  if (fixdate) {
    const [, day, name, year, h, m, s] = fixdate;
    return [Number(year), month(name), Number(day), Number(h), Number(m), Number(s)];
  }
  const old = RFC_850.exec(text);
  if (old) {
    const [, day, name, twoDigits, h, m, s] = old;
    // A two-digit year more than 50 years ahead is the most recent past one (RFC 9110 §5.6.7).
    const now = new Date().getUTCFullYear();
    let year = now - (now % 100) + Number(twoDigits);
    if (year > now + 50) year -= 100;
    return [year, month(name), Number(day), Number(h), Number(m), Number(s)];
  }
  const asctime = ASCTIME.exec(text);
  if (asctime) {
    const [, name, day, h, m, s, year] = asctime;
    return [Number(year), month(name), Number(day), Number(h), Number(m), Number(s)];
  }
  return undefined;
}

/** `W/"x"` and `"x"` are the same for If-None-Match (weak comparison, RFC 9110 §13.1.2). */
function opaque(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}

function notModified(environ: Environ, file: StaticFile): boolean {
  const noneMatch = environ.HTTP_IF_NONE_MATCH;
  if (noneMatch !== undefined) {
    // `*` matches any current representation, with or without an ETag (RFC 9110 §13.1.2).
    if (noneMatch.trim() === '*') return true;
    if (file.etag === undefined) return false;
    const tag = opaque(file.etag);
    return noneMatch.split(',').some((candidate) => opaque(candidate) === tag);
  }
  const since = environ.HTTP_IF_MODIFIED_SINCE;
  if (since === undefined || file.mtime === undefined) return false;
  const date = parseHttpDate(since);
  if (date === undefined) return false;
  return Math.floor(file.mtime.getTime() / 1000) <= Math.floor(date / 1000);
}

function serve(
  file: StaticFile,
  path: string,
  environ: Environ,
  startResponse: StartResponse,
  options: SharedDataOptions,
): Iterable<Chunk> | AsyncIterable<Chunk> {
  const validators: Header[] = [];
  if (file.etag !== undefined) validators.push(['ETag', file.etag]);
  if (file.mtime !== undefined) validators.push(['Last-Modified', file.mtime.toUTCString()]);
  validators.push(['Cache-Control', `public, max-age=${options.maxAge ?? 43200}`]);
  if (notModified(environ, file)) {
    file.discard?.();
    startResponse('304 Not Modified', validators);
    return [];
  }
  const headers: Header[] = [
    ['Content-Type', file.contentType ?? guessType(path, options.mimetypes)],
  ];
  if (file.size !== undefined) headers.push(['Content-Length', String(file.size)]);
  startResponse('200 OK', [...headers, ...validators]);
  if (environ.REQUEST_METHOD === 'HEAD') {
    file.discard?.();
    return [];
  }
  if (file.body instanceof Uint8Array) return [file.body];
  const body = file.body();
  return typeof (body as ReadableStream).getReader === 'function'
    ? streamChunks(body as ReadableStream<Uint8Array>)
    : (body as AsyncIterable<Uint8Array>);
}

/**
 * Serves files under URL prefixes and passes every other request to `app`. Each export is a
 * directory (read with {@link fsLoader}) or any {@link Loader}: {@link memoryLoader} for files
 * in memory, {@link assetsLoader} for a Workers assets binding. Files get Content-Type,
 * Content-Length, ETag, Last-Modified and Cache-Control, and conditional requests get a 304.
 *
 * @example
 * ```ts
 * app.wsgiApp = sharedData(app.wsgiApp, {
 *   '/static': '/srv/site/static',
 *   '/docs': memoryLoader({ 'index.html': '<h1>Docs</h1>' }),
 * });
 * ```
 */
export function sharedData(
  app: App,
  exports: Record<string, string | Loader>,
  options: SharedDataOptions = {},
): App {
  const mounts = Object.entries(exports)
    .map(([prefix, target]) => {
      if (!prefix.startsWith('/')) {
        throw new TypeError(`sharedData: the prefix ${JSON.stringify(prefix)} must start with "/"`);
      }
      const loader = typeof target === 'string' ? fsLoader(target) : target;
      if (typeof loader !== 'function') {
        throw new TypeError(`sharedData: the export for ${prefix} must be a directory or a loader`);
      }
      return { prefix: prefix.replace(/\/+$/, ''), loader };
    })
    .sort((a, b) => b.prefix.length - a.prefix.length);
  // Extensions are looked up lower-cased, so the option's keys are too.
  const served: SharedDataOptions = {
    ...options,
    ...(options.mimetypes && {
      mimetypes: Object.fromEntries(
        Object.entries(options.mimetypes).map(([ext, type]) => [ext.toLowerCase(), type]),
      ),
    }),
  };

  return async (environ, startResponse) => {
    const method = environ.REQUEST_METHOD;
    if (method === 'GET' || method === 'HEAD') {
      const path = environ.PATH_INFO;
      for (const { prefix, loader } of mounts) {
        if (!path.startsWith(`${prefix}/`)) continue;
        const relative = safeRelativePath(path.slice(prefix.length + 1));
        if (relative === null) break;
        const file = await loader(relative);
        if (file !== null) return serve(file, relative, environ, startResponse, served);
      }
    }
    return app(environ, startResponse);
  };
}
