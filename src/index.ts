/**
 * tsgi: the WSGI model (PEP 3333) for TypeScript.
 *
 * The protocol and the runner every adapter uses, and the framework layer on top.
 *
 * @module
 */
export * from './core/index.js';
