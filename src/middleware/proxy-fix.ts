/**
 * proxyFix: trusts `X-Forwarded-*` headers from a known number of proxies in front of the app
 * (werkzeug's `ProxyFix`).
 *
 * Security stance: each header is trusted for exactly the configured number of hops and no
 * more. Proxies append to `X-Forwarded-For`, so with `for: 1` only the right-most entry (the one
 * your own proxy wrote) is used; anything a client put further left is ignored. A header with
 * fewer values than hops configured is ignored entirely, as is a value that does not look like
 * what it claims to be (a scheme other than http/https, a host with spaces or slashes, a port
 * outside 1-65535, a prefix that does not start with exactly one `/` or holds control characters
 * once decoded). Use it only behind proxies that always set these headers, or clients can forge
 * them.
 */
import { decodePath, isPort, splitHost } from '../core/environ.js';
import type { App, Environ } from '../core/types.js';

/** How many proxies to trust for each header; 0 ignores that header. */
export interface ProxyFixOptions {
  /** X-Forwarded-For → REMOTE_ADDR. Default 1. */
  for?: number;
  /** X-Forwarded-Proto → wsgi.url_scheme. Default 1. */
  proto?: number;
  /** X-Forwarded-Host → HTTP_HOST, SERVER_NAME, SERVER_PORT. Default 0. */
  host?: number;
  /** X-Forwarded-Port → SERVER_PORT and the port in HTTP_HOST. Default 0. */
  port?: number;
  /** X-Forwarded-Prefix → SCRIPT_NAME. Default 0. */
  prefix?: number;
}

/** The environ values proxyFix replaced, kept under `environ['tsgi.proxy_fix.orig']`. */
export interface ProxyFixOriginals {
  REMOTE_ADDR: string | undefined;
  'wsgi.url_scheme': 'http' | 'https';
  HTTP_HOST: string | undefined;
  SERVER_NAME: string;
  SERVER_PORT: string;
  SCRIPT_NAME: string;
}

const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/;
/** C0 controls and DEL. */
const CONTROL = /[\0-\x1f\x7f]/;
const ADDRESS = /^[0-9A-Fa-f:.[\]%A-Za-z_-]+$/;

/** The value `trusted` hops from the right of a comma-separated header, if there are that many. */
function fromRight(value: string | undefined, trusted: number): string | undefined {
  if (trusted === 0 || value === undefined) return undefined;
  const values = value.split(',').map((item) => item.trim());
  if (values.length < trusted) return undefined;
  const picked = values[values.length - trusted];
  return picked === '' ? undefined : picked;
}

/**
 * The address in an X-Forwarded-For entry, without the port some proxies add:
 * `203.0.113.7:4711` → `203.0.113.7`, `[2001:db8::1]:4711` → `2001:db8::1`. A bare IPv6
 * address has several colons and no port.
 */
function withoutPort(entry: string): string {
  if (entry.startsWith('[')) {
    const end = entry.indexOf(']');
    return end === -1 ? entry : entry.slice(1, end);
  }
  const colon = entry.indexOf(':');
  return colon !== -1 && colon === entry.lastIndexOf(':') ? entry.slice(0, colon) : entry;
}

const DEFAULT_PORT = { http: '80', https: '443' } as const;

/** True when a Host value names its port (`example.com:8080`, `[::1]:80`). */
function namesPort(host: string): boolean {
  return splitHost(host, 'http')[1] === splitHost(host, 'https')[1];
}

/** A host name or address, with a port of 1 to 65535 if any. */
function isHost(text: string): boolean {
  const match = HOST.exec(text);
  return match !== null && (match[1] === undefined || isPort(match[1]));
}

/**
 * SCRIPT_NAME from an X-Forwarded-Prefix, or undefined for one that is not a plain path: a raw
 * `?` or `#`, control characters once decoded, or a start other than a single `/` (`//host` in
 * a redirect's Location is another site).
 */
function scriptName(prefix: string | undefined): string | undefined {
  if (prefix === undefined || /[?#]/.test(prefix)) return undefined;
  const decoded = decodePath(prefix);
  if (!/^\/(?!\/)/.test(decoded) || CONTROL.test(decoded)) return undefined;
  return decoded.replace(/\/+$/, '');
}

function count(options: ProxyFixOptions, key: keyof ProxyFixOptions, fallback: number): number {
  const value = options[key] ?? fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new TypeError(`proxyFix: ${key} must be a number of proxies (0 or more), got ${value}`);
  }
  return value;
}

/**
 * Wraps an app so environ reflects what the client sent to the first trusted proxy.
 *
 * @example
 * ```ts
 * // Behind one load balancer that sets X-Forwarded-For, -Proto and -Host:
 * app.wsgiApp = proxyFix(app.wsgiApp, { for: 1, proto: 1, host: 1 });
 * ```
 */
export function proxyFix(app: App, options: ProxyFixOptions = {}): App {
  const trust = {
    for: count(options, 'for', 1),
    proto: count(options, 'proto', 1),
    host: count(options, 'host', 0),
    port: count(options, 'port', 0),
    prefix: count(options, 'prefix', 0),
  };
  return (environ: Environ, startResponse) => {
    const originals: ProxyFixOriginals = {
      REMOTE_ADDR: environ.REMOTE_ADDR,
      'wsgi.url_scheme': environ['wsgi.url_scheme'],
      HTTP_HOST: environ.HTTP_HOST,
      SERVER_NAME: environ.SERVER_NAME,
      SERVER_PORT: environ.SERVER_PORT,
      SCRIPT_NAME: environ.SCRIPT_NAME,
    };
    environ['tsgi.proxy_fix.orig'] = originals;

    const forwardedFor = fromRight(environ.HTTP_X_FORWARDED_FOR, trust.for);
    const address = forwardedFor === undefined ? undefined : withoutPort(forwardedFor);
    if (address !== undefined && ADDRESS.test(address)) environ.REMOTE_ADDR = address;

    const proto = fromRight(environ.HTTP_X_FORWARDED_PROTO, trust.proto)?.toLowerCase();
    const scheme = environ['wsgi.url_scheme'];
    if ((proto === 'http' || proto === 'https') && proto !== scheme) {
      environ['wsgi.url_scheme'] = proto;
      // A port that was only the old scheme's default becomes the new one's (SPEC §2).
      const host = environ.HTTP_HOST;
      if (
        environ.SERVER_PORT === DEFAULT_PORT[scheme] &&
        (host === undefined || !namesPort(host))
      ) {
        environ.SERVER_PORT = DEFAULT_PORT[proto];
      }
    }

    const host = fromRight(environ.HTTP_X_FORWARDED_HOST, trust.host);
    if (host !== undefined && isHost(host)) {
      environ.HTTP_HOST = host;
      const [name, port] = splitHost(host, environ['wsgi.url_scheme']);
      environ.SERVER_NAME = name;
      environ.SERVER_PORT = port;
    }

    const port = fromRight(environ.HTTP_X_FORWARDED_PORT, trust.port);
    if (port !== undefined && isPort(port)) {
      const current = environ.HTTP_HOST ?? environ.SERVER_NAME;
      const [name] = splitHost(current, environ['wsgi.url_scheme']);
      const bare = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
      // No client writes the scheme's own port in Host, and URLs built from it should not either.
      const scheme = environ['wsgi.url_scheme'];
      environ.HTTP_HOST = port === DEFAULT_PORT[scheme] ? bare : `${bare}:${port}`;
      environ.SERVER_PORT = port;
    }

    const prefix = scriptName(fromRight(environ.HTTP_X_FORWARDED_PREFIX, trust.prefix));
    if (prefix !== undefined) environ.SCRIPT_NAME = prefix;
    return app(environ, startResponse);
  };
}
