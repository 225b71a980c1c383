/**
 * A MultiDict (werkzeug's name): keys with one or more values, in the order they arrived.
 * Query strings and forms repeat keys (`?tag=a&tag=b`); `get` gives the first, `getAll` every one.
 *
 * @example
 * ```ts
 * const args = new MultiDict([['tag', 'a'], ['tag', 'b']]);
 * args.get('tag');    // 'a'
 * args.getAll('tag'); // ['a', 'b']
 * ```
 */
export class MultiDict<V = string> implements Iterable<[string, V]> {
  readonly #map = new Map<string, V[]>();

  constructor(entries?: Iterable<readonly [string, V]>) {
    if (entries) for (const [key, value] of entries) this.append(key, value);
  }

  /** The first value for `key`, or undefined. */
  get(key: string): V | undefined {
    return this.#map.get(key)?.[0];
  }

  /** The first value for `key` converted by `type`, or undefined when absent or `type` throws or gives NaN. */
  getAs<T>(key: string, type: (value: V) => T): T | undefined {
    const value = this.get(key);
    if (value === undefined) return undefined;
    try {
      const converted = type(value);
      return typeof converted === 'number' && Number.isNaN(converted) ? undefined : converted;
    } catch {
      return undefined;
    }
  }

  /** Every value for `key`, in order (an empty array when absent). */
  getAll(key: string): V[] {
    return this.#map.get(key)?.slice() ?? [];
  }

  has(key: string): boolean {
    return this.#map.has(key);
  }

  append(key: string, value: V): void {
    const values = this.#map.get(key);
    if (values) values.push(value);
    else this.#map.set(key, [value]);
  }

  /** Replaces every value of `key` with one. */
  set(key: string, value: V): void {
    this.#map.set(key, [value]);
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  /** How many distinct keys. */
  get size(): number {
    return this.#map.size;
  }

  keys(): IterableIterator<string> {
    return this.#map.keys();
  }

  /** Every `[key, value]` pair, repeats included, grouped by key in first-seen order. */
  *entries(): IterableIterator<[string, V]> {
    for (const [key, values] of this.#map) for (const value of values) yield [key, value];
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  /** A plain object of first values (handy for JSON and destructuring). */
  toObject(): Record<string, V> {
    // fromEntries defines own properties, so a `__proto__` key is kept as data.
    return Object.fromEntries([...this.#map].map(([key, values]) => [key, values[0]!]));
  }

  toJSON(): Record<string, V[]> {
    return Object.fromEntries(this.#map);
  }
}
