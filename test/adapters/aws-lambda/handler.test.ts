/**
 * The way back, for every front end: cookies, byte-exact binary, encoded text, bodiless responses,
 * size limits; and the request-side rules the captured events do not show (hand-written events,
 * built with buildEvent: base paths, stripStage, invalid input).
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  buildEvent,
  decodeResult,
  type EventKindName,
  handler,
  isBinaryResponse,
} from '../../../adapters/aws-lambda/index.js';
import hello, { binaryPattern } from '../../../examples/hello/app.js';
import { getHeader, type Header } from '../../../src/index.js';
import { lint } from '../../../src/middleware/index.js';
import { captureLog, type Echo, echoApp, THREE_COOKIES } from './_helpers.js';

const KINDS: EventKindName[] = ['aws-v1', 'aws-v2', 'function-url', 'alb', 'alb-multi', 'edge'];

/** Runs one request through handler(lint(app)) and reads the result as a client would. */
async function call(
  kind: EventKindName,
  app: Parameters<typeof handler>[0],
  init: Parameters<typeof buildEvent>[1] = {},
  options: Parameters<typeof handler>[1] = {},
) {
  const checked = lint(app);
  const log = captureLog();
  const result = await handler(checked, { logger: log.logger, ...options })(
    buildEvent(kind, init),
    {},
  );
  const response = decodeResult(kind, result);
  expect(checked.violations).toEqual([]);
  return { result: result as unknown as Record<string, unknown>, response, log, checked };
}

function headerValues(headers: Header[], name: string): string[] {
  return headers.filter(([key]) => key.toLowerCase() === name).map(([, value]) => value);
}

function fixed(status: string, headers: Header[], body: Uint8Array | string = '') {
  return lint((_environ, startResponse) => {
    startResponse(status, headers);
    return [body];
  });
}

/** An event of `kind` whose body, marked base64, is `data` exactly as given. */
function withBase64Body(kind: EventKindName, method: string, data: string): never {
  const event = buildEvent(kind, {
    method,
    path: '/echo',
    headers: { 'content-type': 'application/octet-stream' },
    body: Buffer.from([1, 2, 3]),
  }) as unknown as Record<string, unknown>;
  if (kind === 'edge') {
    const request = (event.Records as { cf: { request: { body: { data: string } } } }[])[0]!.cf
      .request;
    request.body.data = data;
  } else {
    event.body = data;
  }
  return event as never;
}

describe.each(KINDS)('%s responses', (kind) => {
  it('deliver three Set-Cookie lines, one with a comma in Expires', async () => {
    const { response, result } = await call(kind, hello, { path: '/cookies' });
    expect(response.statusCode).toBe(200);
    expect(headerValues(response.headers, 'set-cookie')).toEqual(THREE_COOKIES);
    if (kind === 'alb') {
      // Single-value mode: one header name per cookie, differing only in case.
      const names = Object.keys(result.headers as object).filter(
        (name) => name.toLowerCase() === 'set-cookie',
      );
      expect(names).toEqual(['set-cookie', 'Set-cookie', 'sEt-cookie']);
    }
  });

  it('send text as text and JSON as JSON', async () => {
    const { response, result } = await call(kind, hello, { path: '/json' });
    expect(Buffer.from(response.body).toString()).toBe('{"message":"Hello, World!"}');
    expect(result.isBase64Encoded ?? result.bodyEncoding === 'base64').toBe(false);
    expect(headerValues(response.headers, 'content-type')).toEqual(['application/json']);
  });

  it('send a binary body byte for byte, base64', async () => {
    // The largest random body each front end's limit allows, up to 1 MiB.
    const size = { alb: 700_000, 'alb-multi': 700_000, edge: 28_000 }[kind as string] ?? 1 << 20;
    const bytes = randomBytes(size);
    const { response, result } = await call(kind, hello, {
      method: 'POST',
      path: '/echo',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(response.statusCode).toBe(200);
    expect(Buffer.from(response.body).equals(bytes)).toBe(true);
    expect(result.isBase64Encoded ?? result.bodyEncoding === 'base64').toBe(true);
  });

  it('send gzip-encoded text base64, and it inflates to the original', async () => {
    const text = 'héllo wörld\n'.repeat(200);
    const app = fixed(
      '200 OK',
      [
        ['Content-Type', 'text/plain; charset=utf-8'],
        ['Content-Encoding', 'gzip'],
      ],
      gzipSync(text),
    );
    const { response, result } = await call(kind, app);
    expect(result.isBase64Encoded ?? result.bodyEncoding === 'base64').toBe(true);
    expect(gunzipSync(response.body).toString()).toBe(text);
  });

  it('send text that is not valid UTF-8 base64, unchanged', async () => {
    const bytes = Buffer.from([0x68, 0x69, 0xff, 0xfe, 0x00, 0xc3]);
    const { response, result } = await call(
      kind,
      fixed('200 OK', [['Content-Type', 'text/plain']], bytes),
    );
    expect(result.isBase64Encoded ?? result.bodyEncoding === 'base64').toBe(true);
    expect(Buffer.from(response.body).equals(bytes)).toBe(true);
  });

  it('send strings as their UTF-8, a lone surrogate as U+FFFD, never as a JSON escape', async () => {
    const app = fixed('200 OK', [['Content-Type', 'text/plain; charset=utf-8']], 'a\uD800é');
    const { response, result } = await call(kind, app);
    expect(Buffer.from(response.body).toString('hex')).toBe('61efbfbdc3a9');
    expect(result.body).toBe(result.isBase64Encoded ? undefined : 'a\uFFFDé');
  });

  it('keep a leading byte order mark in a text body', async () => {
    const text = '\uFEFFa,b\n1,2\n';
    const { response } = await call(kind, fixed('200 OK', [['Content-Type', 'text/csv']], text));
    expect(Buffer.from(response.body).equals(Buffer.from(text))).toBe(true);
  });

  it('send an empty body as an empty string', async () => {
    const { response, result } = await call(
      kind,
      fixed('200 OK', [['Content-Type', 'text/plain']]),
    );
    expect(result.body).toBe('');
    expect(response.body.byteLength).toBe(0);
  });

  it('answer HEAD with headers and no body', async () => {
    const { response } = await call(kind, hello, { method: 'HEAD', path: '/' });
    expect(response.statusCode).toBe(200);
    expect(headerValues(response.headers, 'content-type')).toEqual(['text/html; charset=utf-8']);
    expect(response.body.byteLength).toBe(0);
  });

  it.each([
    ['204 No Content', 204],
    ['304 Not Modified', 304],
  ])('send %s without a body', async (status, code) => {
    const app = (_e: unknown, startResponse: (s: string, h: Header[]) => void) => {
      startResponse(status, [['ETag', '"x"']]);
      return [];
    };
    const { response } = await call(kind, app);
    expect(response.statusCode).toBe(code);
    expect(headerValues(response.headers, 'etag')).toEqual(['"x"']);
    expect(response.body.byteLength).toBe(0);
  });

  it('turn an app error into a logged 500', async () => {
    const app = () => {
      throw new Error('boom');
    };
    const { response, log } = await call(kind, app);
    expect(response.statusCode).toBe(500);
    expect(Buffer.from(response.body).toString()).not.toContain('boom');
    expect(log.lines.join('\n')).toContain('boom');
  });

  it.each(['not base64!', 'QUJD QUJD', 'QUJD\nQUJD', 'QQ-_', 'QQ=', 'QQ==QUJD', '=QUJ', 'QUJDR'])(
    'answer invalid base64 %j with 400 without calling the app',
    async (broken) => {
      const event = withBase64Body(kind, 'POST', broken);
      let called = false;
      const log = captureLog();
      const result = await handler(
        () => {
          called = true;
          return [];
        },
        { logger: log.logger },
      )(event);
      expect(decodeResult(kind, result).statusCode).toBe(400);
      expect(called).toBe(false);
      expect(log.lines.join('\n')).toMatch(/not valid base64/);
    },
  );

  it('answers a 1xx status, which no front end can send as the answer, with a logged 500', async () => {
    const log = captureLog();
    const result = await handler((_environ, start) => {
      start('103 Early Hints', [['Link', '</style.css>; rel=preload']]);
      return [];
    }, log)(buildEvent(kind, { path: '/early' }));
    const response = decodeResult(kind, result);
    expect(response.statusCode).toBe(500);
    expect(Buffer.from(response.body).toString()).toBe('Internal Server Error\n');
    expect(log.lines.join('\n')).toMatch(
      /GET (\/\w+)?\/early cannot be sent by Lambda: a 1xx status/,
    );
  });

  it('answers a refused HEAD request without a body', async () => {
    const event = withBase64Body(kind, 'HEAD', 'not base64!');
    const result = await handler(() => [], captureLog())(event as never);
    const response = decodeResult(kind, result);
    expect(response.statusCode).toBe(400);
    expect(response.body.byteLength).toBe(0);
  });

  it.each([
    ['QUJD', 'ABC'],
    ['QUI=', 'AB'],
    ['QQ==', 'A'],
    ['QUI', 'AB'],
  ])('decode valid base64 %j, padded or not', async (encoded, text) => {
    const event = withBase64Body(kind, 'POST', encoded);
    let received = '';
    const result = await handler(async (environ, start) => {
      received = Buffer.from(await environ['wsgi.input'].read()).toString();
      start('200 OK', [['Content-Type', 'text/plain']]);
      return [];
    })(event as never);
    expect(decodeResult(kind, result).statusCode).toBe(200);
    expect(received).toBe(text);
  });
});

describe('size limits', () => {
  it.each([
    ['aws-v1', 'REST API', 6_291_456],
    ['aws-v2', 'HTTP API', 6_291_456],
    ['function-url', 'Function URL', 6_291_456],
    ['alb', 'ALB', 1_048_576],
    ['alb-multi', 'ALB', 1_048_576],
    ['edge', 'Lambda@Edge viewer-request', 40_960],
  ] as const)('%s: over %s limit becomes a 500 that says how large', async (kind, name, limit) => {
    // Binary goes base64 (4/3 larger): just over the limit once encoded.
    const size = Math.ceil(((limit + 10) * 3) / 4);
    const { response, log } = await call(kind, hello, { path: `/binary?size=${size}` });
    expect(response.statusCode).toBe(500);
    const line = log.lines.join('\n');
    expect(line).toContain(`${name} limit of ${limit} bytes`);
    expect(line).toMatch(/the response is \d+ bytes/);
    expect(Number(/the response is (\d+) bytes/.exec(line)![1])).toBeGreaterThan(limit);
    // Only Function URLs and REST APIs can take a stream; elsewhere that advice would mislead.
    const streams = kind === 'aws-v1' || kind === 'function-url';
    expect(line.includes('streamHandler')).toBe(streams);
  });

  it.each([
    ['alb', 1_048_576],
    ['edge', 40_960],
  ] as const)('%s: a long reason phrase counts toward the limit', async (kind, limit) => {
    const reason = 'x'.repeat(limit);
    const log = captureLog();
    const result = await handler((_environ, start) => {
      start(`200 ${reason}`, [['Content-Type', 'text/plain']]);
      return ['small body'];
    }, log)(buildEvent(kind, {}));
    expect(decodeResult(kind, result).statusCode).toBe(500);
    expect(log.lines.join('\n')).toMatch(/the response is \d+ bytes/);
  });

  it('edge origin-request allows 1 MiB', async () => {
    const { response } = await call('edge', hello, {
      path: '/binary?size=600000',
      eventType: 'origin-request',
    });
    expect(response.statusCode).toBe(200);
    expect(Buffer.from(response.body).equals(Buffer.from(binaryPattern(600000)))).toBe(true);
  });

  it('text full of characters JSON escapes is measured as JSON', async () => {
    // 1.2 MB of control characters: 7 MB once escaped as \u0001.
    const text = '\u0001'.repeat(1_200_000);
    const { response } = await call(
      'aws-v2',
      fixed('200 OK', [['Content-Type', 'text/plain']], text),
    );
    expect(response.statusCode).toBe(500);
  });

  it('a response just under the limit passes', async () => {
    const { response } = await call('aws-v2', hello, { path: '/binary?size=4500000' });
    expect(response.statusCode).toBe(200);
    expect(response.body.byteLength).toBe(4_500_000);
  });
});

describe('the request side', () => {
  async function environFor(
    kind: EventKindName,
    init: Parameters<typeof buildEvent>[1],
    options: Parameters<typeof handler>[1] = {},
  ): Promise<Record<string, string>> {
    const { response } = await call(kind, echoApp, init, options);
    return (JSON.parse(Buffer.from(response.body).toString()) as Echo).environ;
  }

  it('v1 on the execute-api domain puts the stage in SCRIPT_NAME', async () => {
    const environ = await environFor('aws-v1', { path: '/users/7?q=a%20b', stage: 'prod' });
    expect([environ.SCRIPT_NAME, environ.PATH_INFO]).toEqual(['/prod', '/users/7']);
    expect(environ.REQUEST_URI).toBe('/prod/users/7?q=a%20b');
  });

  it.each(KINDS)(
    '%s: a fragment in the path is dropped, as clients never send it',
    async (kind) => {
      for (const [path, query] of [
        ['/x#frag', ''],
        ['/x?y=1#frag?z=2', 'y=1'],
      ] as const) {
        expect(JSON.stringify(buildEvent(kind, { path }))).not.toContain('frag');
        const environ = await environFor(kind, { path });
        expect([environ.PATH_INFO, environ.QUERY_STRING], path).toEqual(['/x', query]);
      }
    },
  );

  type EditableEvent = {
    rawPath?: string;
    requestContext: { path?: string; http: { path?: string } };
  };

  /** environ for an event built by `buildEvent` and then changed by `edit`. */
  async function environOfEdited(
    kind: EventKindName,
    init: Parameters<typeof buildEvent>[1],
    edit: (event: EditableEvent) => void,
  ): Promise<Record<string, string>> {
    const event = buildEvent(kind, init) as unknown as EditableEvent;
    edit(event);
    const result = await handler(echoApp)(event as never, {});
    const response = decodeResult(kind, result);
    expect(response.statusCode).toBe(200);
    return (JSON.parse(Buffer.from(response.body).toString()) as Echo).environ;
  }

  it('v1 keeps the stage in SCRIPT_NAME when the route itself begins with the stage name', async () => {
    const environ = await environFor('aws-v1', { path: '/v1/users', stage: 'v1' });
    expect([environ.SCRIPT_NAME, environ.PATH_INFO]).toEqual(['/v1', '/v1/users']);
    expect(environ.REQUEST_URI).toBe('/v1/v1/users');
  });

  it('v1: a URL that ends at the stage has an empty PATH_INFO', async () => {
    const environ = await environOfEdited('aws-v1', { path: '/', stage: 'prod' }, (event) => {
      event.requestContext.path = '/prod';
    });
    expect([environ.SCRIPT_NAME, environ.PATH_INFO, environ.REQUEST_URI]).toEqual([
      '/prod',
      '',
      '/prod',
    ]);
  });

  it('v2: a URL that ends at a named stage has an empty PATH_INFO', async () => {
    const environ = await environOfEdited('aws-v2', { path: '/?a=1', stage: 'beta' }, (event) => {
      event.rawPath = '/beta';
      event.requestContext.http.path = '/beta';
    });
    expect([environ.SCRIPT_NAME, environ.PATH_INFO, environ.REQUEST_URI]).toEqual([
      '/beta',
      '',
      '/beta?a=1',
    ]);
  });

  it('v1 rebuilds QUERY_STRING from decoded values, encoded again', async () => {
    const environ = await environFor('aws-v1', { path: '/?a=1%262&a=x%20y&b=%C3%A9' });
    expect(environ.QUERY_STRING).toBe('a=1%262&a=x%20y&b=%C3%A9');
  });

  it('v1 leaves the characters encodeURIComponent keeps as they are and escapes the rest', async () => {
    const event = buildEvent('aws-v1', { path: '/' });
    event.multiValueQueryStringParameters = { "k_.!~*'()": ['Az09-', 'a+b c', 'é?#/'] };
    const result = await handler(echoApp)(event);
    const echo = JSON.parse(Buffer.from(decodeResult('aws-v1', result).body).toString()) as Echo;
    expect(echo.environ.QUERY_STRING).toBe(
      "k_.!~*'()=Az09-&k_.!~*'()=a%2Bb%20c&k_.!~*'()=%C3%A9%3F%23%2F",
    );
  });

  it('buildEvent sends a raw space or é in the path encoded, as REST, ALB and CloudFront get it', async () => {
    expect(buildEvent('aws-v1', { path: '/café x' }).path).toBe('/caf%C3%A9%20x');
    expect(buildEvent('alb', { path: '/café x' }).path).toBe('/caf%C3%A9%20x');
    expect(buildEvent('edge', { path: '/café x' }).Records[0]!.cf.request.uri).toBe(
      '/caf%C3%A9%20x',
    );
    expect(buildEvent('aws-v2', { path: '/x?q=é f' }).rawQueryString).toBe('q=%C3%A9%20f');
    const environ = await environFor('aws-v1', { path: '/café x?q=é f' });
    expect([environ.PATH_INFO, environ.QUERY_STRING]).toEqual(['/café x', 'q=%C3%A9%20f']);
  });

  it('buildEvent decodes a REST query as REST does: `+` is a space, `%2B` a plus', async () => {
    const event = buildEvent('aws-v1', { path: '/s?sort=-+createdAt&a+b=1%2B1&a+b=2' });
    expect(event.queryStringParameters).toEqual({ sort: '- createdAt', 'a b': '2' });
    expect(event.multiValueQueryStringParameters).toEqual({
      sort: ['- createdAt'],
      'a b': ['1+1', '2'],
    });
    const environ = await environFor('aws-v1', { path: '/s?sort=-+createdAt' });
    expect(environ.QUERY_STRING).toBe('sort=-%20createdAt');
    // HTTP API hands over the raw query; ALB and Lambda@Edge too.
    expect(buildEvent('aws-v2', { path: '/s?a=b+c' }).rawQueryString).toBe('a=b+c');
    expect(buildEvent('alb', { path: '/s?a=b+c' }).queryStringParameters).toEqual({ a: 'b+c' });
  });

  it('v1 query values that are not valid Unicode are encoded, not a crash', async () => {
    const event = buildEvent('aws-v1', { path: '/' });
    event.queryStringParameters = { q: 'a\uD800b' };
    const result = await handler(echoApp)(event);
    const echo = JSON.parse(Buffer.from(decodeResult('aws-v1', result).body).toString()) as Echo;
    expect(echo.environ.QUERY_STRING).toBe('q=a%EF%BF%BDb');
  });

  it('v1 with stripStage false keeps the stage in PATH_INFO', async () => {
    const environ = await environFor('aws-v1', { path: '/users' }, { stripStage: false });
    expect([environ.SCRIPT_NAME, environ.PATH_INFO]).toEqual(['', '/prod/users']);
  });

  it('a custom domain has no stage; basePath moves the mapping into SCRIPT_NAME', async () => {
    const init = { path: '/api/users', host: 'example.com' };
    expect((await environFor('aws-v1', init)).PATH_INFO).toBe('/api/users');
    const environ = await environFor('aws-v1', init, { basePath: '/api/' });
    expect([environ.SCRIPT_NAME, environ.PATH_INFO, environ.SERVER_NAME]).toEqual([
      '/api',
      '/users',
      'example.com',
    ]);
  });

  it('basePath cuts on a segment boundary only', async () => {
    const options = { basePath: 'api' };
    const other = await environFor('aws-v2', { path: '/apiary' }, options);
    expect([other.SCRIPT_NAME, other.PATH_INFO]).toEqual(['', '/apiary']);
    const exact = await environFor('aws-v2', { path: '/api' }, options);
    expect([exact.SCRIPT_NAME, exact.PATH_INFO]).toEqual(['/api', '']);
  });

  it('v2 named stage: cut at a segment boundary into SCRIPT_NAME', async () => {
    const named = await environFor('aws-v2', { path: '/x/y', stage: 'beta' });
    expect([named.SCRIPT_NAME, named.PATH_INFO]).toEqual(['/beta', '/x/y']);
    const end = await environFor('aws-v2', { path: '', stage: 'beta' });
    expect([end.SCRIPT_NAME, end.PATH_INFO]).toEqual(['/beta', '/']);
    const kept = await environFor('aws-v2', { path: '/x', stage: 'beta' }, { stripStage: false });
    expect([kept.SCRIPT_NAME, kept.PATH_INFO]).toEqual(['', '/beta/x']);
  });

  it('v2 on a custom domain: the named stage is still the first segment of rawPath, and cut', async () => {
    // HTTP API leaves a custom domain's mapping key out of rawPath, but not the stage.
    const custom = buildEvent('aws-v2', { path: '/x', stage: 'beta', host: 'api.example.com' });
    expect([custom.rawPath, custom.requestContext.http.path]).toEqual(['/beta/x', '/beta/x']);
    const environ = await environFor('aws-v2', {
      path: '/x',
      stage: 'beta',
      host: 'api.example.com',
    });
    expect([environ.SCRIPT_NAME, environ.PATH_INFO]).toEqual(['/beta', '/x']);
    // A route that begins with the stage's name keeps it: rawPath holds the stage once more.
    const route = buildEvent('aws-v2', { path: '/v1/users', stage: 'v1', host: 'api.example.com' });
    expect(route.rawPath).toBe('/v1/v1/users');
    const routed = await environFor('aws-v2', {
      path: '/v1/users',
      stage: 'v1',
      host: 'api.example.com',
    });
    expect([routed.SCRIPT_NAME, routed.PATH_INFO]).toEqual(['/v1', '/v1/users']);
  });

  it('v2 stage that is only a prefix of the first segment is not cut', async () => {
    const event = buildEvent('aws-v2', { path: '/betamax' });
    event.requestContext.stage = 'beta';
    const result = await handler(echoApp)(event);
    const echo = JSON.parse(Buffer.from(decodeResult('aws-v2', result).body).toString()) as Echo;
    expect([echo.environ.SCRIPT_NAME, echo.environ.PATH_INFO]).toEqual(['', '/betamax']);
  });

  it('v2 keeps rawQueryString verbatim and joins cookies once', async () => {
    const environ = await environFor('function-url', {
      path: '/p?b=%2B&a=1+2&a=3',
      headers: { cookie: 'x=1; y=2' },
    });
    expect(environ.QUERY_STRING).toBe('b=%2B&a=1+2&a=3');
    expect(environ.HTTP_COOKIE).toBe('x=1; y=2');
  });

  it('ALB: REMOTE_ADDR is the hop the load balancer added, not a forged one', async () => {
    const environ = await environFor('alb', {
      headers: { 'x-forwarded-for': '6.6.6.6' },
      sourceIp: '198.51.100.9',
    });
    expect(environ.HTTP_X_FORWARDED_FOR).toBe('6.6.6.6, 198.51.100.9');
    expect(environ.REMOTE_ADDR).toBe('198.51.100.9');
  });

  it('ALB: a client header spelled with underscores cannot become the trusted hop', async () => {
    for (const kind of ['alb', 'alb-multi'] as const) {
      const event = buildEvent(kind, { sourceIp: '198.51.100.9' }) as unknown as {
        headers?: Record<string, string>;
        multiValueHeaders?: Record<string, string[]>;
      };
      // ALB passes names with underscores on, after the hyphenated ones in its order; joined,
      // the forged address would come last, where the load balancer's own hop belongs.
      if (event.headers) Object.assign(event.headers, { x_forwarded_for: '6.6.6.6' });
      if (event.multiValueHeaders) event.multiValueHeaders.x_forwarded_for = ['6.6.6.6'];
      const result = await handler(echoApp)(event as never, {});
      const body = decodeResult(kind, result).body;
      const environ = (JSON.parse(Buffer.from(body).toString()) as Echo).environ;
      expect(environ.REMOTE_ADDR).toBe('198.51.100.9');
      expect(environ.HTTP_X_FORWARDED_FOR).toBe('198.51.100.9');
    }
  });

  it('ALB keeps query values as sent', async () => {
    const environ = await environFor('alb-multi', { path: '/?k=%3Fa%3D1&k=b+c' });
    expect(environ.QUERY_STRING).toBe('k=%3Fa%3D1&k=b+c');
  });

  it('a path that is not valid UTF-8 stays percent-encoded', async () => {
    const environ = await environFor('aws-v2', { path: '/caf%C3%A9/%FF' });
    expect(environ.PATH_INFO).toBe('/café/%FF');
  });

  it('HTTP API payload 1.0 puts a named stage in path: it is cut into SCRIPT_NAME', async () => {
    const at = async (path: string, stage: string) => {
      const event = buildEvent('aws-v1', { path });
      Object.assign(event, { version: '1.0' });
      Object.assign(event.requestContext, { stage, path });
      const result = await handler(echoApp)(event);
      const { environ } = JSON.parse(
        Buffer.from(decodeResult('aws-v1', result).body).toString(),
      ) as Echo;
      return [environ.SCRIPT_NAME, environ.PATH_INFO, environ.REQUEST_URI];
    };
    expect(await at('/dev/my/path', 'dev')).toEqual(['/dev', '/my/path', '/dev/my/path']);
    expect(await at('/dev', 'dev')).toEqual(['/dev', '', '/dev']);
    expect(await at('/devices', 'dev')).toEqual(['', '/devices', '/devices']);
    expect(await at('/my/path', '$default')).toEqual(['', '/my/path', '/my/path']);
  });

  it('payload 1.0 off the execute-api domain (SAM local, a custom domain) has no stage in path', async () => {
    // SAM local labels its REST events 1.0 too; its stage is never in the URL.
    const event = buildEvent('aws-v1', { path: '/v1/test', host: '127.0.0.1:3000', stage: 'v1' });
    Object.assign(event, { version: '1.0' });
    Object.assign(event.requestContext, { path: '/v1/test' });
    const result = await handler(echoApp)(event);
    const { environ } = JSON.parse(
      Buffer.from(decodeResult('aws-v1', result).body).toString(),
    ) as Echo;
    expect([environ.SCRIPT_NAME, environ.PATH_INFO]).toEqual(['', '/v1/test']);
  });

  it('v1: a route that begins with the stage name is found with a trailing slash too', async () => {
    const event = buildEvent('aws-v1', { path: '/v1/users', stage: 'v1' });
    event.requestContext.path = '/v1/v1/users/';
    const result = await handler(echoApp)(event);
    const { environ } = JSON.parse(
      Buffer.from(decodeResult('aws-v1', result).body).toString(),
    ) as Echo;
    expect([environ.SCRIPT_NAME, environ.PATH_INFO]).toEqual(['/v1', '/v1/users']);
  });

  it.each([
    ['aws-v1', 'false', 'aGVsbG8=', 'aGVsbG8='],
    ['aws-v2', 'false', 'aGVsbG8=', 'aGVsbG8='],
    ['aws-v1', 'true', 'aGVsbG8=', 'hello'],
    ['alb', 'true', 'aGVsbG8=', 'hello'],
  ] as const)(
    '%s: isBase64Encoded given as the string "%s"',
    async (kind, flag, body, received) => {
      const event = buildEvent(kind, {
        method: 'POST',
        path: '/echo',
        body: 'x',
      }) as unknown as Record<string, unknown>;
      event.body = body;
      event.isBase64Encoded = flag;
      const result = await handler(echoApp)(event as never, {});
      const echo = JSON.parse(Buffer.from(decodeResult(kind, result).body).toString()) as Echo;
      expect(Buffer.from(echo.body, 'base64').toString()).toBe(received);
    },
  );

  it('Lambda@Edge inputTruncated given as the string "false" is not a truncation', async () => {
    const event = buildEvent('edge', { method: 'POST', path: '/echo', body: 'abc' });
    (event.Records[0]!.cf.request.body as { inputTruncated: unknown }).inputTruncated = 'false';
    const result = await handler(echoApp, captureLog())(event);
    expect(decodeResult('edge', result).statusCode).toBe(200);
  });

  it('a truncated Lambda@Edge body is refused with 413', async () => {
    const event = buildEvent('edge', { method: 'POST', body: 'abc' });
    event.Records[0]!.cf.request.body!.inputTruncated = true;
    const log = captureLog();
    const result = await handler(echoApp, log)(event);
    expect(decodeResult('edge', result).statusCode).toBe(413);
  });

  it('an empty multi-value map does not hide the single-value one (v1, ALB)', async () => {
    for (const kind of ['aws-v1', 'alb-multi'] as const) {
      const event = buildEvent(kind, { path: '/x' }) as unknown as Record<string, unknown>;
      event.headers = { 'X-Only-Single': 'yes', Host: 'example.com' };
      event.multiValueHeaders = {};
      event.queryStringParameters = { a: 'b' };
      event.multiValueQueryStringParameters = {};
      const result = await handler(echoApp)(event as never, {});
      const body = decodeResult(kind, result).body;
      const { environ } = JSON.parse(Buffer.from(body).toString()) as Echo;
      expect([environ.HTTP_X_ONLY_SINGLE, environ.QUERY_STRING]).toEqual(['yes', 'a=b']);
    }
  });

  it('v1 with headers: null and no query maps works', async () => {
    const event = buildEvent('aws-v1', { path: '/x' });
    event.headers = null;
    event.multiValueHeaders = null;
    const result = await handler(echoApp)(event);
    const echo = JSON.parse(Buffer.from(decodeResult('aws-v1', result).body).toString()) as Echo;
    expect(echo.environ.PATH_INFO).toBe('/x');
    expect(echo.environ.SERVER_NAME).toBe('a1b2c3d4e5.execute-api.us-east-1.amazonaws.com');
  });
});

describe('events that are not HTTP requests', () => {
  it('a warm-up ping is answered without calling the app', async () => {
    let called = false;
    const result = await handler(() => {
      called = true;
      return [];
    })({ source: 'serverless-plugin-warmup' });
    expect(result).toEqual({});
    expect(called).toBe(false);
  });

  it.each([
    [{ Records: [{ s3: {} }] }, 'Records'],
    [{ detail: {}, source: 'aws.events' }, 'detail, source'],
    [{ httpMethod: 'GET' }, 'httpMethod'],
    // Recognisable at first sight, but without the fields the adapter needs.
    [{ version: '2.0', requestContext: { http: {} } }, 'version, requestContext'],
    [{ requestContext: { elb: {} } }, 'requestContext'],
    [{ Records: [{ cf: { request: { uri: '/' } } }] }, 'Records'],
  ])('an unknown event is an Error naming its keys (%j)', async (event, keys) => {
    const log = captureLog();
    const promise = handler(echoApp, log)(event as never);
    await expect(promise).rejects.toThrow(`top-level keys [${keys}]`);
    await expect(promise).rejects.not.toBeInstanceOf(TypeError);
    expect(log.lines[0]).toContain(keys);
  });

  it.each(['origin-response', 'viewer-response'])(
    'a Lambda@Edge %s trigger is refused by name',
    async (type) => {
      const event = buildEvent('edge', { path: '/' }) as unknown as {
        Records: { cf: Record<string, unknown> }[];
      };
      const cf = event.Records[0]!.cf;
      (cf.config as Record<string, unknown>).eventType = type;
      cf.response = { status: '200', statusDescription: 'OK', headers: {} };
      const log = captureLog();
      let called = false;
      const promise = handler(() => {
        called = true;
        return [];
      }, log)(event as never);
      await expect(promise).rejects.toThrow(`a Lambda@Edge ${type} event`);
      expect(log.lines[0]).toContain(type);
      expect(called).toBe(false);
    },
  );

  it.each([null, 'GET /', 42, []])('%j is refused clearly', async (event) => {
    await expect(handler(echoApp, captureLog())(event as never)).rejects.toThrow(
      /tsgi: the Lambda handler got/,
    );
  });
});

describe('isBinary option', () => {
  it('the default treats textual types as text and the rest as binary', () => {
    expect(isBinaryResponse([['Content-Type', 'application/problem+json']])).toBe(false);
    expect(isBinaryResponse([['content-type', 'image/svg+xml']])).toBe(false);
    expect(
      isBinaryResponse([
        ['Content-Type', 'text/html'],
        ['Content-Encoding', 'br'],
      ]),
    ).toBe(true);
    expect(isBinaryResponse([['Content-Type', 'application/octet-stream']])).toBe(true);
    expect(isBinaryResponse([])).toBe(true);
  });

  it('reads names and types whatever their case, and the type without spaces around it', () => {
    const binary = (name: string, type: string, encoding?: [string, string]) =>
      isBinaryResponse(encoding ? [[name, type], encoding] : [[name, type]]);
    expect(binary('CONTENT-TYPE', 'TEXT/Plain; charset=UTF-8')).toBe(false);
    expect(binary('Content-Type', ' \ttext/csv')).toBe(false);
    expect(binary('content-type', ' Application/JSON ; charset=utf-8')).toBe(false);
    expect(binary('Content-Type', 'text/')).toBe(false);
    expect(binary('Content-Type', 'texts/plain')).toBe(true);
    expect(binary('Content-Type', 'tex/plain')).toBe(true);
    expect(binary('Content-Type', '\u00a0text/plain')).toBe(false); // trimmed, as String.trim does
    expect(binary('Content-Typo', 'text/plain')).toBe(true); // no Content-Type at all
    expect(binary('Content-Type', 'text/plain', ['CONTENT-ENCODING', 'Identity'])).toBe(false);
    expect(binary('Content-Type', 'text/plain', ['content-encoding', 'gzip'])).toBe(true);
  });

  it('overrides the choice, but never sends invalid UTF-8 as text', async () => {
    const isBinary = (headers: readonly Header[]) =>
      getHeader(headers, 'content-type') !== 'application/x-custom';
    const text = await call(
      'aws-v2',
      fixed('200 OK', [['Content-Type', 'application/x-custom']], 'plain'),
      {},
      { isBinary },
    );
    expect(text.result.isBase64Encoded).toBe(false);
    expect(text.result.body).toBe('plain');
    const bad = Buffer.from([0xff, 0x41]);
    const binary = await call(
      'aws-v2',
      fixed('200 OK', [['Content-Type', 'application/x-custom']], bad),
      {},
      { isBinary },
    );
    expect(binary.result.isBase64Encoded).toBe(true);
    expect(Buffer.from(binary.response.body).equals(bad)).toBe(true);
  });
});

describe('result shapes', () => {
  it('decodeResult infers a result without statusCode as each front end does', () => {
    const text = (kind: EventKindName, result: unknown) =>
      Buffer.from(decodeResult(kind, result).body).toString();
    // RESPONSE-RULES §3 and §4: an HTTP API sends a returned string as it is; a Function URL
    // sends it as JSON, quotes included. An object is its JSON text on both.
    expect(text('aws-v2', 'Hello from Lambda!')).toBe('Hello from Lambda!');
    expect(text('function-url', 'Hello, world!')).toBe('"Hello, world!"');
    expect(text('aws-v2', { message: 'hi' })).toBe('{"message":"hi"}');
    expect(decodeResult('aws-v2', 'x').statusCode).toBe(200);
  });

  it('ALB sends statusDescription as "<code> <reason>"', async () => {
    const { result } = await call('alb', hello, { path: '/nowhere' });
    expect(result.statusCode).toBe(404);
    expect(result.statusDescription).toBe('404 Not Found');
  });

  it('Lambda@Edge sends status as a string and headers as {key, value} lists', async () => {
    const app = fixed(
      '200 OK',
      [
        ['Content-Type', 'application/json'],
        ['Set-Cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ],
      '{}',
    );
    const { result } = await call('edge', app);
    expect(result.status).toBe('200');
    expect(result.statusDescription).toBe('OK');
    expect(result.headers).toEqual({
      'content-type': [{ key: 'Content-Type', value: 'application/json' }],
      'set-cookie': [
        { key: 'Set-Cookie', value: 'a=1' },
        { key: 'set-cookie', value: 'b=2' },
      ],
    });
    expect(result.bodyEncoding).toBe('text');
  });

  it('Lambda@Edge leaves out the headers CloudFront refuses, per trigger, and logs them', async () => {
    const app = fixed(
      '200 OK',
      [
        ['Content-Type', 'text/plain'],
        ['Content-Length', '2'],
        ['X-Cache', 'HIT'],
        ['X-Amz-Cf-Pop', 'AMS1'],
        ['X-Edge-Location', 'x'],
        ['Via', '1.1 proxy'],
        ['If-None-Match', '"a"'],
        ['X-Kept', 'yes'],
      ],
      'ok',
    );
    const viewer = await call('edge', app);
    expect(Object.keys(viewer.result.headers as object).sort()).toEqual([
      'content-type',
      'if-none-match',
      'x-kept',
    ]);
    expect(Buffer.from(viewer.response.body).toString()).toBe('ok');
    expect(viewer.log.lines.join('\n')).toMatch(
      /viewer-request answer: X-Cache, X-Amz-Cf-Pop, X-Edge-Location, Via$/,
    );
    // Origin-request triggers also refuse the conditional request headers, and not Content-Length alone.
    const origin = await call('edge', app, { eventType: 'origin-request' });
    expect(Object.keys(origin.result.headers as object).sort()).toEqual(['content-type', 'x-kept']);
    expect(origin.log.lines.join('\n')).toMatch(/origin-request answer: .*If-None-Match/);
    // A refusal of tsgi's own (its 413 carries Content-Length) goes out without a word about it.
    const event = buildEvent('edge', { method: 'POST', body: 'abc' });
    event.Records[0]!.cf.request.body!.inputTruncated = true;
    const log = captureLog();
    const refused = (await handler(hello, log)(event, {})) as unknown as Record<string, unknown>;
    expect(refused.status).toBe('413');
    expect(Object.keys(refused.headers as object)).toEqual(['content-type']);
    expect(log.lines.join('\n')).not.toMatch(/left out/);
  });

  it('v1 sends repeated headers in multiValueHeaders and single ones in headers', async () => {
    const app = fixed(
      '200 OK',
      [
        ['Content-Type', 'text/plain; charset=utf-8'],
        ...THREE_COOKIES.map((cookie): Header => ['Set-Cookie', cookie]),
      ],
      'x',
    );
    const { result } = await call('aws-v1', app);
    expect(result.headers).toEqual({ 'Content-Type': 'text/plain; charset=utf-8' });
    expect(result.multiValueHeaders).toEqual({ 'Set-Cookie': THREE_COOKIES });
  });

  it('many headers: repeats are grouped by name whatever their case, first spelling kept', async () => {
    // Past 16 names the grouping indexes them; the repeats come on both sides of that point.
    const distinct = Array.from({ length: 20 }, (_, i): Header => [`X-H${i}`, `v${i}`]);
    const app = fixed(
      '200 OK',
      [
        ['Content-Type', 'text/plain'],
        ...distinct,
        ['x-h3', 'again'],
        ['X-H18', 'again'],
        ['x-H18', 'third'],
        ['Set-Cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ],
      'x',
    );
    const v1 = (await call('aws-v1', app)).result;
    expect(v1.multiValueHeaders).toEqual({
      'X-H3': ['v3', 'again'],
      'X-H18': ['v18', 'again', 'third'],
      'Set-Cookie': ['a=1', 'b=2'],
    });
    expect(Object.keys(v1.headers as object)).toEqual(
      ['Content-Type', ...distinct.map(([name]) => name)].filter(
        (name) => name !== 'X-H3' && name !== 'X-H18',
      ),
    );
    const v2 = (await call('aws-v2', app)).result as { headers: object; cookies: string[] };
    expect(v2.cookies).toEqual(['a=1', 'b=2']);
    expect(Object.entries(v2.headers).slice(1, 4)).toEqual([
      ['X-H0', 'v0'],
      ['X-H1', 'v1'],
      ['X-H2', 'v2'],
    ]);
    expect((v2.headers as Record<string, string>)['X-H3']).toBe('v3, again');
    expect((v2.headers as Record<string, string>)['X-H18']).toBe('v18, again, third');
  });

  it('ALB single-value mode: 512 cookies fit; past that the rest is left out and logged', async () => {
    const cookies = Array.from({ length: 515 }, (_, i) => `c${i}=${i}`);
    const app = fixed('200 OK', [
      ['Content-Type', 'text/plain'],
      ...cookies.map((cookie): Header => ['Set-Cookie', cookie]),
    ]);
    const { result, log } = await call('alb', app);
    const sent = Object.entries(result.headers as Record<string, string>)
      .filter(([name]) => name.toLowerCase() === 'set-cookie')
      .map(([, value]) => value);
    expect(sent).toEqual(cookies.slice(0, 512));
    expect(log.lines.join('\n')).toContain('3 of 515 cookies were left out');
  });

  it('v1 sends a single Set-Cookie in multiValueHeaders too', async () => {
    const app = fixed(
      '200 OK',
      [
        ['Content-Type', 'text/plain; charset=utf-8'],
        ['Set-Cookie', 'only=1; Path=/'],
      ],
      'x',
    );
    const { result } = await call('aws-v1', app);
    expect(result.headers).toEqual({ 'Content-Type': 'text/plain; charset=utf-8' });
    expect(result.multiValueHeaders).toEqual({ 'Set-Cookie': ['only=1; Path=/'] });
  });

  it('a header named like an Object.prototype property is kept', async () => {
    const app = fixed(
      '200 OK',
      [
        ['Content-Type', 'text/plain'],
        ['__proto__', 'x'],
        ['constructor', 'y'],
      ],
      'x',
    );
    for (const kind of KINDS) {
      const { response } = await call(kind, app);
      expect(headerValues(response.headers, '__proto__'), kind).toEqual(['x']);
      expect(headerValues(response.headers, 'constructor'), kind).toEqual(['y']);
    }
  });

  it('v2 joins repeated headers other than Set-Cookie with ", "', async () => {
    const app = fixed(
      '200 OK',
      [
        ['Content-Type', 'text/plain'],
        ['Vary', 'Accept'],
        ['vary', 'Origin'],
      ],
      'x',
    );
    const { result } = await call('aws-v2', app);
    expect(result.headers).toEqual({ 'Content-Type': 'text/plain', Vary: 'Accept, Origin' });
    expect(result.cookies).toEqual([]);
  });
});
