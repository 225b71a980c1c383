/**
 * The hello example as a Cloudflare Worker: the `main` of the root wrangler.toml.
 * `npx wrangler dev` serves it locally; `npx wrangler deploy` publishes it.
 */
import { worker } from '../../adapters/cloudflare/index.js';
import app from './app.js';

export default worker(app);
