/**
 * Request body parsers for forms: `application/x-www-form-urlencoded` and `multipart/form-data`
 * (RFC 7578). Both work on bytes already read under the request's limits.
 */
import { fromUtf8, utf8 } from '../core/bytes.js';
import { BadRequest, RequestEntityTooLarge } from './exceptions.js';
import { MultiDict } from './multidict.js';

/** Limits on a form, beyond the body's own size limit. */
export interface FormLimits {
  /** Largest non-file field (and whole urlencoded body), in bytes. */
  maxFormMemorySize: number;
  /** Most parts in a multipart body. */
  maxFormParts: number;
}

/**
 * A file from a multipart form, held in memory.
 *
 * @example
 * ```ts
 * const avatar = (await request.files()).get('avatar');
 * if (avatar) save(avatar.filename, avatar.data);
 * ```
 */
export class UploadedFile {
  /** The form field's name. */
  readonly name: string;
  /** The client's file name (may be empty); never use it as a path without cleaning it. */
  readonly filename: string;
  /** The part's Content-Type, `application/octet-stream` when it gave none. */
  readonly contentType: string;
  /** The part's headers, lower-case names. */
  readonly headers: Map<string, string>;
  /** The bytes, exactly as sent. */
  readonly data: Uint8Array;

  constructor(
    name: string,
    filename: string,
    contentType: string,
    headers: Map<string, string>,
    data: Uint8Array,
  ) {
    this.name = name;
    this.filename = filename;
    this.contentType = contentType;
    this.headers = headers;
    this.data = data;
  }

  get size(): number {
    return this.data.byteLength;
  }

  /** The bytes as UTF-8 text. */
  text(): string {
    return fromUtf8(this.data);
  }
}

/** Parses an urlencoded body (`+` is a space; repeats kept). */
export function parseUrlencoded(body: Uint8Array, limits: FormLimits): MultiDict<string> {
  if (body.byteLength > limits.maxFormMemorySize) {
    throw new RequestEntityTooLarge(
      `The form is ${body.byteLength} bytes, over the limit of ${limits.maxFormMemorySize}.`,
    );
  }
  return new MultiDict(new URLSearchParams(fromUtf8(body)));
}

/** The boundary parameter of a multipart Content-Type. */
export function multipartBoundary(contentType: string): string {
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) {
    throw new BadRequest('The multipart/form-data body has no valid boundary parameter.');
  }
  return boundary;
}

/** The index of `needle` in `haystack` from `from`, or -1. */
function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  const last = haystack.byteLength - needle.byteLength;
  for (
    let i = haystack.indexOf(first, from);
    i !== -1 && i <= last;
    i = haystack.indexOf(first, i + 1)
  ) {
    let j = 1;
    while (j < needle.byteLength && haystack[i + j] === needle[j]) j++;
    if (j === needle.byteLength) return i;
  }
  return -1;
}

/**
 * The content of a quoted parameter value. Browsers, fetch's FormData, curl (since 7.81) and
 * urllib3 follow the HTML standard: `"`, CR and LF as `%22`, `%0D`, `%0A`, and a backslash as it
 * is. Older clients send RFC 9110's `\"` for a quote, which cannot be a browser's (its quotes are
 * `%22`), so that is undone too; `\\` is not, since from a browser it is two backslashes.
 */
function unquoteParam(quoted: string): string {
  return quoted
    .slice(1, -1)
    .replace(/\\"|%(22|0D|0A)/gi, (code) => (code === '\\"' ? '"' : decodeURIComponent(code)));
}

/** Parameters of a part's Content-Disposition: `form-data; name="a"; filename*=UTF-8''b`. */
function headerParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  // A quoted string must end the parameter: `name="a\"; filename="b"` is a browser's `a\`.
  // Read with quoted-pairs first, then as a browser writes it (a backslash is itself).
  const pattern =
    /;\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"(?=\s*(?:;|$))|"[^"]*"(?=\s*(?:;|$))|[^;]*)/g;
  for (let match = pattern.exec(value); match; match = pattern.exec(value)) {
    const key = match[1]!.toLowerCase();
    let raw = match[2]!.trim();
    if (raw.startsWith('"')) raw = unquoteParam(raw);
    if (key.endsWith('*')) {
      // RFC 5987 extended value: charset'lang'percent-encoded
      const ext = /^([^']*)'[^']*'(.*)$/.exec(raw);
      try {
        if (ext) params.set(key.slice(0, -1), decodeURIComponent(ext[2]!));
      } catch {}
      continue;
    }
    if (!params.has(key)) params.set(key, raw);
  }
  return params;
}

const CRLF = utf8('\r\n');
const HEADER_END = utf8('\r\n\r\n');

/**
 * Parses a multipart/form-data body into fields and files. A malformed body is a 400 with the
 * reason; too many parts or an oversized field a 413.
 */
export function parseMultipart(
  body: Uint8Array,
  boundary: string,
  limits: FormLimits,
): { form: MultiDict<string>; files: MultiDict<UploadedFile> } {
  const form = new MultiDict<string>();
  const files = new MultiDict<UploadedFile>();
  const delimiter = utf8(`--${boundary}`);
  const nextDelimiter = utf8(`\r\n--${boundary}`);
  let pos = indexOfBytes(body, delimiter, 0);
  if (pos === -1) throw new BadRequest('The multipart body does not contain its boundary.');
  let parts = 0;
  for (;;) {
    pos += delimiter.byteLength;
    if (body[pos] === 45 && body[pos + 1] === 45) break; // "--": the closing delimiter
    while (body[pos] === 32 || body[pos] === 9) pos++; // transport padding
    if (body[pos] !== 13 || body[pos + 1] !== 10) {
      throw new BadRequest('The multipart body has a boundary line that does not end in CRLF.');
    }
    pos += 2;
    if (++parts > limits.maxFormParts) {
      throw new RequestEntityTooLarge(`The form has more than ${limits.maxFormParts} parts.`);
    }
    let contentStart: number;
    const headers = new Map<string, string>();
    if (body[pos] === 13 && body[pos + 1] === 10) {
      contentStart = pos + 2;
    } else {
      const headerEnd = indexOfBytes(body, HEADER_END, pos);
      if (headerEnd === -1) throw new BadRequest('A multipart part has no end to its headers.');
      for (const line of fromUtf8(body.subarray(pos, headerEnd)).split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon <= 0) throw new BadRequest(`A multipart part has a bad header line: ${line}`);
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      contentStart = headerEnd + HEADER_END.byteLength;
    }
    const end = indexOfBytes(body, nextDelimiter, contentStart);
    if (end === -1) throw new BadRequest('The multipart body ends without a closing boundary.');
    const content = body.subarray(contentStart, end);
    pos = end + CRLF.byteLength;

    const disposition = headers.get('content-disposition') ?? '';
    if (!/^\s*form-data\s*(;|$)/i.test(disposition)) {
      throw new BadRequest('A multipart part lacks Content-Disposition: form-data.');
    }
    const params = headerParams(disposition);
    const name = params.get('name');
    if (name === undefined) throw new BadRequest('A multipart part has no field name.');
    const filename = params.get('filename');
    if (filename !== undefined) {
      const type = headers.get('content-type') || 'application/octet-stream';
      files.append(name, new UploadedFile(name, filename, type, headers, content.slice()));
    } else {
      if (content.byteLength > limits.maxFormMemorySize) {
        throw new RequestEntityTooLarge(
          `The form field ${JSON.stringify(name)} is over the limit of ${limits.maxFormMemorySize} bytes.`,
        );
      }
      form.append(name, fromUtf8(content));
    }
  }
  return { form, files };
}
