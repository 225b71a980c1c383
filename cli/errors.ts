import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * How the command reports a problem with what it was given: one line on stderr, exit status 2,
 * no stack trace (the stack would point into tsgi, not at the user's mistake).
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Thrown while evaluating the user's module (a syntax error, a failing top-level statement). */
export class ModuleError extends Error {
  override name = 'ModuleError';
  /** Where a syntax error is, when the error itself does not say: `file:line`, source, caret. */
  readonly location: string | undefined;
  constructor(
    readonly file: string,
    override readonly cause: unknown,
    resolved?: string,
  ) {
    super(`${file} failed to load`);
    this.location = resolved === undefined ? undefined : syntaxLocation(cause, resolved);
  }
}

/**
 * An ES module's SyntaxError carries no file or line (Node prints them only for the entry point),
 * so `node --check` is asked where it is. When the module itself parses, the error is in one it
 * imports, and the text says so.
 */
function syntaxLocation(error: unknown, file: string): string | undefined {
  if (!(error instanceof SyntaxError) || (error.stack ?? '').includes(file)) return undefined;
  const check = spawnSync(process.execPath, ['--check', file], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (check.status === 0) return `(in a module that ${file} imports)`;
  const [where] = (check.stderr ?? '').split(/\n\s*\n/);
  return where?.startsWith(file) ? where : undefined;
}

/** Why a file could not be read or written, in words: `no such file`, `it is a directory`. */
export function fileProblem(error: unknown, missing = 'no such file'): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const reasons: Record<string, string> = {
    ENOENT: missing,
    EACCES: 'permission denied',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a directory',
    ENOSPC: 'no space left on the device',
  };
  return reasons[code] ?? (code || 'not accessible');
}

/** The message of anything thrown, on one line. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').find((line) => line.trim() !== '') ?? text;
}

/**
 * The text for an app that could not be loaded: for an error in the user's own module, its stack
 * (it points at their code); for anything else, the message.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof ModuleError) {
    const where = error.location === undefined ? '' : `${error.location}\n`;
    return `${error.message}:\n${where}${userStack(error.cause)}`;
  }
  return oneLine(error);
}

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * tsx runs a CommonJS TypeScript file that an ES module imports from a `data:` URL ending with
 * the real path (loadApp loads a CommonJS app itself with tsx's `require`, which keeps the path).
 */
function readableFrame(line: string): string {
  return line.replace(/data:text\/javascript,[^?]*\?filePath=([^:)\s]+)/, (_, path: string) =>
    decodeURIComponent(path).replace(/\?.*$/, ''),
  );
}

/** An error's stack without the frames inside tsgi's dependencies and Node itself. */
function userStack(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const lines = (error.stack ?? error.message).split('\n');
  const own = lines
    .filter((line) => /^\s+at /.test(line) && !/node_modules|\(node:|at node:/.test(line))
    .filter((line) => !line.includes(HERE))
    .map(readableFrame);
  const message = lines.filter((line) => !/^\s+at /.test(line)).join('\n');
  return own.length > 0 ? `${message}\n${own.join('\n')}` : message;
}
