/**
 * The `--debug` error page, in the manner of werkzeug's debugger without its console: an app
 * error before the headers are sent becomes an HTML page with the error, the stack with its
 * source lines, and the request's environ.
 *
 * Security stance: the page shows source code and every environ value (cookies, tokens), so it
 * is served only to loopback clients that asked for a local host name; anyone else gets the
 * runner's generic 500. It is never on unless asked for.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type App,
  type AppIterable,
  type Chunk,
  describeError,
  type Environ,
  type StartResponse,
} from '../src/index.js';

/** Addresses of this machine: the only clients that may see source code and environ. */
export function isLoopback(address: unknown): boolean {
  if (typeof address !== 'string') return false;
  return address === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(address);
}

/**
 * True for a Host header naming this machine (`localhost`, `127.0.0.1:5000`, `[::1]`), or no Host
 * at all. A web page whose DNS name was rebound to 127.0.0.1 reaches a loopback server as a
 * loopback client, but its requests still carry its own name: werkzeug's debugger refuses those.
 */
export function isLocalHost(host: unknown): boolean {
  if (host === undefined) return true;
  if (typeof host !== 'string') return false;
  const name = host.toLowerCase().replace(/:\d+$/, '');
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '[::1]' ||
    /^127\.\d+\.\d+\.\d+$/.test(name)
  );
}

/** Whether a request may see source code and environ: from this machine, for this machine. */
export function mayShowDetails(remoteAddress: unknown, host: unknown): boolean {
  return isLoopback(remoteAddress) && isLocalHost(host);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** One stack frame with the file and line it points at. */
interface Frame {
  text: string;
  file?: string;
  line?: number;
}

const LOCATION = /\(?((?:file:\/\/)?\/[^()]*?):(\d+):(\d+)\)?$/;

/**
 * The frames of an error's stack. The stack text begins with the message, which may hold
 * anything the request put there (`at x (/etc/passwd:1:1)`): only lines after it are frames.
 */
function parseFrames(error: Error): Frame[] {
  const stack = error.stack ?? '';
  const header = error.message === '' ? error.name : `${error.name}: ${error.message}`;
  const lines = stack.startsWith(header)
    ? stack.slice(header.length).split('\n')
    : stack.split('\n').slice(String(error.message).split('\n').length);
  const frames: Frame[] = [];
  for (const raw of lines) {
    const text = raw.trim();
    if (!text.startsWith('at ')) continue;
    const match = LOCATION.exec(text);
    if (!match) {
      frames.push({ text });
      continue;
    }
    const location = match[1]!;
    const file = location.startsWith('file://') ? fileURLToPath(location) : location;
    frames.push({ text, file, line: Number(match[2]) });
  }
  return frames.slice(0, 30);
}

function sourceLines(file: string, line: number, cache: Map<string, string[] | null>): string {
  if (!cache.has(file)) {
    try {
      cache.set(file, readFileSync(file, 'utf8').split('\n'));
    } catch {
      cache.set(file, null);
    }
  }
  const lines = cache.get(file);
  if (!lines || line < 1 || line > lines.length) return '';
  const first = Math.max(1, line - 3);
  const last = Math.min(lines.length, line + 3);
  let out = '';
  for (let n = first; n <= last; n++) {
    const code = escapeHtml(lines[n - 1]!);
    const mark = n === line ? ' class="here"' : '';
    out += `<span${mark}><i>${n}</i>${code}</span>\n`;
  }
  return `<pre class="source">${out}</pre>`;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(String).join(', ')}]`;
  if (value === null || typeof value !== 'object') return String(value);
  return `[${value.constructor?.name ?? 'object'}]`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{color:#b00;font-size:1.4em}pre{background:#f6f6f6;padding:.6em;overflow:auto}
.frame{margin:.8em 0}.frame code{font-weight:600}.source span{display:block}
.source i{display:inline-block;width:3em;color:#999;font-style:normal}.here{background:#fdd}
table{border-collapse:collapse}td{border-top:1px solid #ddd;padding:.2em .6em;vertical-align:top;
font-family:monospace;word-break:break-all}td:first-child{white-space:nowrap;font-weight:600}`;

/** `String(value)`, or a stand-in for a value that cannot be made a string (no prototype). */
function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** The HTML page for an error in the request described by `environ`. */
export function renderDebugPage(error: unknown, environ: Environ): string {
  const title =
    error instanceof Error
      ? `${error.name}: ${error.message}`
      : `non-Error thrown: ${safeString(error)}`;
  const stack = error instanceof Error && error.stack ? error.stack : '';
  const cache = new Map<string, string[] | null>();
  const frames = (error instanceof Error ? parseFrames(error) : [])
    .map((frame) => {
      const source =
        frame.file && frame.line && !frame.file.includes('/node_modules/')
          ? sourceLines(frame.file, frame.line, cache)
          : '';
      return `<div class="frame"><code>${escapeHtml(frame.text)}</code>${source}</div>`;
    })
    .join('\n');
  const rows = Object.keys(environ)
    .sort()
    .map(
      (key) =>
        `<tr><td>${escapeHtml(key)}</td><td>${escapeHtml(describeValue(environ[key]))}</td></tr>`,
    )
    .join('\n');
  const request = `${environ.REQUEST_METHOD} ${environ.SCRIPT_NAME}${environ.PATH_INFO}`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<p>while answering <code>${escapeHtml(request)}</code>; the page is shown because tsgi runs with
<code>--debug</code>, and only to clients on this machine.</p>
<h2>Traceback</h2>
${frames || `<pre>${escapeHtml(stack || title)}</pre>`}
<h2>Environ</h2>
<table>${rows}</table>
</body></html>
`;
}

/** Runs the inner iterable, answering an error that comes before any body with the page. */
async function* guarded(
  result: AppIterable,
  environ: Environ,
  startResponse: StartResponse,
  state: { produced: boolean },
): AsyncGenerator<Chunk> {
  try {
    for await (const chunk of result as AsyncIterable<Chunk>) {
      if (chunk.length > 0) state.produced = true;
      yield chunk;
    }
  } catch (error) {
    if (state.produced) throw error;
    yield answer(error, environ, startResponse);
  } finally {
    await result.close?.();
  }
}

function answer(error: unknown, environ: Environ, startResponse: StartResponse): string {
  // The runner never sees this error, so it is logged here, as the runner would.
  const errors = environ['wsgi.errors'];
  errors.write(
    `tsgi: error in app for ${environ.REQUEST_METHOD} ${environ.PATH_INFO}: ${describeError(error)}\n`,
  );
  errors.flush();
  startResponse('500 Internal Server Error', [['Content-Type', 'text/html; charset=utf-8']], error);
  return renderDebugPage(error, environ);
}

/**
 * Wraps an app so an error it raises before sending any body becomes the debug page, for
 * loopback clients only.
 *
 * @example
 * ```ts
 * serve(debugPage(app), { port: 5000 });
 * ```
 */
export function debugPage(app: App): App {
  return async (environ, startResponse) => {
    if (!mayShowDetails(environ.REMOTE_ADDR, environ.HTTP_HOST)) return app(environ, startResponse);
    const state = { produced: false };
    const tracked: StartResponse = (status, headers, excInfo) => {
      const write = startResponse(status, headers, excInfo);
      return (chunk) => {
        if (chunk.length > 0) state.produced = true;
        write(chunk);
      };
    };
    let result: AppIterable;
    try {
      result = await app(environ, tracked);
    } catch (error) {
      return [answer(error, environ, startResponse)];
    }
    return guarded(result, environ, startResponse, state);
  };
}
