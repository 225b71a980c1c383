import { describe, expect, expectTypeOf, it } from 'vitest';
import { type RouteParams, Router } from '../../src/index.js';

/** The handler a GET of `path` finds, or the kind of miss. */
function foundHandler(router: Router<string>, path: string): string {
  const match = router.match('GET', path);
  return match.kind === 'found' ? match.rule.handler : match.kind;
}

describe('Router', () => {
  it('matches static rules by method, GET bringing HEAD', () => {
    const router = new Router<string>();
    router.add('/', 'index');
    router.add('/items', 'create', { methods: ['post'] });
    expect(router.match('GET', '/')).toMatchObject({ kind: 'found', params: {} });
    expect(router.match('HEAD', '/')).toMatchObject({ kind: 'found' });
    expect(router.match('POST', '/items')).toMatchObject({
      kind: 'found',
      rule: { handler: 'create' },
    });
    expect(router.match('DELETE', '/items')).toEqual({
      kind: 'method',
      allowed: ['OPTIONS', 'POST'],
    });
    expect(router.match('GET', '/nope')).toEqual({ kind: 'none' });
  });

  it('converts typed parameters and refuses what does not convert', () => {
    const router = new Router<string>();
    router.add('/users/<int:id>', 'user');
    router.add('/price/<float:amount>', 'price');
    router.add('/files/<path:rest>', 'file');
    router.add('/things/<uuid:id>', 'thing');
    router.add('/hello/<name>', 'hello');
    expect(router.match('GET', '/users/42')).toMatchObject({ params: { id: 42 } });
    expect(router.match('GET', '/users/abc').kind).toBe('none');
    expect(router.match('GET', '/users/99999999999999999999').kind).toBe('none');
    expect(router.match('GET', '/price/1.50')).toMatchObject({ params: { amount: 1.5 } });
    expect(router.match('GET', '/files/a/b/c.txt')).toMatchObject({
      params: { rest: 'a/b/c.txt' },
    });
    expect(router.match('GET', '/things/0F6F1C7E-0000-4000-8000-00000000ABCD')).toMatchObject({
      params: { id: '0f6f1c7e-0000-4000-8000-00000000abcd' },
    });
    expect(router.match('GET', '/hello/a b')).toMatchObject({ params: { name: 'a b' } });
    expect(router.match('GET', '/hello/a/b').kind).toBe('none');
  });

  it('orders rules as the guide says: a literal first segment wins over more literal segments', () => {
    const router = new Router<string>();
    router.add('/<lang>/docs/intro', 'intro');
    router.add('/en/<section>/<page>', 'english');
    router.add('/files/<path:rest>', 'files');
    router.add('/<a>/<int:b>', 'pair');
    router.add('/a/<x>/c', 'first added');
    router.add('/a/b/<y>', 'second added');
    router.add('/a/<int:n>/c', 'lighter');
    const handler = (path: string) => foundHandler(router, path);
    expect(handler('/en/docs/intro')).toBe('english');
    expect(handler('/de/docs/intro')).toBe('intro');
    expect(handler('/files/5')).toBe('files');
    expect(handler('/x/5')).toBe('pair');
    expect(handler('/a/b/c')).toBe('first added');
    expect(handler('/a/5/c')).toBe('lighter');
  });

  it('prefers static rules, then more static segments, then int over string, path last', () => {
    const router = new Router<string>();
    router.add('/<path:any>', 'catch-all');
    router.add('/users/<name>', 'by-name');
    router.add('/users/<int:id>', 'by-id');
    router.add('/users/me', 'me');
    router.add('/<lang>/about', 'about');
    const handler = (path: string) => foundHandler(router, path);
    expect(handler('/users/me')).toBe('me');
    expect(handler('/users/7')).toBe('by-id');
    expect(handler('/users/ada')).toBe('by-name');
    expect(handler('/en/about')).toBe('about');
    expect(handler('/users/ada/more')).toBe('catch-all');
  });

  it('gives 405 with every allowed method across rules for the same path', () => {
    const router = new Router<string>();
    router.add('/items/<int:id>', 'get');
    router.add('/items/<int:id>', 'put', { methods: ['PUT', 'DELETE'] });
    expect(router.match('POST', '/items/1')).toEqual({
      kind: 'method',
      allowed: ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PUT'],
    });
  });

  it('builds URLs from names, encoding values and adding extra parameters as the query', () => {
    const router = new Router<string>();
    router.add('/users/<int:id>/<tab>', 'h', { name: 'user' });
    router.add('/files/<path:rest>', 'h', { name: 'file' });
    expect(router.build('user', { id: 7, tab: 'a b/c', q: 'x&y', list: [1, 2] })).toBe(
      '/users/7/a%20b%2Fc?q=x%26y&list=1&list=2',
    );
    expect(router.build('file', { rest: 'dir/é.txt' })).toBe('/files/dir/%C3%A9.txt');
    expect(() => router.build('user', { id: 7 })).toThrow(/needs the parameter tab/);
    expect(() => router.build('user', { id: -1, tab: 'x' })).toThrow(/non-negative integer/);
    expect(() => router.build('nope')).toThrow(/no route named "nope"/);
  });

  it('encodes the rule text too: a built URL leads back to its own rule', () => {
    const router = new Router<string>();
    router.add('/c#/<int:id>', 'lang', { name: 'lang' });
    router.add('/what?', 'what', { name: 'what' });
    router.add('/café/<name>/100%', 'cafe', { name: 'cafe' });
    expect(router.build('lang', { id: 1 })).toBe('/c%23/1');
    expect(router.build('what', { x: 1 })).toBe('/what%3F?x=1');
    expect(router.build('cafe', { name: 'é' })).toBe('/caf%C3%A9/%C3%A9/100%25');
    for (const [name, params] of [
      ['lang', { id: 1 }],
      ['what', {}],
      ['cafe', { name: 'é' }],
    ] as const) {
      const built = router.build(name, params);
      // What a server hands the router: the path percent-decoded.
      const match = router.match('GET', decodeURIComponent(built));
      expect(match.kind === 'found' && match.rule.handler, built).toBe(name);
    }
  });

  it('builds with the first rule of a name whose parameters are all given, most parameters first', () => {
    for (const order of ['short first', 'long first']) {
      const router = new Router<string>();
      const rules = [
        () => router.add('/users/', 'h', { name: 'users' }),
        () => router.add('/users/page/<int:page>', 'h', { name: 'users' }),
      ];
      if (order === 'long first') rules.reverse();
      for (const add of rules) add();
      expect(router.build('users', { page: 2 }), order).toBe('/users/page/2');
      expect(router.build('users', {}), order).toBe('/users/');
      expect(router.build('users', { sort: 'name' }), order).toBe('/users/?sort=name');
    }
    const router = new Router<string>();
    router.add('/a/<x>/<y>', 'h', { name: 'a' });
    router.add('/b/<z>', 'h', { name: 'a' });
    // The error names what the nearest rule lacks.
    expect(() => router.build('a', { x: '1' })).toThrow(/needs the parameter y$/);
    expect(() => router.build('a', {})).toThrow(/needs the parameter z$/);
    router.add('/c/<x>/<y>', 'h', { name: 'c' });
    expect(() => router.build('c', {})).toThrow(/needs the parameters x, y$/);
    expect(router.build('a', { x: '1', z: '2' })).toBe('/b/2?x=1');
  });

  it('refuses malformed rules clearly', () => {
    const router = new Router<string>();
    expect(() => router.add('users', 'h')).toThrow(/must start with "\/"/);
    expect(() => router.add('/x/<nope:id>', 'h')).toThrow(/unknown converter nope/);
    expect(() => router.add('/x/<a>/<a>', 'h')).toThrow(/twice/);
    expect(() => router.add('/x/<a', 'h')).toThrow(/malformed/);
  });

  it('accepts custom converters', () => {
    const router = new Router<string>();
    router.converters.hex = {
      regex: '[0-9a-f]+',
      toValue: (t) => Number.parseInt(t, 16),
      toUrl: (v) => (v as number).toString(16),
    };
    router.add('/c/<hex:n>', 'h', { name: 'c' });
    expect(router.match('GET', '/c/ff')).toMatchObject({ params: { n: 255 } });
    expect(router.build('c', { n: 4095 })).toBe('/c/fff');
  });

  it('types parameters from the rule', () => {
    expectTypeOf<RouteParams<'/users/<int:id>/<path:rest>/<name>'>>().toEqualTypeOf<{
      id: number;
      rest: string;
      name: string;
    }>();
  });

  it('finds the right rule in a table of a hundred', () => {
    const router = new Router<number>();
    for (let i = 0; i < 50; i++) router.add(`/static/route${i}`, i);
    for (let i = 0; i < 50; i++) router.add(`/api${i}/items/<int:id>`, 50 + i);
    for (let i = 0; i < 50; i++) {
      expect(router.match('GET', `/static/route${i}`)).toMatchObject({ rule: { handler: i } });
      expect(router.match('GET', `/api${i}/items/${i}`)).toMatchObject({
        rule: { handler: 50 + i },
        params: { id: i },
      });
    }
  });
});
