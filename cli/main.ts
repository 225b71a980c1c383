#!/usr/bin/env node
/**
 * The `tsgi` command: serve, invoke, request, event. Each command lives in its own module; this
 * file only dispatches and turns failures into exit statuses (2 for what the user gave us, 1 for
 * an app that failed to load or run).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeFailure, fileProblem, ModuleError, UsageError } from './errors.js';
import { requestCommand, requestHelp } from './request.js';
import { serveCommand, serveHelp } from './serve.js';

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: () => Promise<Command>; help: () => Promise<string> }> = {
  serve: { run: async () => serveCommand, help: async () => serveHelp },
  request: { run: async () => requestCommand, help: async () => requestHelp },
  invoke: {
    run: async () => (await import('./invoke.js')).invokeCommand,
    help: async () => (await import('./invoke.js')).invokeHelp,
  },
  event: {
    run: async () => (await import('./event.js')).eventCommand,
    help: async () => (await import('./event.js')).eventHelp,
  },
};

const HELP = `Usage: tsgi <command> [options]

Run a tsgi app locally, or through the AWS Lambda and Cloudflare adapters.

Commands:
  serve <module>                      serve the app on http://127.0.0.1:5000 (--reload, --debug,
                                      --emulate PLATFORM)
  invoke <module> --event <file|->    run the Lambda adapter on an event; print the result
  request <module> <METHOD> <path>    call the app once; print the response
  event <kind> <METHOD> <path>        print a Lambda event (aws-v1, aws-v2, alb, alb-multi,
                                      function-url, edge)

<module> is a .js, .mjs or .ts file whose default export is the app (.ts needs tsx).

Options:
  -h, --help      show help (tsgi <command> --help for a command's options)
  -v, --version   show the version

Example:
  tsgi event aws-v2 GET /hello | tsgi invoke app.ts --event -`;

/** tsgi's own package.json, found from this file in the source tree and in dist/. */
function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'tsgi') return pkg.version ?? 'unknown';
    } catch {}
    dir = dirname(dir);
  }
  return 'unknown';
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    process.stderr.write(`${HELP}\n`);
    return 2;
  }
  if (name === '-h' || name === '--help' || name === 'help') {
    // `tsgi help serve`, as git and npm take it: that command's help.
    const topic = name === 'help' && args[0] !== '-h' && args[0] !== '--help' ? args[0] : undefined;
    if (topic !== undefined && !Object.hasOwn(COMMANDS, topic)) {
      throw new UsageError(`no help on "${topic}": not a command (see tsgi --help)`);
    }
    process.stdout.write(`${topic !== undefined ? await COMMANDS[topic]!.help() : HELP}\n`);
    return 0;
  }
  if (name === '-v' || name === '--version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) throw new UsageError(`unknown command "${name}" (see tsgi --help)`);
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write(`${await command.help()}\n`);
    return 0;
  }
  return (await command.run())(args);
}

// A reader that stops early (`tsgi request … | head`) is not an error: stop quietly, as cat does.
// Any other output that cannot be written (a full disk) is one line, as a bad -o file is.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  process.stderr.write(`tsgi: cannot write the output: ${fileProblem(error)}\n`);
  process.exit(2);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`tsgi: ${error.message}\n`);
      process.exitCode = 2;
    } else if (error instanceof ModuleError) {
      process.stderr.write(`tsgi: ${describeFailure(error)}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(
        `tsgi: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    }
    // A reload child that failed must exit so its parent can wait for the next save.
    if (process.connected) process.disconnect();
  },
);
