/**
 * What `invoke` and `--emulate` need around the Lambda adapter: a local context and reading an
 * event file.
 */
import { randomUUID } from 'node:crypto';
import type { LambdaContext } from '../adapters/aws-lambda/index.js';
import { oneLine, UsageError } from './errors.js';
import { readInput } from './http-input.js';

const START = Date.now();

/** A context shaped like the Node runtime's, for a function named `tsgi-local`. */
export function localContext(): LambdaContext {
  const deadline = Date.now() + 30_000;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'tsgi-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:tsgi-local',
    memoryLimitInMB: '128',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/tsgi-local',
    logStreamName: `${new Date(START).toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]local`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  return context;
}

/** A JSON object from a file or `-` (stdin); a leading BOM is dropped. */
export function readJsonObject(file: string, what: string): Record<string, unknown> {
  const text = readInput(file, what)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const where = file === '-' ? 'stdin' : file;
    throw new UsageError(`the ${what} in ${where} is not valid JSON: ${oneLine(error)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`the ${what} in ${file === '-' ? 'stdin' : file} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}
