/**
 * The handler accepts the event and context types of `@types/aws-lambda`, which users already
 * have, and can be declared as the handler types it declares. Checked by `tsc` in `npm test`; the
 * calls run the same events through, so the file is a test at run time too.
 */
import type {
  ALBEvent,
  ALBHandler,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  APIGatewayProxyHandler,
  APIGatewayProxyHandlerV2,
  CloudFrontRequestEvent,
  CloudFrontRequestHandler,
  Context,
  LambdaFunctionURLEvent,
  LambdaFunctionURLHandler,
} from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { buildEvent, handler } from '../../../adapters/aws-lambda/index.js';
import type { App } from '../../../src/index.js';

const app: App = (_environ, start) => {
  start('200 OK', [['Content-Type', 'text/plain']]);
  return ['ok'];
};

const context = { awsRequestId: 'r', functionName: 'f' } as Context;
const noCallback = () => {};

describe('the types of @types/aws-lambda', () => {
  it('are accepted as the event and context, and the handler can be declared with them', async () => {
    const v1: APIGatewayProxyHandler = handler(app);
    const v2: APIGatewayProxyHandlerV2 = handler(app);
    const url: LambdaFunctionURLHandler = handler(app);
    const alb: ALBHandler = handler(app);
    const edge: CloudFrontRequestHandler = handler(app);

    const rest = await v1(
      buildEvent('aws-v1') as unknown as APIGatewayProxyEvent,
      context,
      noCallback,
    );
    expect(rest?.statusCode).toBe(200);
    const http = await v2(
      buildEvent('aws-v2') as unknown as APIGatewayProxyEventV2,
      context,
      noCallback,
    );
    expect(typeof http === 'object' && http.statusCode).toBe(200);
    const fromUrl = await url(
      buildEvent('function-url') as unknown as LambdaFunctionURLEvent,
      context,
      noCallback,
    );
    expect(typeof fromUrl === 'object' && fromUrl.statusCode).toBe(200);
    const balanced = await alb(buildEvent('alb') as unknown as ALBEvent, context, noCallback);
    expect(balanced?.statusCode).toBe(200);
    const cdn = await edge(
      buildEvent('edge') as unknown as CloudFrontRequestEvent,
      context,
      noCallback,
    );
    expect(cdn && 'status' in cdn && cdn.status).toBe('200');

    // Called from a function of the user's own, with the types it declares.
    const own = (event: APIGatewayProxyEventV2, ctx: Context) => handler(app)(event, ctx);
    expect(
      (await own(buildEvent('aws-v2') as unknown as APIGatewayProxyEventV2, context)).body,
    ).toBe('ok');
  });
});
