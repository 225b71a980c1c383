// Round trips checked on generated input: cookies through Set-Cookie and Cookie, and multipart
// bodies encoded by the platform's own FormData encoder (undici's), parsed back by ours.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCookies, Request, serializeCookie } from '../../src/index.js';
import { buildEnviron } from '../../src/testing/index.js';

/** Unicode text without lone surrogates (which no encoder can carry). */
const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const fieldName = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 });

describe('round trips', () => {
  it('a cookie value comes back exactly from Set-Cookie to Cookie', () => {
    fc.assert(
      fc.property(text, (value) => {
        const header = serializeCookie('k', value);
        const pair = header.split('; ')[0]!;
        expect(pair).toMatch(/^k=[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/);
        expect(parseCookies(`other=1; ${pair}`).get('k')).toBe(value);
      }),
      { numRuns: 300 },
    );
  });

  it('multipart fields and files encoded by FormData parse back byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fieldName, text), { maxLength: 5 }),
        fc.array(fc.tuple(fieldName, fc.uint8Array({ maxLength: 2000 }), fieldName), {
          maxLength: 3,
        }),
        async (fields, files) => {
          const form = new FormData();
          for (const [name, value] of fields) form.append(name, value);
          for (const [name, data, filename] of files) {
            form.append(name, new Blob([data], { type: 'application/x-test' }), filename);
          }
          const encoded = new globalThis.Response(form);
          const body = new Uint8Array(await encoded.arrayBuffer());
          const request = new Request(
            buildEnviron({
              method: 'POST',
              body,
              contentType: encoded.headers.get('content-type')!,
            }),
          );
          const parsed = await request.form();
          const uploads = await request.files();
          // FormData normalizes line breaks in names and values to CRLF, as browsers do.
          const crlf = (value: string) => value.replace(/\r\n|\r|\n/g, '\r\n');
          const expected = new Map<string, string[]>();
          for (const [name, value] of fields) {
            expected.set(crlf(name), [...(expected.get(crlf(name)) ?? []), crlf(value)]);
          }
          expect(new Map([...parsed.keys()].map((key) => [key, parsed.getAll(key)]))).toEqual(
            expected,
          );
          const got = [...uploads].map(([name, file]) => [
            name,
            file.filename,
            file.contentType,
            [...file.data],
          ]);
          expect(got.length).toBe(files.length);
          for (const [name, data] of files) {
            const match = got.find(
              ([n, , , bytes]) =>
                n === name.replace(/\r\n|\r|\n/g, '\r\n') &&
                JSON.stringify(bytes) === JSON.stringify([...data]),
            );
            expect(match, `file field ${name}`).toBeDefined();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
