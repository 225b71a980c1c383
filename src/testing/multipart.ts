import { utf8 } from '../core/bytes.js';

/** One form field's value: text, or a file (a `File` keeps its name; a plain `Blob` is `blob`). */
export type FormValue = string | Blob;

/** Form fields by name; an array sends the name once per value, in order. */
export type FormFields = Record<string, FormValue | readonly FormValue[]>;

/** Each field's name and values, in order. */
function* entries(fields: FormFields): Generator<[string, FormValue]> {
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string' || value instanceof Blob) yield [name, value];
    else for (const item of value) yield [name, item];
  }
}

/** True when a field holds a file, so the form must go as multipart/form-data. */
export function hasFiles(fields: FormFields): boolean {
  for (const [, value] of entries(fields)) if (value instanceof Blob) return true;
  return false;
}

/** Every line ending as CRLF, as HTML's form encoding does to names and text values. */
function crlf(text: string): string {
  return text.replace(/\r\n|\r|\n/g, '\r\n');
}

/** A name in a Content-Disposition parameter, escaped as browsers do (HTML's form encoding). */
function quote(text: string): string {
  return text.replaceAll('"', '%22').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/**
 * A form with files as a multipart/form-data body, the way browsers and `FormData` send it: its
 * Content-Type (with the boundary), its exact length, and its bytes, read from the files only
 * when the app reads the body.
 */
export function encodeMultipart(fields: FormFields): {
  contentType: string;
  length: number;
  body: AsyncIterable<Uint8Array>;
} {
  const boundary = `----tsgiFormBoundary${crypto.randomUUID().replaceAll('-', '')}`;
  const parts: [head: Uint8Array, value: Uint8Array | Blob][] = [];
  let length = 0;
  for (const [name, value] of entries(fields)) {
    let disposition = `form-data; name="${quote(crlf(name))}"`;
    let type = '';
    if (value instanceof Blob) {
      const filename = typeof (value as File).name === 'string' ? (value as File).name : 'blob';
      disposition += `; filename="${quote(filename)}"`;
      type = `\r\nContent-Type: ${value.type || 'application/octet-stream'}`;
    }
    const head = utf8(`--${boundary}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`);
    const content = typeof value === 'string' ? utf8(crlf(value)) : value;
    parts.push([head, content]);
    length += head.byteLength + (content instanceof Blob ? content.size : content.byteLength) + 2;
  }
  const end = utf8(`--${boundary}--\r\n`);
  length += end.byteLength;
  const lineEnd = utf8('\r\n');
  async function* body(): AsyncGenerator<Uint8Array> {
    for (const [head, content] of parts) {
      yield head;
      yield content instanceof Blob ? new Uint8Array(await content.arrayBuffer()) : content;
      yield lineEnd;
    }
    yield end;
  }
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length,
    body: { [Symbol.asyncIterator]: body },
  };
}
