/**
 * Objects that are also functions. The seed's framework object and Flask's app are called as
 * apps (`app(environ, startResponse)`) and still carry state and methods; a Response is an app
 * too. JavaScript has no `__call__`, so the constructor returns a function whose prototype is
 * the class's: `typeof app === 'function'`, `app instanceof App`, and methods work as usual.
 */
import type { App, AppIterable, Environ, StartResponse } from '../core/types.js';

/** The method a {@link CallableObject} runs when it is called. */
export const CALL: unique symbol = Symbol('tsgi.call');

type Template = (this: { self: CallableObject }, ...args: unknown[]) => unknown;

/** One function per class whose prototype is the class's; instances are bound copies of it. */
const templates = new WeakMap<object, Template>();
const bind = Function.prototype.bind;

function templateFor(prototype: object): Template {
  let template = templates.get(prototype);
  if (template === undefined) {
    template = function (this: { self: CallableObject }, ...args: unknown[]) {
      return this.self[CALL](...args);
    };
    Object.setPrototypeOf(template, prototype);
    templates.set(prototype, template);
  }
  return template;
}

/** Base class whose instances are functions that run `this[CALL](...)`. */
export abstract class CallableObject {
  constructor() {
    // A bound function takes its prototype from its target, so binding a per-class template
    // avoids Object.setPrototypeOf on every instance (which is slow: a Response is made per
    // request). The holder lets the template find the instance it was called through.
    const holder = { self: undefined as unknown as CallableObject };
    const self = bind.call(templateFor(new.target.prototype), holder) as unknown as CallableObject;
    holder.self = self;
    // biome-ignore lint/correctness/noConstructorReturn: the instance must be a function
    return self;
  }

  abstract [CALL](...args: unknown[]): unknown;
}

// Instances keep `call`, `apply` and `bind`; `name` and `length` are plain writable properties
// here (Function.prototype's are read-only, which would break `this.name = ...` in a subclass).
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
    // A bound function owns read-only `name` and `length`; drop them so `this.name = ...` works.
    delete (this as { name?: string }).name;
    delete (this as { length?: number }).length;
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
