/**
 * Generated requests for the property tests: one model of "what the client sent", from which each
 * front end's wire shape (a Request, a Node request, a Lambda event) is built, and the environ the
 * app must see is derived from first principles, never from the adapter under test.
 */
import fc from 'fast-check';

/** Runs per property: 1,000 in `npm test`, more with TSGI_PROPERTY_RUNS=100000. */
export const RUNS = Number(process.env.TSGI_PROPERTY_RUNS ?? 1000);

/** A property's time limit: generous for a loaded machine, and growing with the runs. */
export const TIMEOUT = Math.max(120_000, RUNS * 30);

/** How the echo app reads `wsgi.input`, so every reading path is exercised. */
export type ReadStyle = 'read' | 'chunks' | 'fixed' | 'lines';

export interface Model {
  method: string;
  /** PATH_INFO as the app must see it (percent-decoded where the bytes are valid UTF-8). */
  pathInfo: string;
  /** The same path percent-encoded, as a client puts it on the wire. */
  rawPath: string;
  /** Query pairs as sent, still percent-encoded. Keys repeat. */
  query: [key: string, value: string][];
  /** Request headers (names from a fixed pool, spelled one way each; values may repeat). */
  headers: [name: string, value: string][];
  cookies: [name: string, value: string][];
  contentType: string | undefined;
  body: Uint8Array;
  /** Where the echo app cuts its response body into chunks (fractions of its length). */
  cuts: number[];
  readStyle: ReadStyle;
}

// ———— Paths ————

/** Characters a path may carry unencoded (RFC 3986 pchar minus `%`). */
const PCHAR = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]$/;
const PATH_CHARS = [
  'a',
  'Z',
  '0',
  '-',
  '.',
  '_',
  '~',
  ' ',
  '%',
  '/',
  '?',
  '#',
  '+',
  '&',
  '=',
  ';',
  ':',
  '@',
  '!',
  '$',
  "'",
  '(',
  '*',
  ',',
  '\\',
  '"',
  '<',
  '>',
  '`',
  '{',
  '|',
  '^',
  '[',
  'é',
  'ß',
  '中',
  '😀',
  '\u00a0',
];

function percent(bytes: Uint8Array, lower: boolean): string {
  let out = '';
  for (const byte of bytes) {
    const hex = byte.toString(16).padStart(2, '0');
    out += `%${lower ? hex : hex.toUpperCase()}`;
  }
  return out;
}

const encoder = new TextEncoder();

/** One piece of a segment: [raw on the wire, what PATH_INFO shows]. */
const pathPiece: fc.Arbitrary<[string, string]> = fc
  .oneof(
    { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...PATH_CHARS), fc.boolean(), fc.boolean()) },
    {
      weight: 1,
      // No piece starts with a continuation byte, so a truncated sequence stays invalid beside any other.
      arbitrary: fc.constantFrom('%FF', '%C3', '%E2%82', '%zz', '%ED%A0%80', '%C0%AF'),
    },
  )
  .map((piece): [string, string] => {
    if (typeof piece === 'string') return [piece, piece]; // stays as it is: not valid UTF-8
    const [char, encode, lower] = piece;
    if (PCHAR.test(char) && !encode) return [char, char];
    return [percent(encoder.encode(char), lower), char];
  });

/** A segment that a URL parser will not treat as a dot segment. */
const segment = fc
  .array(pathPiece, { maxLength: 6 })
  .filter((pieces) => {
    const shown = pieces.map(([, s]) => s).join('');
    const raw = pieces.map(([r]) => r).join('');
    const dots = raw.replace(/%2e/gi, '.');
    return shown !== '.' && shown !== '..' && dots !== '.' && dots !== '..';
  })
  .map((pieces): [string, string] => [
    pieces.map(([raw]) => raw).join(''),
    pieces.map(([, shown]) => shown).join(''),
  ]);

const path = fc.array(segment, { maxLength: 4 }).map((segments): [string, string] => {
  if (segments.length === 0) return ['/', '/'];
  return [
    segments.map(([raw]) => `/${raw}`).join(''),
    segments.map(([, shown]) => `/${shown}`).join(''),
  ];
});

// ———— Queries ————

/** Query text as sent: reserved characters raw, others escaped (incl. %2F, %25, %26, %3D). */
const queryText = fc
  .array(
    fc.constantFrom(
      'a',
      'b',
      'Z',
      '9',
      '-',
      '.',
      '_',
      '~',
      '!',
      '$',
      '(',
      ')',
      '*',
      '+',
      ',',
      ';',
      ':',
      '@',
      '/',
      '?',
      '%20',
      '%25',
      '%26',
      '%3D',
      '%2F',
      '%2B',
      '%23',
      '%C3%A9',
      '%e4%b8%ad',
      '%F0%9F%98%80',
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(''));

const queryPair = fc.tuple(fc.constantFrom('a', 'b', 'c%20d', 'k%2Fx', 'e%C3%A9', 'z'), queryText);

// ———— Headers, cookies, bodies ————

/** Header names, each spelled one way; `x-t-` so no front end's own headers collide. */
const HEADER_NAMES = ['x-t-a', 'X-T-Bee', 'x-t-Dup', 'X-T-Long-Name-0'];
const headerValue = fc
  .string({
    unit: fc.constantFrom('a', 'B', '0', ' ', '-', ',', ';', '=', '"', '/', '\t', '~', '%', ':'),
    maxLength: 12,
  })
  .map((value) => value.trim());

const cookieOctets = fc.string({
  unit: fc.constantFrom('a', 'Z', '0', '-', '.', '_', '!', '#', '$', '%', '&', "'", '(', '/', ':'),
  maxLength: 10,
});
const cookie = fc.tuple(fc.constantFrom('sid', 'a', 'B', 'pref_1'), cookieOctets);

const CONTENT_TYPES = [
  'application/octet-stream',
  'text/plain; charset=utf-8',
  'application/json',
  'image/png',
  'application/x-www-form-urlencoded',
];

const body = fc.oneof(
  { weight: 2, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 3, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 3000 }) },
  {
    weight: 3,
    arbitrary: fc.string({ unit: 'grapheme', maxLength: 300 }).map((text) => encoder.encode(text)),
  },
);

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND', 'PURGE'];
const BODILESS = new Set(['GET', 'HEAD']);

/** A whole request. GET and HEAD carry no body (a fetch Request cannot). */
export const model: fc.Arbitrary<Model> = fc
  .record({
    method: fc.constantFrom(...METHODS),
    path,
    query: fc.array(queryPair, { maxLength: 6 }),
    headers: fc.array(fc.tuple(fc.constantFrom(...HEADER_NAMES), headerValue), { maxLength: 6 }),
    cookies: fc.array(cookie, { maxLength: 4 }),
    contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
    body,
    cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
    readStyle: fc.constantFrom<ReadStyle>('read', 'chunks', 'fixed', 'lines'),
  })
  .map(
    ({ path: [rawPath, pathInfo], ...rest }): Model => ({
      ...rest,
      rawPath,
      pathInfo,
      body: BODILESS.has(rest.method) ? new Uint8Array(0) : rest.body,
    }),
  );

/** A plain request (GET / with nothing else) with any parts replaced. */
export function plainRequest(parts: Partial<Model> = {}): Model {
  return {
    method: 'GET',
    rawPath: '/',
    pathInfo: '/',
    query: [],
    headers: [],
    cookies: [],
    contentType: undefined,
    body: new Uint8Array(0),
    cuts: [],
    readStyle: 'read',
    ...parts,
  };
}

// ———— Expectations ————

export function rawQuery(m: Model): string {
  return m.query.map(([key, value]) => `${key}=${value}`).join('&');
}

export function cookieHeader(m: Model): string {
  return m.cookies.map(([name, value]) => `${name}=${value}`).join('; ');
}

/** Header values grouped by lower-cased name, in the order they were sent. */
export function headerGroups(headers: readonly [string, string][]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    const list = groups.get(key);
    if (list) list.push(value);
    else groups.set(key, [value]);
  }
  return groups;
}

/** The HTTP_X_T_* keys the app must see, with repeats joined by `join`. */
export function expectedTestHeaders(
  groups: Map<string, string[]>,
  join = ', ',
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of groups) {
    out[`HTTP_${name.toUpperCase().replaceAll('-', '_')}`] = values.join(join);
  }
  return out;
}

/** The HTTP_X_T_* keys of an environ snapshot. */
export function testHeadersOf(environ: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(environ)) {
    if (key.startsWith('HTTP_X_T_')) out[key] = value;
  }
  return out;
}

/** Parses a query into key → values without decoding (for front ends that rebuild it). */
export function groupQuery(query: string, decode = false): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (query === '') return out;
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    let key = eq === -1 ? pair : pair.slice(0, eq);
    let value = eq === -1 ? '' : pair.slice(eq + 1);
    if (decode) {
      key = decodeURIComponent(key);
      value = decodeURIComponent(value);
    }
    const list = Object.hasOwn(out, key) ? out[key]! : [];
    list.push(value);
    out[key] = list;
  }
  return out;
}

/** The response body the echo app produces for a model: its request body, HEAD aside. */
export function expectedBody(m: Model): Uint8Array {
  return m.method === 'HEAD' ? new Uint8Array(0) : m.body;
}

/** The Set-Cookie values the echo app sends back. */
export function expectedSetCookies(m: Model): string[] {
  return m.cookies.map(([name, value]) => `${name}=${value}; Path=/`);
}
