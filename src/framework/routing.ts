/**
 * URL routing (werkzeug's `routing`): rules like `/users/<int:id>` compiled once when added.
 * Static rules are found with one Map lookup; dynamic ones are bucketed by their first path
 * segment, so a table of a hundred routes costs a request a handful of regex tests at most.
 */
import { encodePath } from '../core/environ.js';

/** Turns a path segment into a typed value and back. */
export interface Converter {
  /** A regex source matching the raw text (no capture groups). */
  regex: string;
  /** The value from the matched text; throw to make the rule not match. */
  toValue(text: string): unknown;
  /** The text for a value when building a URL (not yet percent-encoded). */
  toUrl(value: unknown): string;
  /** Lower wins when two rules could match; the string converter is 100. */
  weight?: number;
  /** True when the value may hold `/` (kept unencoded when building URLs). */
  slashes?: boolean;
}

/** The converters every router knows: `string` (the default), `int`, `float`, `path`, `uuid`. */
export const DEFAULT_CONVERTERS: Readonly<Record<string, Converter>> = {
  string: { regex: '[^/]+', toValue: (text) => text, toUrl: String, weight: 100 },
  int: {
    regex: '\\d+',
    toValue: (text) => {
      const value = Number(text);
      if (!Number.isSafeInteger(value)) throw new RangeError('not a safe integer');
      return value;
    },
    toUrl: (value) => {
      if (!Number.isSafeInteger(value) || (value as number) < 0) {
        throw new TypeError(`${String(value)} is not a non-negative integer`);
      }
      return String(value);
    },
    weight: 50,
  },
  float: {
    regex: '\\d+\\.\\d+',
    toValue: Number,
    toUrl: (value) => {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new TypeError(`${String(value)} is not a non-negative number`);
      }
      return Number.isInteger(value) ? value.toFixed(1) : String(value);
    },
    weight: 50,
  },
  path: { regex: '[^/].*?', toValue: (text) => text, toUrl: String, weight: 200, slashes: true },
  uuid: {
    regex: '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}',
    toValue: (text) => text.toLowerCase(),
    toUrl: String,
    weight: 50,
  },
};

type ConverterValue<C extends string> = C extends 'int' | 'float' ? number : string;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * The parameters a rule gives its view, typed from the rule itself:
 * `RouteParams<'/users/<int:id>/<path:rest>'>` is `{ id: number; rest: string }`.
 */
export type RouteParams<Path extends string> = Simplify<ParamsOf<Path>>;
type ParamsOf<Path extends string> = Path extends `${string}<${infer Spec}>${infer Rest}`
  ? (Spec extends `${infer C}:${infer N}`
      ? { [K in N]: ConverterValue<C> }
      : { [K in Spec]: string }) &
      ParamsOf<Rest>
  : Record<never, never>;

/** One compiled rule. */
export interface Rule<H> {
  readonly path: string;
  readonly name: string;
  /** Upper-case methods; GET implies HEAD. */
  readonly methods: ReadonlySet<string>;
  readonly handler: H;
  readonly params: readonly { name: string; converter: Converter }[];
  /** Null for a static rule. */
  readonly regex: RegExp | null;
  /** The literal text between parameters (length params + 1). */
  readonly parts: readonly string[];
  readonly sortKey: readonly number[];
}

/** What {@link Router.match} found. */
export type Match<H> =
  | { kind: 'found'; rule: Rule<H>; params: Record<string, unknown> }
  /** The path exists but not for this method: answer 405, or the OPTIONS request itself. */
  | { kind: 'method'; allowed: string[] }
  | { kind: 'none' };

const PARAM = /<(?:([A-Za-z_][A-Za-z0-9_]*):)?([A-Za-z_][A-Za-z0-9_]*)>/g;
const REGEX_SPECIAL = /[.*+?^${}()|[\]\\]/g;
/** A value in a built URL: `/` kept only where the converter allows it (a `path` parameter). */
function encodeSegment(text: string, slashes: boolean): string {
  const encoded = encodePath(text);
  return slashes ? encoded : encoded.replaceAll('/', '%2F');
}

function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return end === -1 ? path.slice(1) : path.slice(1, end);
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/**
 * Rules in, matches out.
 *
 * @example
 * ```ts
 * const router = new Router<string>();
 * router.add('/users/<int:id>', 'user', { methods: ['GET'], name: 'user' });
 * router.match('GET', '/users/7'); // { kind: 'found', params: { id: 7 }, ... }
 * router.build('user', { id: 7, tab: 'posts' }); // '/users/7?tab=posts'
 * ```
 */
export class Router<H> {
  /** Converters by name; add your own before adding rules that use them. */
  readonly converters: Record<string, Converter> = { ...DEFAULT_CONVERTERS };
  readonly rules: Rule<H>[] = [];
  readonly #static = new Map<string, Rule<H>[]>();
  /** Dynamic rules whose first segment is literal, by that segment. */
  readonly #byFirst = new Map<string, Rule<H>[]>();
  /** Dynamic rules that start with a parameter. */
  readonly #wild: Rule<H>[] = [];
  /** Rules by name, in the order {@link Router.build} tries them. */
  readonly #byName = new Map<string, Rule<H>[]>();

  /** Adds a rule. Throws on a malformed rule or an unknown converter. */
  add(
    path: string,
    handler: H,
    options: { methods?: readonly string[]; name?: string } = {},
  ): Rule<H> {
    if (!path.startsWith('/'))
      throw new TypeError(`route ${JSON.stringify(path)} must start with "/"`);
    const methods = new Set((options.methods ?? ['GET']).map((m) => m.toUpperCase()));
    if (methods.has('GET')) methods.add('HEAD');
    const params: { name: string; converter: Converter }[] = [];
    const parts: string[] = [];
    let source = '^';
    let last = 0;
    let weight = 0;
    for (const match of path.matchAll(PARAM)) {
      const [whole, converterName = 'string', name] = match as unknown as [string, string, string];
      const converter = this.converters[converterName];
      if (!converter) throw new TypeError(`route ${path} uses unknown converter ${converterName}`);
      if (params.some((p) => p.name === name)) {
        throw new TypeError(`route ${path} uses the parameter ${name} twice`);
      }
      const literal = path.slice(last, match.index);
      parts.push(literal);
      source += `${literal.replace(REGEX_SPECIAL, '\\$&')}(${converter.regex})`;
      params.push({ name, converter });
      weight += converter.weight ?? 100;
      last = match.index + whole.length;
    }
    const tail = path.slice(last);
    parts.push(tail);
    if (/[<>]/.test(parts.join(''))) throw new TypeError(`route ${path} has a malformed parameter`);
    source += `${tail.replace(REGEX_SPECIAL, '\\$&')}$`;
    const staticSegments = parts.join('').split('/').filter(Boolean).length;
    const hasPath = params.some((p) => p.converter.slashes) ? 1 : 0;
    const rule: Rule<H> = {
      path,
      name: options.name ?? path,
      methods,
      handler,
      params,
      regex: params.length === 0 ? null : new RegExp(source, 's'),
      parts,
      sortKey: [hasPath, -staticSegments, weight, this.rules.length],
    };
    this.rules.push(rule);
    const named = this.#byName.get(rule.name);
    if (named) {
      named.push(rule);
      // werkzeug's build order: more parameters first, so the most specific rule that can be
      // filled wins; a stable sort keeps the order added between equals.
      named.sort((a, b) => b.params.length - a.params.length);
    } else {
      this.#byName.set(rule.name, [rule]);
    }
    if (rule.regex === null) {
      const list = this.#static.get(path);
      if (list) list.push(rule);
      else this.#static.set(path, [rule]);
    } else {
      const first = parts[0]!;
      const literalFirst = first.indexOf('/', 1) !== -1 ? firstSegment(first) : null;
      const bucket =
        literalFirst === null
          ? this.#wild
          : (this.#byFirst.get(literalFirst) ??
            this.#byFirst.set(literalFirst, []).get(literalFirst)!);
      bucket.push(rule);
      bucket.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    }
    return rule;
  }

  /** Finds the rule for a method and a (decoded) path. */
  match(method: string, path: string): Match<H> {
    let allowed: Set<string> | undefined;
    const statics = this.#static.get(path);
    if (statics) {
      for (const rule of statics) {
        if (rule.methods.has(method)) return { kind: 'found', rule, params: {} };
        allowed ??= new Set();
        for (const m of rule.methods) allowed.add(m);
      }
    }
    const buckets = [this.#byFirst.get(firstSegment(path)), this.#wild];
    for (const bucket of buckets) {
      if (bucket === undefined) continue;
      for (const rule of bucket) {
        const found = rule.regex!.exec(path);
        if (found === null) continue;
        const params: Record<string, unknown> = {};
        try {
          for (let i = 0; i < rule.params.length; i++) {
            const { name, converter } = rule.params[i]!;
            params[name] = converter.toValue(found[i + 1]!);
          }
        } catch {
          continue;
        }
        if (rule.methods.has(method)) return { kind: 'found', rule, params };
        allowed ??= new Set();
        for (const m of rule.methods) allowed.add(m);
      }
    }
    if (allowed === undefined) return { kind: 'none' };
    allowed.add('OPTIONS');
    return { kind: 'method', allowed: [...allowed].sort() };
  }

  /**
   * The path for a rule by name. Of several rules with the name, the first whose parameters are
   * all given is used, trying rules with more parameters first; values the rule does not use go
   * into the query string. Throws when the name is unknown, when no rule has all its parameters,
   * or when a value is of the wrong kind.
   *
   * @example
   * ```ts
   * router.add('/users/', 'users', { name: 'users' });
   * router.add('/users/page/<int:page>', 'users', { name: 'users' });
   * router.build('users', { page: 2 }); // '/users/page/2'
   * router.build('users', { sort: 'name' }); // '/users/?sort=name'
   * ```
   */
  build(name: string, values: Record<string, unknown> = {}): string {
    const rules = this.#byName.get(name);
    if (!rules) throw new Error(`no route named ${JSON.stringify(name)}`);
    const missing = rules.map((rule) =>
      rule.params.map((p) => p.name).filter((param) => values[param] == null),
    );
    const index = missing.findIndex((names) => names.length === 0);
    if (index === -1) {
      const fewest = missing.reduce((a, b) => (b.length < a.length ? b : a));
      const noun = fewest.length === 1 ? 'parameter' : 'parameters';
      throw new TypeError(`building ${name} needs the ${noun} ${fewest.join(', ')}`);
    }
    const rule = rules[index]!;
    // A rule's text is matched against the decoded PATH_INFO, so it is encoded too (`/café`).
    let path = encodePath(rule.parts[0]!);
    rule.params.forEach(({ name: param, converter }, i) => {
      path +=
        encodeSegment(converter.toUrl(values[param]), converter.slashes === true) +
        encodePath(rule.parts[i + 1]!);
    });
    const used = new Set(rule.params.map((p) => p.name));
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(values)) {
      if (used.has(key) || value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const item of value) query.append(key, String(item));
      else query.append(key, String(value));
    }
    const search = query.toString();
    return search ? `${path}?${search}` : path;
  }
}
