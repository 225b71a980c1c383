/**
 * tsgi: the WSGI model (PEP 3333) for TypeScript.
 *
 * The protocol and the runner every adapter uses, and the framework layer on top.
 *
 * @module
 */
export * from './core/index.js';
export * from './framework/index.js';

import type { App as ProtocolApp } from './core/types.js';
import { App as RoutingApp } from './framework/index.js';

/**
 * `App` is two things with one name: in a type position the protocol's app type (a function
 * `(environ, startResponse) => body`), as a value the routing app class, {@link Application}.
 * An `Application` instance is itself a protocol `App`.
 *
 * @example
 * ```ts
 * import { App } from 'tsgi';
 * const app = new App();                                    // the class
 * const plain: App = (environ, startResponse) => { ... };   // the type
 * const same: App = app;                                    // an instance is an app
 * ```
 */
export type App = ProtocolApp;
export const App = RoutingApp;
