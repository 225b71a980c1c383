import { describe, expect, it } from 'vitest';
import { BadRequest, Request, RequestEntityTooLarge } from '../../src/index.js';
import { buildEnviron } from '../../src/testing/index.js';

const encoder = new TextEncoder();

function multipart(parts: (string | Uint8Array)[]): Uint8Array {
  const chunks = parts.map((part) => (typeof part === 'string' ? encoder.encode(part) : part));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function request(body: Uint8Array, boundary = 'XyZ', limits = {}): Request {
  return new Request(
    buildEnviron({
      method: 'POST',
      body,
      contentType: `multipart/form-data; boundary=${boundary}`,
    }),
    limits,
  );
}

describe('multipart/form-data', () => {
  it('parses fields and files, binary files byte for byte', async () => {
    const binary = new Uint8Array(256).map((_, i) => i);
    const body = multipart([
      'preamble to ignore\r\n',
      '--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nHello, wörld\r\n',
      '--XyZ\r\nContent-Disposition: form-data; name="tag"\r\n\r\na\r\n',
      '--XyZ\r\nContent-Disposition: form-data; name="tag"\r\n\r\nb\r\n',
      '--XyZ\r\nContent-Disposition: form-data; name="empty"\r\n\r\n\r\n',
      '--XyZ\r\nContent-Disposition: form-data; name="upload"; filename="a %22b%22\\c.bin"\r\n',
      'Content-Type: application/x-thing\r\n\r\n',
      binary,
      '\r\n--XyZ\r\nContent-Disposition: form-data; name="doc"; filename="x.txt"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9.txt\r\n\r\n',
      '--XyZ at the start, then\r\n-- XyZ and x--XyZ are data',
      '\r\n--XyZ--\r\nepilogue',
    ]);
    const r = request(body);
    const form = await r.form();
    const files = await r.files();
    expect(form.get('title')).toBe('Hello, wörld');
    expect(form.getAll('tag')).toEqual(['a', 'b']);
    expect(form.get('empty')).toBe('');
    const upload = files.get('upload')!;
    expect(upload.filename).toBe('a "b"\\c.bin');
    expect(upload.contentType).toBe('application/x-thing');
    expect(upload.size).toBe(256);
    expect(Buffer.from(upload.data).equals(binary)).toBe(true);
    const doc = files.get('doc')!;
    expect(doc.filename).toBe('résumé.txt');
    expect(doc.contentType).toBe('application/octet-stream');
    expect(doc.text()).toBe('--XyZ at the start, then\r\n-- XyZ and x--XyZ are data');
  });

  it('undoes %22 and a quoted-pair\'s \\" in Content-Disposition parameters, keeps backslashes', async () => {
    const body = multipart([
      '--XyZ\r\nContent-Disposition: form-data; name="a\\"b"\r\n\r\n1\r\n',
      '--XyZ\r\nContent-Disposition: form-data; name="f"; filename="say \\"hi\\".txt"\r\n\r\n2\r\n',
      '--XyZ\r\nContent-Disposition: form-data; name="g"; filename="C:\\\\x %22y%22"\r\n\r\n3\r\n',
      // A browser does not escape a backslash: one before the closing quote is kept.
      '--XyZ\r\nContent-Disposition: form-data; name="h\\"; filename="x.txt"\r\n\r\n4\r\n',
      // … also when the parameter is the last one and holds a `;`.
      '--XyZ\r\nContent-Disposition: form-data; name=";\\"\r\n\r\n5\r\n',
      '--XyZ--\r\n',
    ]);
    const r = request(body);
    expect((await r.form()).get('a"b')).toBe('1');
    const files = await r.files();
    expect(files.get('f')?.filename).toBe('say "hi".txt');
    // FormData sends a backslash as it is: `\\` is two of them, as at the start of a UNC path.
    expect(files.get('g')?.filename).toBe('C:\\\\x "y"');
    expect(files.get('h\\')?.filename).toBe('x.txt');
    expect((await r.form()).get(';\\')).toBe('5');
  });

  it('accepts a quoted boundary', async () => {
    const body = multipart([
      '--a b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--a b--\r\n',
    ]);
    expect((await request(body, '"a b"').form()).get('x')).toBe('1');
  });

  it.each([
    ['no boundary parameter', 'multipart/form-data', '--XyZ--'],
    ['a body without the boundary', undefined, 'nothing here'],
    [
      'no closing boundary',
      undefined,
      '--XyZ\r\nContent-Disposition: form-data; name="x"\r\n\r\nabc',
    ],
    [
      'a part without a name',
      undefined,
      '--XyZ\r\nContent-Disposition: form-data\r\n\r\nabc\r\n--XyZ--',
    ],
    ['a bad header line', undefined, '--XyZ\r\nbroken\r\n\r\nabc\r\n--XyZ--'],
  ])('answers %s with a 400', async (_, contentType, text) => {
    const environ = buildEnviron({
      method: 'POST',
      body: text,
      contentType: contentType ?? 'multipart/form-data; boundary=XyZ',
    });
    const error = await new Request(environ).form().catch((e) => e);
    expect(error).toBeInstanceOf(BadRequest);
    expect(error.code).toBe(400);
  });

  it('answers too many parts and an oversized field with a 413', async () => {
    const part = '--XyZ\r\nContent-Disposition: form-data; name="x"\r\n\r\n1234\r\n';
    const many = multipart([part.repeat(4), '--XyZ--']);
    await expect(request(many, 'XyZ', { maxFormParts: 3 }).form()).rejects.toBeInstanceOf(
      RequestEntityTooLarge,
    );
    await expect(request(many, 'XyZ', { maxFormMemorySize: 3 }).form()).rejects.toBeInstanceOf(
      RequestEntityTooLarge,
    );
    expect((await request(many, 'XyZ', { maxFormParts: 4 }).form()).getAll('x')).toHaveLength(4);
  });

  it('limits an urlencoded form by maxFormMemorySize', async () => {
    const environ = buildEnviron({ method: 'POST', form: { a: 'x'.repeat(100) } });
    await expect(new Request(environ, { maxFormMemorySize: 50 }).form()).rejects.toMatchObject({
      code: 413,
    });
  });
});
