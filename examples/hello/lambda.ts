/**
 * The hello app on AWS Lambda: `handler` for API Gateway (REST and HTTP API), Function URLs, ALB
 * and Lambda@Edge; `streamingHandler` for a Function URL in RESPONSE_STREAM mode.
 * Deployed by serverless.yml at the repository root.
 */
import { handler as lambdaHandler, streamHandler } from '../../adapters/aws-lambda/index.js';
import app from './app.js';

export const handler = lambdaHandler(app);
export const streamingHandler = streamHandler(app);
