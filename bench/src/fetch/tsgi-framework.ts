/** tsgi's `fetchHandler` with the framework App. */
import { fetchHandler } from '../../../adapters/cloudflare/index.js';
import { frameworkApp } from '../tsgi-framework-app.js';

const handle = fetchHandler(frameworkApp);

export const fetch = (request: Request): Promise<Response> => handle(request);
