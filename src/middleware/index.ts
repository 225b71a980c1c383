/**
 * Middleware: apps that wrap apps.
 *
 * @module
 */
export { dispatcher } from './dispatcher.js';
export { fsLoader } from './fs-loader.js';
export { LintError, type LintedApp, type LintOptions, lint } from './lint.js';
export { type ProxyFixOptions, type ProxyFixOriginals, proxyFix } from './proxy-fix.js';
export { type SharedDataOptions, safeRelativePath, sharedData } from './shared-data.js';
export {
  type AssetsBinding,
  assetsLoader,
  type Loader,
  memoryLoader,
  type StaticFile,
} from './static-files.js';
