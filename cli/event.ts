/**
 * `tsgi event <kind> <METHOD> <path>`: prints an event shaped like the ones the front end sends,
 * built by the Lambda adapter's own `buildEvent`, so it pipes into `tsgi invoke --event -`.
 */
import { buildEvent, type EventKindName } from '../adapters/aws-lambda/index.js';
import { hostParts, isPort } from '../src/index.js';
import { parseCommand } from './args.js';
import { UsageError } from './errors.js';
import { parseDataOption, parseHeaderOptions, withDefaultContentType } from './http-input.js';

const KINDS: readonly EventKindName[] = [
  'aws-v1',
  'aws-v2',
  'alb',
  'alb-multi',
  'function-url',
  'edge',
];

export const eventHelp = `Usage: tsgi event <kind> <METHOD> <path> [options]

Prints a realistic Lambda event for one request. Kinds:
  aws-v1        API Gateway REST API (payload 1.0)
  aws-v2        API Gateway HTTP API (payload 2.0)
  alb           Application Load Balancer, single-value headers
  alb-multi     Application Load Balancer, multi-value headers
  function-url  Lambda Function URL
  edge          CloudFront Lambda@Edge (viewer-request)

Options:
  -H, --header 'Name: value'  add a request header (repeatable)
  -d, --data <text|@file|@->  the request body, byte for byte (binary bodies go base64); sets
                              Content-Type: application/x-www-form-urlencoded unless -H gives one
      --stage <name>          the API Gateway stage (aws-v1 default prod, aws-v2 default $default)
      --host <name>           the Host the client used (default: the front end's domain)
  -h, --help                  show this help

Example:
  tsgi event aws-v2 POST /echo -H 'Content-Type: application/json' -d '{"a":1}' |
    tsgi invoke app.ts --event -`;

export async function eventCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand('event', args, {
    header: { type: 'string', short: 'H', multiple: true },
    data: { type: 'string', short: 'd' },
    stage: { type: 'string' },
    host: { type: 'string' },
  });
  const [kind, method, path, ...extra] = positionals;
  if (kind === undefined || method === undefined || path === undefined || extra.length > 0) {
    throw new UsageError('usage: tsgi event <kind> <METHOD> <path> (see tsgi event --help)');
  }
  if (!(KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(`the event kind must be one of ${KINDS.join(', ')}; got "${kind}"`);
  }
  if (!/^[A-Za-z]+$/.test(method)) throw new UsageError(`"${method}" is not an HTTP method`);
  if (!path.startsWith('/')) throw new UsageError(`the path must start with /, got "${path}"`);
  if (values.stage !== undefined && kind !== 'aws-v1' && kind !== 'aws-v2') {
    throw new UsageError(`--stage is for API Gateway events (aws-v1, aws-v2); ${kind} has none`);
  }
  if (values.stage !== undefined && !/^[\w$-]+$/.test(values.stage)) {
    throw new UsageError(`--stage "${values.stage}" is not a stage name`);
  }
  const body = parseDataOption(values.data);
  const headers = parseHeaderOptions(values.header);
  // `-H 'Host: …'` names the host as `--host` does (as it does for `request`); --host wins.
  const host = values.host ?? headers.find(([name]) => name.toLowerCase() === 'host')?.[1];
  if (host !== undefined && !isHost(host)) {
    throw new UsageError(`"${host}" is not a host name (with an optional :port)`);
  }
  const event = buildEvent(kind as EventKindName, {
    method,
    path,
    headers: withDefaultContentType(headers, body),
    ...(body !== undefined && { body }),
    ...(values.stage !== undefined && { stage: values.stage }),
    ...(host !== undefined && { host }),
  });
  process.stdout.write(`${JSON.stringify(event, null, 2)}\n`);
  return 0;
}

/** A Host header's value with a name, and a valid port if it has a colon. */
function isHost(text: string): boolean {
  const parts = hostParts(text);
  return parts !== undefined && parts[0] !== '' && (parts[1] === undefined || isPort(parts[1]));
}
