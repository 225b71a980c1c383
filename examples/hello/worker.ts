/**
 * The hello example as a Cloudflare Worker: the `main` of the root wrangler.toml.
 * `npx wrangler dev` serves it locally; `npx wrangler deploy` publishes it.
 *
 * Files in ./static are uploaded as Workers static assets; sharedData serves them under
 * /static through the ASSETS binding, in front of the app (wrangler.toml sends every request to
 * the worker first, so the app's routing decides).
 */
import { env } from 'cloudflare:workers';
import { worker } from '../../adapters/cloudflare/index.js';
import { type AssetsBinding, assetsLoader, sharedData } from '../../src/middleware/index.js';
import app from './app.js';

// Bindings are readable at the top level of a module worker (`cloudflare:workers`).
const assets = (env as { ASSETS?: AssetsBinding }).ASSETS;

export default worker(assets ? sharedData(app, { '/static': assetsLoader(assets) }) : app);
