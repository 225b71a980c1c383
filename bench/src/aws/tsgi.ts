/** tsgi's Lambda `handler` with a plain tsgi app. */
import { handler as lambda } from '../../../adapters/aws-lambda/index.js';
import { app } from '../tsgi-app.js';

export const handler = lambda(app);
