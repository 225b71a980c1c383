/**
 * Objects that are also functions. The seed's framework object and Flask's app are called as
 * apps (`app(environ, startResponse)`) and still carry state and methods; a Response is an app
 * too. JavaScript has no `__call__`, so the constructor returns a function whose prototype is
 * the class's: `typeof app === 'function'`, `app instanceof App`, and methods work as usual.
 */
import type { App, AppIterable, Environ, StartResponse } from '../core/types.js';

/** The method a {@link CallableObject} runs when it is called. */
export const CALL: unique symbol = Symbol('tsgi.call');

/** Base class whose instances are functions that run `this[CALL](...)`. */
export abstract class CallableObject {
  constructor() {
    const self = ((...args: unknown[]) =>
      (self as unknown as CallableObject)[CALL](...args)) as unknown as CallableObject;
    // An arrow function owns `name` and `length`; drop them so subclasses may use those names.
    delete (self as { name?: string }).name;
    delete (self as { length?: number }).length;
    Object.setPrototypeOf(self, new.target.prototype);
    // biome-ignore lint/correctness/noConstructorReturn: the instance must be a function
    return self;
  }

  abstract [CALL](...args: unknown[]): unknown;
}

// Instances keep `call`, `apply` and `bind`; `name` and `length` stay plain writable properties
// (Function.prototype's are read-only, which would break `this.name = ...` in a subclass).
Object.setPrototypeOf(CallableObject.prototype, Function.prototype);
for (const key of ['name', 'length']) {
  Object.defineProperty(CallableObject.prototype, key, {
    value: undefined,
    writable: true,
    configurable: true,
  });
}

/**
 * The base of a framework object: an app that delegates every call to its replaceable
 * `wsgiApp`, so middleware can wrap it in place (SPEC §1). `wsgiApp` is bound to the instance,
 * so `app.wsgiApp = sharedData(app.wsgiApp, {...})` keeps `this` working.
 *
 * @example
 * ```ts
 * class FrameWork extends BaseApp {
 *   // Declare the full app return type, so a middleware (which may be async) can replace it.
 *   wsgiApp(environ: Environ, startResponse: StartResponse): AppIterable | Promise<AppIterable> {
 *     return new Response('Hello World!')(environ, startResponse);
 *   }
 * }
 * const app = new FrameWork();
 * app.wsgiApp = sharedData(app.wsgiApp, { '/static': fsLoader('static') });
 * ```
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface adds the call signature the constructor provides
export abstract class BaseApp extends CallableObject {
  /** A name for the app (the seed's `FrameWork(name)`); a plain writable property. */
  declare name: string;

  constructor() {
    super();
    const method = this.wsgiApp as unknown;
    if (typeof method === 'function') this.wsgiApp = method.bind(this);
  }

  /** The app itself; calling the instance calls this, whatever it has been replaced with. */
  abstract wsgiApp(
    environ: Environ,
    startResponse: StartResponse,
  ): AppIterable | Promise<AppIterable>;

  [CALL](environ: Environ, startResponse: StartResponse): AppIterable | Promise<AppIterable> {
    return this.wsgiApp(environ, startResponse);
  }
}

/** A BaseApp instance is an {@link App}. */
export interface BaseApp extends App {}
