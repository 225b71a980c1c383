/** tsgi's `fetchHandler` with the plain tsgi app. */
import { fetchHandler } from '../../../adapters/cloudflare/index.js';
import { app } from '../tsgi-app.js';

const handle = fetchHandler(app);

export const fetch = (request: Request): Promise<Response> => handle(request);
