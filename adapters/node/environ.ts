/**
 * Incoming (Node ⇒ tsgi): an `IncomingMessage` as environ (SPEC §2, §6).
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import {
  addHeader,
  createEnviron,
  createInput,
  decodePath,
  type Environ,
  hostParts,
  type InputSource,
  splitHost,
  type WsgiErrors,
} from '../../src/index.js';

/** What {@link requestEnviron} needs besides the request itself. */
export interface NodeEnvironOptions {
  /** The body the app reads (the request, or a wrapper that enforces a size limit). */
  body: InputSource;
  errors?: WsgiErrors;
}

/**
 * Why the request's Host header cannot be used, or undefined when it can: RFC 9112 §3.2 has a
 * server answer 400 to more than one Host line or an invalid one (environ would otherwise take
 * its server name from one and HTTP_HOST from both).
 *
 * @example
 * ```ts
 * hostProblem(req); // 'more than one Host header' for `Host: a` and `Host: b`
 * ```
 */
export function hostProblem(req: IncomingMessage): string | undefined {
  let count = 0;
  let value = '';
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') {
      count++;
      value = raw[i + 1]!;
    }
  }
  if (count > 1) return 'more than one Host header';
  const parts = hostParts(value);
  const port = parts?.[1] ?? '';
  if (parts === undefined || port.length > 5 || Number(port) > 65535) {
    return `the Host header ${JSON.stringify(value.slice(0, 100))} is not a host`;
  }
  return undefined;
}

/**
 * The Content-Length header as a number, or undefined when absent or not a plain number (Node's
 * parser has already refused a malformed one with 400).
 *
 * @example
 * ```ts
 * if ((declaredLength(req) ?? 0) > limit) refuse(req, res);
 * ```
 */
export function declaredLength(req: IncomingMessage): number | undefined {
  const value = req.headers['content-length'];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * Builds environ from a Node request. REMOTE_ADDR is the socket's peer: a local server has no
 * proxy in front of it whose X-Forwarded-For could be trusted. CONTENT_LENGTH is the header,
 * whose framing Node's HTTP parser enforces.
 */
export function requestEnviron(req: IncomingMessage, options: NodeEnvironOptions): Environ {
  const socket = req.socket;
  const scheme = (socket as TLSSocket).encrypted ? 'https' : 'http';
  // A fragment is the client's own (RFC 9112 §3.2: no `#` in a request-target); one sent anyway
  // is dropped, as the fetch adapter's URL parser drops it, so `/p#x` never reads as `/p%23x`.
  const target = req.url ?? '/';
  const hash = target.indexOf('#');
  const url = hash === -1 ? target : target.slice(0, hash);
  const mark = url.indexOf('?');
  const rawPath = mark === -1 ? url : url.slice(0, mark);
  // An absolute-form target (`GET http://host/path`, as sent to proxies) names the host itself,
  // and RFC 9112 §3.2.2 has it win over the Host header.
  const absolute = rawPath.startsWith('/') ? undefined : parseTarget(rawPath);
  const local = socket.localAddress ?? '127.0.0.1';
  // An IPv6 address is bracketed as in a Host header, so that SERVER_NAME is one either way.
  const host =
    absolute?.host ||
    req.headers.host ||
    `${local.includes(':') ? `[${local}]` : local}:${socket.localPort}`;
  // SPEC §2: REQUEST_URI is a path and query; an absolute-form target's scheme and host are not.
  const pathSent = absolute ? pathAsSent(rawPath) : rawPath;
  const forwardedPort = req.headers['x-forwarded-port'];
  const [serverName, serverPort] = splitHost(
    host,
    absolute ? (absolute.protocol === 'https:' ? 'https' : 'http') : scheme,
    // SPEC §2: Host's port, else X-Forwarded-Port (Node joins repeats, which splitHost refuses).
    typeof forwardedPort === 'string' ? forwardedPort : undefined,
  );
  const contentLength = declaredLength(req);
  const environ = createEnviron({
    method: req.method ?? 'GET',
    scheme,
    serverName,
    serverPort,
    pathInfo: decodePath(pathSent.startsWith('/') ? pathSent : `/${pathSent}`),
    queryString: mark === -1 ? '' : url.slice(mark + 1),
    requestUri: absolute ? pathSent + url.slice(rawPath.length) : url,
    protocol: `HTTP/${req.httpVersion}`,
    input: createInput(options.body, contentLength),
    remoteAddr: socket.remoteAddress,
    multithread: true,
    multiprocess: false,
    ...(options.errors !== undefined && { errors: options.errors }),
    ...(contentLength !== undefined && { contentLength }),
  });
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) addHeader(environ, raw[i]!, raw[i + 1]!);
  // Host is ignored for an absolute-form target, so what reads HTTP_HOST sees the same host.
  if (absolute?.host) environ.HTTP_HOST = absolute.host;
  return environ;
}

/**
 * The path of an absolute-form target as the client wrote it. The URL parser would resolve
 * `/static/%2e%2e/admin` to `/admin` and turn `\` into `/`, which the same path in origin form
 * does not get: a router must see one path either way.
 */
function pathAsSent(target: string): string {
  const authority = target.indexOf('://');
  const slash = authority === -1 ? -1 : target.indexOf('/', authority + 3);
  return slash === -1 ? '/' : target.slice(slash);
}

function parseTarget(target: string): URL | undefined {
  try {
    return new URL(target);
  } catch {
    return undefined; // `*` (OPTIONS *) and the like
  }
}
