/**
 * `tsgi invoke <module> --event <file|->`: runs the Lambda adapter's handler on an event, as the
 * Lambda runtime would, and prints the result.
 */
import {
  decodeResult,
  eventKind,
  handler,
  type LambdaContext,
  type LambdaEvent,
} from '../adapters/aws-lambda/index.js';
import { type App, fromUtf8, isValidUtf8, REASONS } from '../src/index.js';
import { parseCommand } from './args.js';
import { oneLine, UsageError } from './errors.js';
import { localContext, readJsonObject } from './lambda.js';
import { loadApp } from './load.js';

export const invokeHelp = `Usage: tsgi invoke <module> --event <file|-> [options]

Runs the app's Lambda handler (tsgi/aws-lambda) on one event and prints the result JSON.
The event may be API Gateway REST (v1) or HTTP API (v2), Function URL, ALB or Lambda@Edge.

Options:
  -e, --event <file|->    the event JSON (- reads stdin; a UTF-8 BOM is fine)
  -c, --context <file>    a context JSON to use instead of the local one
      --http              print the result as the HTTP response a client would get
      --export <name>     the export that holds the app (default: the default export)
  -h, --help              show this help

Examples:
  tsgi invoke app.ts --event events/get.json
  tsgi event aws-v2 GET /hello | tsgi invoke app.ts --event - --http`;

export async function invokeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand('invoke', args, {
    event: { type: 'string', short: 'e' },
    context: { type: 'string', short: 'c' },
    http: { type: 'boolean' },
    export: { type: 'string' },
  });
  if (positionals.length !== 1) {
    throw new UsageError('usage: tsgi invoke <module> --event <file|-> (see tsgi invoke --help)');
  }
  if (values.event === undefined) throw new UsageError('missing --event <file|->');
  const event = readJsonObject(values.event, 'event');
  const context =
    values.context !== undefined
      ? { ...localContext(), ...readJsonObject(values.context, 'context') }
      : localContext();
  await checkEvent(event);
  const app = await loadApp(positionals[0], {
    ...(values.export !== undefined && { exportName: values.export }),
  });
  let output: string;
  try {
    output = await invokeEvent(app, event, context, values.http ?? false);
  } catch (error) {
    // The handler has logged why; the invocation failed as it would on Lambda.
    process.stderr.write(`tsgi: the invocation failed: ${oneLine(error)}\n`);
    return 1;
  }
  process.stdout.write(output);
  return 0;
}

const noApp: App = () => {
  throw new Error('unreachable: the event is one the adapter refuses');
};

/**
 * Refuses, as a usage error, an event that no front end the adapter serves would send, in the
 * adapter's own words (which name a Lambda@Edge response trigger, say), before the app loads.
 */
export async function checkEvent(event: Record<string, unknown>): Promise<void> {
  if (eventKind(event) !== undefined || event.source === 'serverless-plugin-warmup') return;
  try {
    await handler(noApp, { logger: () => {} })(event as unknown as LambdaEvent);
  } catch (error) {
    throw new UsageError(oneLine(error).replace(/^tsgi: /, ''));
  }
}

/**
 * Runs the buffered Lambda handler on one event and returns what `invoke` prints: the result
 * JSON, or with `http` the response a client would get through that front end.
 */
export async function invokeEvent(
  app: App,
  event: Record<string, unknown>,
  context: LambdaContext,
  http: boolean,
): Promise<string> {
  const result = await handler(app)(event as unknown as LambdaEvent, context);
  const shape = eventKind(event);
  if (!http || shape === undefined) return `${JSON.stringify(result, null, 2)}\n`;
  const res = decodeResult(shape, result);
  let out = `HTTP/1.1 ${frontEndStatus(result, res.statusCode)}\n`;
  for (const [name, value] of res.headers) out += `${name}: ${value}\n`;
  out += '\n';
  return isValidUtf8(res.body)
    ? out + fromUtf8(res.body)
    : `${out}[${res.body.byteLength} bytes of binary data]\n`;
}

/**
 * The status line's code and reason as the front end sends them: ALB and Lambda@Edge send the
 * result's `statusDescription`; API Gateway the standard phrase for the code, or none it lacks.
 */
function frontEndStatus(result: unknown, code: number): string {
  // ALB's is `"<code> <reason>"`, Lambda@Edge's the reason alone.
  const description = (result as { statusDescription?: unknown } | null)?.statusDescription;
  if (typeof description === 'string' && description !== '') {
    return description.startsWith(`${code} `) ? description : `${code} ${description}`;
  }
  const reason = REASONS[code];
  return reason === undefined ? String(code) : `${code} ${reason}`;
}
