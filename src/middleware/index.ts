/**
 * Middleware: apps that wrap apps.
 *
 * @module
 */
export { LintError, type LintedApp, type LintOptions, lint } from './lint.js';
