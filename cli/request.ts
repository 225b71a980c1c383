/**
 * `tsgi request <module> <METHOD> <path>`: calls the app in-process, through the runner with the
 * environ the test client builds, and prints the response like `curl -i`.
 */
import { closeSync, openSync, writeFileSync } from 'node:fs';
import {
  type App,
  concatBytes,
  describeError,
  type Environ,
  errorStream,
  fromUtf8,
  type Header,
  isValidUtf8,
  notAnAnswer,
  runApp,
  unsendable,
} from '../src/index.js';
import { buildEnviron } from '../src/testing/index.js';
import { parseCommand } from './args.js';
import { fileProblem, UsageError } from './errors.js';
import { parseDataOption, parseHeaderOptions, withDefaultContentType } from './http-input.js';
import { loadApp } from './load.js';

export const requestHelp = `Usage: tsgi request <module> <METHOD> <path> [options]

Calls the app directly (no server) and prints the status line, the headers and the body.

Options:
  -H, --header 'Name: value'  add a request header (repeatable)
  -d, --data <text|@file|@->  the request body, byte for byte (@- reads stdin); sets
                              Content-Type: application/x-www-form-urlencoded unless -H gives one
  -o, --output <file|->       write the body to a file instead (- for stdout, the head then to
                              stderr); without it, a binary body goes to a pipe but not a terminal
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
  // Opened before the app runs, so an unwritable path is reported before anything happens.
  // `-o -` is stdout, as for curl: the body alone goes there, the head to stderr.
  const toStdout = values.output === '-';
  const output = values.output !== undefined && !toStdout ? openOutput(values.output) : undefined;

  const environ = buildEnviron({
    method: method.toUpperCase(),
    path,
    headers,
    ...(body !== undefined && { body }),
    errors: errorStream((line) => process.stderr.write(`${line}\n`)),
  });
  const response = await respond(app, environ);
  let out = `HTTP/1.1 ${response.status}\n`;
  for (const [name, value] of response.headers) out += `${name}: ${value}\n`;
  (toStdout ? process.stderr : process.stdout).write(`${out}\n`);
  if (output !== undefined) {
    try {
      writeFileSync(output, response.body);
    } catch (error) {
      throw new UsageError(`cannot write ${values.output}: ${fileProblem(error)}`);
    } finally {
      closeSync(output);
    }
    process.stderr.write(`tsgi: wrote ${response.body.byteLength} bytes to ${values.output}\n`);
  } else if (toStdout || !process.stdout.isTTY) {
    process.stdout.write(response.body); // a pipe or a file takes the bytes as they are
  } else if (isValidUtf8(response.body)) {
    process.stdout.write(fromUtf8(response.body));
  } else {
    process.stderr.write(
      `tsgi: the body is ${response.body.byteLength} bytes of binary data; save it with -o FILE (or -o - for stdout)\n`,
    );
  }
  if (response.cut === undefined) return 0;
  const error = describeError(response.cut.error).split('\n')[0];
  process.stderr.write(
    `tsgi: the body was cut after ${response.body.byteLength} bytes by an app error: ${error}\n`,
  );
  return 1;
}

/** Opens the `-o` file; a path that cannot be written is the user's mistake. */
function openOutput(file: string): number {
  try {
    return openSync(file, 'w');
  } catch (error) {
    throw new UsageError(`cannot write ${file}: ${fileProblem(error, 'no such directory')}`);
  }
}

/** The response as a client received it. */
interface Received {
  status: string;
  headers: Header[];
  body: Uint8Array;
  /** The app error that cut the body short, if one did. */
  cut?: { error: unknown };
}

/**
 * Runs the app as a server adapter does and reads the whole body. A 1xx status becomes the 500
 * every adapter answers it with; an app error after the head ends the body where it was.
 */
async function respond(app: App, environ: Environ): Promise<Received> {
  const response = await runApp(app, environ);
  const problem = notAnAnswer(response.statusCode);
  if (problem !== undefined) {
    await response.body.return();
    return unsendable(environ, 'by any adapter', problem);
  }
  const { status, headers } = response;
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of response.body) chunks.push(chunk);
  } catch (error) {
    // The runner has logged it to wsgi.errors already.
    return { status, headers, body: concatBytes(chunks), cut: { error } };
  } finally {
    environ['wsgi.errors'].flush();
  }
  return { status, headers, body: concatBytes(chunks) };
}
