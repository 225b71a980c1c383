/**
 * Command-line parsing on `node:util`'s parseArgs, with its errors turned into usage errors.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { oneLine, UsageError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a command's arguments strictly: an unknown option or a missing value is a usage error
 * that names the command's help.
 */
export function parseCommand<T extends Options>(
  command: string,
  args: string[],
  options: T,
): ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>
> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    // Node's text for an unknown option goes on about positional arguments: name the option only.
    const unknown = /^Unknown option '(.*?)'(?:\. |$)/.exec(oneLine(error));
    // A value that starts with a dash (`-d -1`): keep the line that says how to write it.
    const dashValue =
      (error as { code?: unknown }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' &&
      /argument is ambiguous/.test(oneLine(error));
    const reason = unknown
      ? `unknown option ${unknown[1]}`
      : dashValue
        ? String((error as Error).message)
            .split('\n')
            .filter((line) => line !== '' && !line.startsWith('Did you forget'))
            .join(' ')
        : oneLine(error);
    throw new UsageError(`${reason} (see tsgi ${command} --help)`);
  }
}

/** A TCP port from an option value; `0` asks the system for a free one. */
export function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new UsageError(`--port must be a number from 0 to 65535, got "${value}"`);
  }
  return Number(value);
}

/** A byte count such as `1048576`, `512k`, `10m`. */
export function parseSize(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)([kmg]?)b?$/i.exec(value.trim());
  if (!match)
    throw new UsageError(`${name} must be a size like 1048576, 512k or 10m; got "${value}"`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase()]!;
  return Number(match[1]) * unit;
}
