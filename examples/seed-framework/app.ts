/**
 * The seed's framework, in TypeScript: a class holding a name, whose instance is itself an app
 * and delegates every call to its replaceable `wsgiApp`. Wrapping `wsgiApp` in place adds static
 * files in front of it, exactly as the Python original does with SharedDataMiddleware.
 *
 * Serve it with `npx tsx cli/main.ts serve examples/seed-framework/app.ts`.
 *
 * Routes:
 *   GET /                  text/plain  Hello World!   (every path but /static/...)
 *   GET /static/style.css  the file from ./static, with ETag and Last-Modified
 */
import { fileURLToPath } from 'node:url';
import {
  type AppIterable,
  BaseApp,
  type Environ,
  Request,
  Response,
  type StartResponse,
} from '../../src/index.js';
import { sharedData } from '../../src/middleware/index.js';

export class FrameWork extends BaseApp {
  constructor(name: string) {
    super();
    this.name = name;
  }

  dispatchRequest(_request: Request): Response {
    return new Response('Hello World!');
  }

  // The full app return type: the middleware that replaces this method below may be async.
  wsgiApp(environ: Environ, startResponse: StartResponse): AppIterable | Promise<AppIterable> {
    const request = new Request(environ);
    const response = this.dispatchRequest(request);
    return response(environ, startResponse);
  }
}

export const STATIC_DIR = fileURLToPath(new URL('./static', import.meta.url));

const app = new FrameWork('seed');
app.wsgiApp = sharedData(app.wsgiApp, { '/static': STATIC_DIR });

export default app;
