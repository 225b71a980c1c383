import { describe, expect, it } from 'vitest';
import { type App, type Environ, runApp, runAppBuffered } from '../../src/index.js';
import { LintError, lint } from '../../src/middleware/index.js';
import { buildEnviron, Client } from '../../src/testing/index.js';

const TEXT: [string, string][] = [['Content-Type', 'text/plain']];
const ok: App = (_, start) => {
  start('200 OK', TEXT);
  return ['ok'];
};

/** Calls the linted app with an environ changed by `edit`; returns the violation messages. */
async function violationsFor(app: App, edit: (environ: Environ) => void = () => {}) {
  const checked = lint(app);
  const environ = buildEnviron();
  edit(environ);
  const res = await runAppBuffered(checked, environ);
  return { messages: checked.violations.map((v) => v.message), res, checked };
}

describe('lint: the environ a server gives', () => {
  const cases: [string, (e: Environ) => void, RegExp][] = [
    [
      'a missing required key',
      (e) => delete (e as Partial<Environ>).SERVER_NAME,
      /SERVER_NAME must be a string/,
    ],
    [
      'a CGI key that is not a string',
      (e) => (e.SERVER_PORT = 80 as unknown as string),
      /SERVER_PORT must be a string/,
    ],
    ['HTTP_CONTENT_TYPE', (e) => (e.HTTP_CONTENT_TYPE = 'text/plain'), /HTTP_CONTENT_TYPE/],
    ['HTTP_CONTENT_LENGTH', (e) => (e.HTTP_CONTENT_LENGTH = '3'), /HTTP_CONTENT_LENGTH/],
    [
      'a wrong wsgi.version',
      (e) => (e['wsgi.version'] = [2, 0] as unknown as [1, 0]),
      /wsgi.version/,
    ],
    ['a bad url scheme', (e) => (e['wsgi.url_scheme'] = 'ftp' as 'http'), /url_scheme/],
    [
      'a non-boolean multithread',
      (e) => (e['wsgi.multithread'] = 'yes' as unknown as boolean),
      /multithread/,
    ],
    ['a lower-case method', (e) => (e.REQUEST_METHOD = 'get'), /REQUEST_METHOD/],
    ['SCRIPT_NAME "/"', (e) => (e.SCRIPT_NAME = '/'), /SCRIPT_NAME/],
    ['SCRIPT_NAME without a leading slash', (e) => (e.SCRIPT_NAME = 'app'), /SCRIPT_NAME/],
    ['PATH_INFO without a leading slash', (e) => (e.PATH_INFO = 'x'), /PATH_INFO/],
    ['both SCRIPT_NAME and PATH_INFO empty', (e) => (e.PATH_INFO = ''), /both be empty/],
    ['QUERY_STRING with "?"', (e) => (e.QUERY_STRING = '?a=1'), /QUERY_STRING/],
    ['a non-numeric CONTENT_LENGTH', (e) => (e.CONTENT_LENGTH = '-1'), /CONTENT_LENGTH/],
    [
      'a wsgi.input without readline',
      (e) => (e['wsgi.input'] = { read: async () => new Uint8Array() } as never),
      /wsgi.input/,
    ],
    [
      'a wsgi.errors without flush',
      (e) => (e['wsgi.errors'] = { write() {} } as never),
      /wsgi.errors/,
    ],
  ];
  for (const [name, edit, message] of cases) {
    it(`catches ${name}`, async () => {
      const { messages } = await violationsFor(ok, edit);
      expect(messages.join('\n')).toMatch(message);
    });
  }

  it('catches an environ reused for a second request', async () => {
    const checked = lint(ok);
    const environ = buildEnviron();
    await runAppBuffered(checked, environ);
    await runAppBuffered(checked, environ);
    expect(checked.violations.map((v) => v.message).join()).toMatch(/fresh object/);
  });

  it('catches wsgi.input giving more than CONTENT_LENGTH', async () => {
    const app: App = async (environ, start) => {
      await environ['wsgi.input'].read();
      start('200 OK', TEXT);
      return [];
    };
    const { messages } = await violationsFor(app, (e) => {
      e.CONTENT_LENGTH = '2';
      e['wsgi.input'] = {
        read: async () => new Uint8Array(5),
        readline: async () => new Uint8Array(),
        async *[Symbol.asyncIterator]() {},
      };
    });
    expect(messages.join()).toMatch(/more than CONTENT_LENGTH/);
  });
});

describe('lint: what an app does', () => {
  const apps: [string, App, RegExp][] = [
    [
      'startResponse twice without excInfo',
      (_, s) => {
        s('200 OK', TEXT);
        s('200 OK', TEXT);
        return [];
      },
      /second time/,
    ],
    [
      'a bad status',
      (_, s) => {
        s('OK', TEXT);
        return [];
      },
      /status/,
    ],
    [
      'a header name that is not a token',
      (_, s) => {
        s('200 OK', [...TEXT, ['a b', 'x']]);
        return [];
      },
      /token/,
    ],
    [
      'a Status header',
      (_, s) => {
        s('200 OK', [...TEXT, ['Status', '200']]);
        return [];
      },
      /Status/,
    ],
    [
      'CR/LF in a header value',
      (_, s) => {
        s('200 OK', [...TEXT, ['X', 'a\nb']]);
        return [];
      },
      /CR, LF/,
    ],
    [
      'a control character in the reason phrase',
      (_, s) => {
        s('200 Done \u0001', TEXT);
        return [];
      },
      /must look like "200 OK"/,
    ],
    [
      'a header value above U+00FF',
      (_, s) => {
        s('200 OK', [...TEXT, ['X', 'done ✓']]);
        return [];
      },
      /above U\+00FF/,
    ],
    [
      'a hop-by-hop header',
      (_, s) => {
        s('200 OK', [...TEXT, ['Keep-Alive', '5']]);
        return [];
      },
      /hop-by-hop/,
    ],
    [
      'a 200 with a body and no Content-Type',
      (_, s) => {
        s('200 OK', []);
        return ['x'];
      },
      /a 200 response with a body must have a Content-Type/,
    ],
    [
      'a 200 that declares a length and no Content-Type',
      (_, s) => {
        s('200 OK', [['Content-Length', '5']])('hello');
        return [];
      },
      /a 200 response with a body must have a Content-Type/,
    ],
    [
      'a 204 with a Content-Type',
      (_, s) => {
        s('204 No Content', TEXT);
        return [];
      },
      /must not have a Content-Type/,
    ],
    [
      'a 304 with a Content-Type',
      (_, s) => {
        s('304 Not Modified', TEXT);
        return [];
      },
      /must not have a Content-Type/,
    ],
    [
      'a 1xx with a Content-Type',
      (_, s) => {
        s('103 Early Hints', TEXT);
        return [];
      },
      /a 103 response must not have a Content-Type/,
    ],
    [
      'a 204 with a body',
      (_, s) => {
        s('204 No Content', []);
        return ['x'];
      },
      /must not have a body/,
    ],
    [
      'a 205 with a body',
      (_, s) => {
        s('205 Reset Content', []);
        return ['x'];
      },
      /a 205 response must not have a body/,
    ],
    [
      'a 205 with a Content-Type',
      (_, s) => {
        s('205 Reset Content', TEXT);
        return [];
      },
      /a 205 response must not have a Content-Type/,
    ],
    [
      'a 204 with a body sent through write()',
      (_, s) => {
        s('204 No Content', [])('x');
        return [];
      },
      /a 204 response must not have a body/,
    ],
    [
      'a 304 with a body sent through write()',
      (_, s) => {
        s('304 Not Modified', [])(new Uint8Array([1]));
        return [];
      },
      /a 304 response must not have a body/,
    ],
    [
      'a bare string result',
      (_, s) => {
        s('200 OK', TEXT);
        return 'x' as never;
      },
      /bare string/,
    ],
    [
      'a non-iterable result',
      (_, s) => {
        s('200 OK', TEXT);
        return 5 as never;
      },
      /iterable/,
    ],
    [
      'a chunk that is not bytes or string',
      (_, s) => {
        s('200 OK', TEXT);
        return [5] as never;
      },
      /chunks must be/,
    ],
    ['body data before startResponse', () => ['early'], /before calling startResponse/],
    ['returning without startResponse', () => [], /without calling startResponse/],
    [
      'write() of a number',
      (_, s) => {
        s('200 OK', TEXT)(5 as never);
        return [];
      },
      /write\(\) chunks/,
    ],
  ];
  for (const [name, app, message] of apps) {
    it(`catches ${name}`, async () => {
      const { messages, res } = await violationsFor(app);
      expect(messages.join('\n')).toMatch(message);
      expect(res.statusCode).toBe(500);
    });
  }

  it.each([
    ['a redirect', '302 Found', [['Location', '/next']] as [string, string][]],
    ['an empty 200', '200 OK', [['Content-Length', '0']] as [string, string][]],
    ['a 201 with a Location', '201 Created', [['Location', '/items/1']] as [string, string][]],
  ])('allows %s without a body or a Content-Type', async (_what, status, headers) => {
    const { messages, res } = await violationsFor((_, s) => {
      s(status, headers);
      return ['', new Uint8Array(0)];
    });
    expect(messages).toEqual([]);
    expect(res.statusCode).toBe(Number(status.slice(0, 3)));
  });

  it('allows a second startResponse with excInfo before the body', async () => {
    const { messages, res } = await violationsFor((_, s) => {
      s('200 OK', TEXT);
      s('500 Internal Server Error', TEXT, new Error('x'));
      return ['x'];
    });
    expect(messages).toEqual([]);
    expect(res.statusCode).toBe(500);
  });

  it('reports through onViolation too', async () => {
    const seen: LintError[] = [];
    await runAppBuffered(
      lint(
        (_, s) => {
          s('nope', TEXT);
          return [];
        },
        { onViolation: (e) => seen.push(e) },
      ),
      buildEnviron(),
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(LintError);
  });
});

describe('lint: what a server does with the result', () => {
  it('assertClosed fails when the server never closes the result', async () => {
    const checked = lint(ok);
    const res = await runApp(checked, buildEnviron());
    await res.body.next(); // a broken server: reads one chunk and walks away
    expect(() => checked.assertClosed()).toThrow(/never called close\(\)/);
    await res.body.return();
    expect(() => checked.assertClosed()).not.toThrow();
  });

  it('does not blame the server for closing a result the app got wrong or never gave', async () => {
    const apps: App[] = [
      (_, s) => {
        s('200 OK', TEXT);
        return 'abc' as never;
      },
      async (_, s) => {
        s('200 OK', TEXT);
        return 'abc' as never;
      },
      () => 5 as never,
      () => {
        throw new Error('kaboom');
      },
      async () => {
        throw new Error('kaboom');
      },
    ];
    for (const app of apps) {
      const checked = lint(app);
      const res = await new Client(checked).get('/');
      expect(res.statusCode).toBe(500);
      expect(() => checked.assertClosed()).not.toThrow();
    }
  });

  it('close() runs the app result close() and ends an unfinished generator', async () => {
    let closed = 0;
    let ended = 0;
    const app: App = (_, s) =>
      Object.assign(
        (function* () {
          try {
            s('200 OK', TEXT);
            yield 'a';
            yield 'b';
          } finally {
            ended++;
          }
        })(),
        { close: () => void closed++ },
      );
    const checked = lint(app);
    const res = await runApp(checked, buildEnviron());
    await res.body.next();
    await res.body.return();
    expect(closed).toBe(1);
    expect(ended).toBe(1);
    checked.assertClosed();
  });

  it('passes a well-behaved app and server without a violation', async () => {
    const checked = lint(async (environ, s) => {
      const body = await environ['wsgi.input'].read();
      s('200 OK', [['Content-Type', 'application/octet-stream']]);
      return (async function* () {
        yield body;
      })();
    });
    const res = await new Client(checked).post('/echo', { body: 'hi' });
    expect(res.text()).toBe('hi');
    checked.assertClosed();
    expect(checked.violations).toEqual([]);
  });
});
