/**
 * Runs the `tsgi` command as a real subprocess (`node --import tsx cli/main.ts`), the way a user
 * does, and stops it by PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
export const HELLO = fileURLToPath(new URL('../../examples/hello/app.ts', import.meta.url));

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout as bytes. */
  raw: Buffer;
}

function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs a command to completion, feeding `input` on stdin. */
export function runCli(
  args: string[],
  options: { input?: string | Uint8Array; timeoutMs?: number } = {},
): Promise<Finished> {
  const child = spawnCli(args);
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  child.stdin!.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const raw = Buffer.concat(out);
      resolve({ code, stdout: raw.toString('utf8'), stderr, raw });
    });
  });
}

/** A long-running `tsgi serve`. */
export interface Running {
  url: string;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Stops the process by its PID and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts `tsgi serve ...` and resolves once it prints the URL it listens on. */
export function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const child = spawnCli(['serve', ...args], env);
  let stdout = '';
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running: Omit<Running, 'url'> = {
    stdout: () => stdout,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, 'SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void running.stop();
      reject(new Error(`tsgi serve printed no URL in 30 s:\n${stdout}\n${stderr}`));
    }, 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk;
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(stdout)?.[0];
      if (url) {
        clearTimeout(timer);
        resolve({ ...running, url });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tsgi serve exited (${code}) before listening:\n${stdout}\n${stderr}`));
    });
  });
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`gave up waiting; last error: ${String(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
