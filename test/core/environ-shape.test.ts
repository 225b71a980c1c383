/**
 * createEnviron builds its object with `new` for speed (see environ.ts); it must still be a
 * plain object in every way an app can tell, and stay a fast object in V8 with a REST event's
 * worth of headers.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { addHeader, createEnviron } from '../../src/index.js';

const init = {
  method: 'get',
  scheme: 'https' as const,
  serverName: 'example.com',
  serverPort: '443',
  pathInfo: '/hello',
  requestUri: '/hello',
  contentLength: 0,
  remoteAddr: '203.0.113.7',
  multithread: false,
  multiprocess: true,
};

describe('createEnviron', () => {
  it('makes a plain object', () => {
    const environ = createEnviron(init);
    expect(Object.getPrototypeOf(environ)).toBe(Object.prototype);
    expect(environ.constructor).toBe(Object);
    expect(Object.prototype.toString.call(environ)).toBe('[object Object]');
    expect({ ...environ }).toEqual(environ);
  });

  it('keeps the keys in the order they were set, CGI keys first', () => {
    const environ = createEnviron(init);
    addHeader(environ, 'Accept', '*/*');
    expect(Object.keys(environ)).toEqual([
      'REQUEST_METHOD',
      'SCRIPT_NAME',
      'PATH_INFO',
      'QUERY_STRING',
      'SERVER_NAME',
      'SERVER_PORT',
      'SERVER_PROTOCOL',
      'wsgi.version',
      'wsgi.url_scheme',
      'wsgi.input',
      'wsgi.errors',
      'wsgi.multithread',
      'wsgi.multiprocess',
      'wsgi.run_once',
      'REQUEST_URI',
      'CONTENT_LENGTH',
      'REMOTE_ADDR',
      'HTTP_ACCEPT',
    ]);
    expect(environ.REQUEST_METHOD).toBe('GET');
  });

  it('stays a fast object in V8 with the headers of a REST API event', () => {
    const environModule = fileURLToPath(new URL('../../src/core/environ.ts', import.meta.url));
    const script = `
      const { addHeader, createEnviron } = await import(${JSON.stringify(environModule)});
      const init = ${JSON.stringify(init)};
      let environ;
      for (let i = 0; i < 50; i++) {
        environ = createEnviron(init);
        for (let h = 0; h < 20; h++) addHeader(environ, 'X-Header-' + h, 'value');
        environ['aws.event'] = {};
        environ['aws.context'] = {};
      }
      process.stdout.write(String(%HasFastProperties(environ)));
    `;
    const run = spawnSync(
      process.execPath,
      ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('true');
  });
});
