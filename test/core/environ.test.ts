import { describe, expect, it } from 'vitest';
import { utf8Length } from '../../src/core/bytes.js';
import {
  addHeader,
  consoleErrors,
  createEnviron,
  decodePath,
  encodePath,
  errorStream,
  headerKey,
  hostParts,
  splitHost,
  utf8,
  utf8Text,
} from '../../src/index.js';

describe('decodePath', () => {
  it('decodes UTF-8 percent sequences', () => {
    expect(decodePath('/caf%C3%A9')).toBe('/café');
  });
  it('decodes %2F to a slash and %25 once', () => {
    expect(decodePath('/a%2Fb')).toBe('/a/b');
    expect(decodePath('/foo%25bar')).toBe('/foo%bar');
    expect(decodePath('/foo%2541')).toBe('/foo%41');
  });
  it('keeps a byte sequence that is not valid UTF-8 percent-encoded', () => {
    expect(decodePath('/bad%FF')).toBe('/bad%FF');
    expect(decodePath('/mix%C3%A9%FF%41')).toBe('/mixé%FFA');
    expect(decodePath('/half%C3')).toBe('/half%C3');
    expect(decodePath('/surrogate%ED%A0%80')).toBe('/surrogate%ED%A0%80');
  });
  it('keeps an encoded byte-order mark as U+FEFF, also next to an invalid byte', () => {
    expect(decodePath('/%EF%BB%BFa')).toBe('/\uFEFFa');
    expect(decodePath('/%EF%BB%BFa%FF')).toBe('/\uFEFFa%FF');
  });
  it('leaves a lone % alone', () => {
    expect(decodePath('/100%')).toBe('/100%');
    expect(decodePath('/100%zz%C3%A9')).toBe('/100%zzé');
  });
  it('keeps + and spaces literal', () => {
    expect(decodePath('/foo+bar')).toBe('/foo+bar');
    expect(decodePath('/file name.xml')).toBe('/file name.xml');
  });
});

describe('encodePath', () => {
  it('encodes what decodePath decoded, % ? # and non-ASCII included, and keeps pchar and /', () => {
    expect(encodePath('/café/100%/a?b#c d')).toBe('/caf%C3%A9/100%25/a%3Fb%23c%20d');
    expect(encodePath("/keep-._~!$&'()*+,;=:@/")).toBe("/keep-._~!$&'()*+,;=:@/");
    expect(encodePath('/a<b>{c}|^`"\\')).toBe('/a%3Cb%3E%7Bc%7D%7C%5E%60%22%5C');
  });
  it('round-trips through decodePath', () => {
    for (const path of ['/café/x', '/100%/y', '/a b/c?d', '/emoji/😀', '/%/']) {
      expect(decodePath(encodePath(path))).toBe(path);
    }
  });
  it('turns a lone surrogate into U+FFFD instead of throwing', () => {
    expect(encodePath('/a\uD800b')).toBe('/a%EF%BF%BDb');
  });
});

/** The smallest environ createEnviron makes, for tests of what is added to it. */
function bareEnviron(method: string) {
  return createEnviron({
    method,
    scheme: 'http',
    serverName: 'a',
    serverPort: '80',
    pathInfo: '/',
    multithread: false,
    multiprocess: false,
  });
}

describe('headerKey and addHeader', () => {
  it('maps header names to CGI keys', () => {
    expect(headerKey('x-forwarded-for')).toBe('HTTP_X_FORWARDED_FOR');
    expect(headerKey('Content-Type')).toBe('CONTENT_TYPE');
    expect(headerKey('content-length')).toBe('CONTENT_LENGTH');
  });
  it('joins repeats with ", " and cookies with "; "', () => {
    const environ = bareEnviron('get');
    addHeader(environ, 'Accept', 'text/html');
    addHeader(environ, 'accept', 'application/json');
    addHeader(environ, 'Cookie', 'a=1');
    addHeader(environ, 'cookie', 'b=2');
    expect(environ.HTTP_ACCEPT).toBe('text/html, application/json');
    expect(environ.HTTP_COOKIE).toBe('a=1; b=2');
    expect(environ.REQUEST_METHOD).toBe('GET');
  });
  it('drops a header whose name has an underscore, so it cannot pose as a hyphenated one', () => {
    const environ = bareEnviron('GET');
    addHeader(environ, 'X-Forwarded-For', '10.0.0.1');
    addHeader(environ, 'X_Forwarded_For', '6.6.6.6');
    addHeader(environ, 'user_agent', 'forged');
    expect(environ.HTTP_X_FORWARDED_FOR).toBe('10.0.0.1');
    expect(environ.HTTP_USER_AGENT).toBeUndefined();
  });
  it('never turns Content-Length into a header key (the adapter sets it from the real body)', () => {
    const environ = bareEnviron('POST');
    addHeader(environ, 'Content-Length', '999');
    expect(environ.CONTENT_LENGTH).toBeUndefined();
    expect(environ.HTTP_CONTENT_LENGTH).toBeUndefined();
  });
});

describe('splitHost', () => {
  it('takes the port from Host, else X-Forwarded-Port, else the scheme default', () => {
    expect(splitHost('Example.com:8080', 'http')).toEqual(['example.com', '8080']);
    expect(splitHost('example.com', 'https', '8443')).toEqual(['example.com', '8443']);
    expect(splitHost('example.com', 'https')).toEqual(['example.com', '443']);
    expect(splitHost('example.com', 'http')).toEqual(['example.com', '80']);
  });
  it('understands IPv6 literals', () => {
    expect(splitHost('[::1]:5000', 'http')).toEqual(['[::1]', '5000']);
    expect(splitHost('[::1]', 'http')).toEqual(['[::1]', '80']);
  });
  it('ignores a junk port', () => {
    expect(splitHost('example.com:abc', 'http')).toEqual(['example.com', '80']);
  });
});

describe('hostParts', () => {
  it('splits a host name or IP literal from its port, and refuses what is no host', () => {
    expect(hostParts('example.com:8443')).toEqual(['example.com', '8443']);
    expect(hostParts('[::1]')).toEqual(['[::1]', undefined]);
    expect(hostParts('my_app:')).toEqual(['my_app', '']);
    expect(hostParts('')).toEqual(['', undefined]);
    for (const bad of ['a b', 'a/b', 'x.com:8a', '::1', 'é.com', 'a@b']) {
      expect(hostParts(bad), bad).toBeUndefined();
    }
  });
});

describe('createEnviron', () => {
  it('fills every required key with the SPEC defaults', () => {
    const environ = createEnviron({
      method: 'GET',
      scheme: 'https',
      serverName: 'x',
      serverPort: '443',
      pathInfo: '/',
      multithread: true,
      multiprocess: false,
    });
    expect(environ).toMatchObject({
      SCRIPT_NAME: '',
      QUERY_STRING: '',
      SERVER_PROTOCOL: 'HTTP/1.1',
      'wsgi.version': [1, 0],
      'wsgi.url_scheme': 'https',
      'wsgi.multithread': true,
      'wsgi.multiprocess': false,
      'wsgi.run_once': false,
    });
    expect(environ.CONTENT_LENGTH).toBeUndefined();
    expect(typeof environ['wsgi.input'].read).toBe('function');
  });
});

describe('wsgi.errors', () => {
  it('hands complete lines to the sink and the rest on flush()', () => {
    const lines: string[] = [];
    const errors = errorStream((line) => lines.push(line));
    errors.write('one\ntw');
    expect(lines).toEqual(['one']);
    errors.write('o\n');
    errors.write('three');
    errors.flush();
    expect(lines).toEqual(['one', 'two', 'three']);
  });
  it('write and flush work passed on alone, as bound methods do', () => {
    const lines: string[] = [];
    const { write, flush } = errorStream((line) => lines.push(line));
    ['a\n', 'b'].forEach(write);
    flush();
    expect(lines).toEqual(['a', 'b']);
  });
  it('a sink that throws gets each line once, not again with the next write', () => {
    const lines: string[] = [];
    let fail = true;
    const errors = errorStream((line) => {
      lines.push(line);
      if (fail) throw new Error('log down');
    });
    expect(() => errors.write('first\n')).toThrow('log down');
    fail = false;
    errors.write('second\n');
    expect(lines).toEqual(['first', 'second']);
  });
  it('consoleErrors writes to console.error', () => {
    const original = console.error;
    const seen: unknown[] = [];
    console.error = (...args: unknown[]) => seen.push(args.join(' '));
    try {
      const errors = consoleErrors();
      errors.write('logged\n');
    } finally {
      console.error = original;
    }
    expect(seen).toEqual(['logged']);
  });
});

describe('splitHost on malformed hosts', () => {
  it('ignores a port outside 1-65535', () => {
    expect(splitHost('example.com:0', 'http')).toEqual(['example.com', '80']);
    expect(splitHost('example.com:99999', 'https')).toEqual(['example.com', '443']);
    expect(splitHost('example.com:65535', 'http')).toEqual(['example.com', '65535']);
  });
  it('does not split an unclosed IPv6 literal', () => {
    expect(splitHost('[::1', 'http')).toEqual(['[::1', '80']);
    expect(splitHost('[::1]x', 'http')).toEqual(['[::1]x', '80']);
  });
});

describe('utf8Length', () => {
  it('is the length of utf8() for every kind of code unit, short and long', () => {
    const pieces = ['a', 'é', '☕', '😀', '\uD800', '\uDC00', '\uDBFF\uDFFF', 'x\uD83D'];
    let seed = 11;
    for (let round = 0; round < 300; round++) {
      let text = '';
      const parts = round % 50 === 0 ? 3000 : round % 20;
      for (let i = 0; i < parts; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        text += pieces[seed % pieces.length];
      }
      expect(utf8Length(text)).toBe(utf8(text).byteLength);
    }
    expect(utf8Length('')).toBe(0);
  });
});

describe('utf8Text', () => {
  it('decodes valid UTF-8, short ASCII and long text alike', () => {
    expect(utf8Text(utf8('hello'))).toBe('hello');
    expect(utf8Text(utf8('café ☕'))).toBe('café ☕');
    expect(utf8Text(utf8('x'.repeat(1000)))).toBe('x'.repeat(1000));
    expect(utf8Text(new Uint8Array(0))).toBe('');
  });
  it('refuses invalid UTF-8, short or long', () => {
    expect(utf8Text(new Uint8Array([0x61, 0xff]))).toBeUndefined();
    expect(utf8Text(new Uint8Array(100).fill(0xc3))).toBeUndefined();
  });
  it('keeps a byte order mark, which is part of the body', () => {
    expect(utf8Text(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toBe('\uFEFFa');
  });
});
