/**
 * The test client's cookie jar: keeps what Set-Cookie headers say and gives back the Cookie
 * header a browser would send, in the manner of werkzeug's test client. RFC 6265 in its simple
 * parts: expiry (Max-Age before Expires), Domain and Path scoping, replacement by name, domain
 * and path. Secure, HttpOnly and SameSite are kept but not enforced, so an app tested over
 * plain `http://localhost` still gets its Secure cookies back, as in werkzeug.
 */

/** One cookie in a {@link CookieJar}. */
export interface StoredCookie {
  readonly name: string;
  /** The value exactly as Set-Cookie gave it (quotes and escapes kept), as it is sent back. */
  readonly value: string;
  /** Lower-case host, without a leading dot. */
  readonly domain: string;
  /** True when Set-Cookie had no Domain: sent to that exact host only. */
  readonly hostOnly: boolean;
  readonly path: string;
  /** When it expires, in milliseconds since the epoch; undefined for a session cookie. */
  readonly expires: number | undefined;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly sameSite: string | undefined;
}

/** Where a cookie is looked up or set: `domain` default `localhost`, `path` default `/`. */
export interface CookieScope {
  domain?: string;
  path?: string;
}

/** RFC 6265 §5.1.4 default-path: the request path up to its last `/`, or `/`. */
function defaultPath(requestPath: string): string {
  if (!requestPath.startsWith('/')) return '/';
  const last = requestPath.lastIndexOf('/');
  return last <= 0 ? '/' : requestPath.slice(0, last);
}

/** RFC 6265 §5.1.4 path-match. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/**
 * RFC 6265 §5.1.3 domain-match (no public-suffix list: a test client needs none). An IP address
 * matches only itself: `Domain=0.0.1` set by 127.0.0.1 must not reach 10.0.0.1.
 */
function domainMatches(host: string, domain: string): boolean {
  return host === domain || (!isIpAddress(host) && host.endsWith(`.${domain}`));
}

function isIpAddress(host: string): boolean {
  return /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) || host.includes(':') || host.startsWith('[');
}

/**
 * Cookies by name, domain and path, as a browser keeps them.
 *
 * @example
 * ```ts
 * const jar = new CookieJar();
 * jar.store(['sid=abc; Path=/; HttpOnly'], 'localhost', '/login');
 * jar.cookieHeader('localhost', '/me'); // 'sid=abc'
 * jar.get('sid');                       // 'abc'
 * ```
 */
export class CookieJar {
  #cookies: StoredCookie[] = [];

  /**
   * Stores the Set-Cookie header values of a response to a request for `host` and `path` (the
   * raw URL path). Max-Age of 0 or less, or an Expires in the past, deletes the cookie. A cookie
   * whose Domain does not cover `host` is ignored, as a browser ignores it.
   */
  store(setCookies: Iterable<string>, host: string, path: string, now = Date.now()): void {
    const requestHost = host.toLowerCase();
    for (const header of setCookies) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq === -1) continue;
      const name = pair.slice(0, eq).trim();
      if (name === '') continue;
      const value = pair.slice(eq + 1).trim();
      let domain: string | undefined;
      let cookiePath: string | undefined;
      let maxAge: number | undefined;
      let expires: number | undefined;
      let secure = false;
      let httpOnly = false;
      let sameSite: string | undefined;
      for (const attribute of attributes) {
        const sep = attribute.indexOf('=');
        const key = (sep === -1 ? attribute : attribute.slice(0, sep)).trim().toLowerCase();
        const text = sep === -1 ? '' : attribute.slice(sep + 1).trim();
        if (key === 'domain' && text !== '') domain = text.replace(/^\./, '').toLowerCase();
        else if (key === 'path' && text.startsWith('/')) cookiePath = text;
        else if (key === 'max-age' && /^-?\d+$/.test(text)) maxAge = Number(text);
        else if (key === 'expires' && !Number.isNaN(Date.parse(text))) expires = Date.parse(text);
        else if (key === 'secure') secure = true;
        else if (key === 'httponly') httpOnly = true;
        else if (key === 'samesite') sameSite = text;
      }
      if (domain !== undefined && !domainMatches(requestHost, domain)) continue;
      // Max-Age wins over Expires (RFC 6265 §5.3 step 3).
      const expiry = maxAge !== undefined ? now + maxAge * 1000 : expires;
      const cookie: StoredCookie = {
        name,
        value,
        domain: domain ?? requestHost,
        hostOnly: domain === undefined,
        path: cookiePath ?? defaultPath(path),
        expires: expiry,
        secure,
        httpOnly,
        sameSite,
      };
      this.#remove(cookie.name, cookie.domain, cookie.path);
      if (expiry === undefined || expiry > now) this.#cookies.push(cookie);
    }
  }

  /**
   * The Cookie header for a request to `host` and `path`, or undefined when no cookie applies.
   * Longer paths come first, then older cookies, as browsers order them.
   */
  cookieHeader(host: string, path: string, now = Date.now()): string | undefined {
    this.#cookies = this.#cookies.filter((c) => c.expires === undefined || c.expires > now);
    const requestHost = host.toLowerCase();
    const sent = this.#cookies
      .filter(
        (c) =>
          (c.hostOnly ? requestHost === c.domain : domainMatches(requestHost, c.domain)) &&
          pathMatches(path || '/', c.path),
      )
      .sort((a, b) => b.path.length - a.path.length);
    return sent.length === 0 ? undefined : sent.map((c) => `${c.name}=${c.value}`).join('; ');
  }

  /** The value of a cookie by name, as it is sent back (not unquoted or decoded). */
  get(name: string, scope: CookieScope = {}): string | undefined {
    return this.#find(name, scope)[0]?.value;
  }

  /** Puts a session cookie in the jar, as if a response had set it. */
  set(name: string, value: string, scope: CookieScope = {}): void {
    const domain = (scope.domain ?? 'localhost').toLowerCase();
    const path = scope.path ?? '/';
    this.#remove(name, domain, path);
    this.#cookies.push({
      name,
      value,
      domain,
      hostOnly: true,
      path,
      expires: undefined,
      secure: false,
      httpOnly: false,
      sameSite: undefined,
    });
  }

  /** Removes the cookies with this name (only those of the domain or path, when given). */
  delete(name: string, scope: CookieScope = {}): void {
    const gone = new Set(this.#find(name, scope));
    this.#cookies = this.#cookies.filter((c) => !gone.has(c));
  }

  clear(): void {
    this.#cookies = [];
  }

  /** Every cookie not yet expired, oldest first. */
  *[Symbol.iterator](): IterableIterator<StoredCookie> {
    const now = Date.now();
    for (const cookie of this.#cookies) {
      if (cookie.expires === undefined || cookie.expires > now) yield cookie;
    }
  }

  #find(name: string, scope: CookieScope): StoredCookie[] {
    const now = Date.now();
    const domain = scope.domain?.toLowerCase();
    return this.#cookies.filter(
      (c) =>
        c.name === name &&
        (c.expires === undefined || c.expires > now) &&
        (domain === undefined || c.domain === domain) &&
        (scope.path === undefined || c.path === scope.path),
    );
  }

  #remove(name: string, domain: string, path: string): void {
    this.#cookies = this.#cookies.filter(
      (c) => !(c.name === name && c.domain === domain && c.path === path),
    );
  }
}
