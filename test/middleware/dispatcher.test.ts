import { describe, expect, it } from 'vitest';
import type { App } from '../../src/index.js';
import { App as RoutingApp } from '../../src/index.js';
import { dispatcher, lint } from '../../src/middleware/index.js';
import { Client } from '../../src/testing/index.js';

function named(name: string): App {
  return (environ, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'application/json']]);
    return [JSON.stringify({ name, script: environ.SCRIPT_NAME, path: environ.PATH_INFO })];
  };
}

async function seen(app: App, path: string, scriptName = '') {
  const checked = lint(app);
  const res = await new Client(checked).get(path, { scriptName });
  checked.assertClosed();
  expect(checked.violations).toEqual([]);
  return res.json();
}

describe('dispatcher', () => {
  const app = dispatcher(named('main'), {
    '/api': named('api'),
    '/api/v2/': named('v2'),
    '/café': named('cafe'),
  });

  it.each([
    ['/api/users', { name: 'api', script: '/api', path: '/users' }],
    ['/api', { name: 'api', script: '/api', path: '' }],
    ['/api/', { name: 'api', script: '/api', path: '/' }],
    ['/api/v2/x/y', { name: 'v2', script: '/api/v2', path: '/x/y' }],
    ['/api/v2', { name: 'v2', script: '/api/v2', path: '' }],
    ['/apiary', { name: 'main', script: '', path: '/apiary' }],
    ['/', { name: 'main', script: '', path: '/' }],
    ['/other/api', { name: 'main', script: '', path: '/other/api' }],
    ['/caf%C3%A9/menu', { name: 'cafe', script: '/café', path: '/menu' }],
  ])('routes %s on segment boundaries, longest prefix first', async (path, expected) => {
    expect(await seen(app, path)).toEqual(expected);
  });

  it('appends to an existing SCRIPT_NAME', async () => {
    expect(await seen(app, '/api/users', '/outer')).toEqual({
      name: 'api',
      script: '/outer/api',
      path: '/users',
    });
  });

  it('lets a mounted App build URLs that include its mount point', async () => {
    const api = new RoutingApp();
    api.route('/users/<int:id>', { name: 'user' }, (request, { id }) => ({
      self: api.urlFor('user', { id }, { request }),
    }));
    expect(await seen(dispatcher(named('main'), { '/api': api }), '/api/users/3')).toEqual({
      self: '/api/users/3',
    });
  });

  it('refuses prefixes that are not paths and mounts that are not apps', () => {
    expect(() => dispatcher(named('main'), { api: named('x') })).toThrow(/must be a path/);
    expect(() => dispatcher(named('main'), { '/': named('x') })).toThrow(/must be a path/);
    expect(() => dispatcher(named('main'), { '/x': 'nope' as unknown as App })).toThrow(
      /not a function/,
    );
  });
});
