/**
 * `tsgi request <module> <METHOD> <path>`: calls the app in-process, the way the test client does,
 * and prints the response like `curl -i`.
 */
import { writeFileSync } from 'node:fs';
import { fromUtf8, isValidUtf8 } from '../src/index.js';
import { Client } from '../src/testing/index.js';
import { parseCommand } from './args.js';
import { UsageError } from './errors.js';
import { parseDataOption, parseHeaderOptions, withDefaultContentType } from './http-input.js';
import { loadApp } from './load.js';

export const requestHelp = `Usage: tsgi request <module> <METHOD> <path> [options]

Calls the app directly (no server) and prints the status line, the headers and the body.

Options:
  -H, --header 'Name: value'  add a request header (repeatable)
  -d, --data <text|@file|@->  the request body, byte for byte (@- reads stdin); sets
                              Content-Type: application/x-www-form-urlencoded unless -H gives one
  -o, --output <file>         write the body to a file instead (needed for binary bodies)
      --export <name>         the export that holds the app (default: the default export)
  -h, --help                  show this help

Example:
  tsgi request app.ts POST /echo -H 'Content-Type: application/json' -d '{"a":1}'`;

export async function requestCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand('request', args, {
    header: { type: 'string', short: 'H', multiple: true },
    data: { type: 'string', short: 'd' },
    output: { type: 'string', short: 'o' },
    export: { type: 'string' },
  });
  const [module, method, path, ...extra] = positionals;
  if (method === undefined || path === undefined || extra.length > 0) {
    throw new UsageError('usage: tsgi request <module> <METHOD> <path> (see tsgi request --help)');
  }
  if (!/^[A-Za-z]+$/.test(method)) throw new UsageError(`"${method}" is not an HTTP method`);
  if (!path.startsWith('/')) throw new UsageError(`the path must start with /, got "${path}"`);
  const body = parseDataOption(values.data);
  const headers = withDefaultContentType(parseHeaderOptions(values.header), body);
  const app = await loadApp(
    module,
    values.export !== undefined ? { exportName: values.export } : {},
  );

  const res = await new Client(app).request(method.toUpperCase(), path, {
    headers,
    ...(body !== undefined && { body }),
  });
  if (res.errors) process.stderr.write(res.errors);
  let out = `HTTP/1.1 ${res.status}\n`;
  for (const [name, value] of res.headers) out += `${name}: ${value}\n`;
  process.stdout.write(`${out}\n`);
  if (values.output !== undefined) {
    writeFileSync(values.output, res.body);
    process.stderr.write(`tsgi: wrote ${res.body.byteLength} bytes to ${values.output}\n`);
  } else if (isValidUtf8(res.body)) {
    process.stdout.write(fromUtf8(res.body));
  } else {
    process.stderr.write(
      `tsgi: the body is ${res.body.byteLength} bytes of binary data; save it with -o FILE\n`,
    );
  }
  return 0;
}
