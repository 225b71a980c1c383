/** tsgi's Lambda `handler` with the framework App. */
import { handler as lambda } from '../../../adapters/aws-lambda/index.js';
import { frameworkApp } from '../tsgi-framework-app.js';

export const handler = lambda(frameworkApp);
