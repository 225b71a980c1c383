/**
 * `--reload`: the parent process owns the listening socket and runs the app in a child; when a
 * source file the app loaded changes, it replaces the child. Each connection is handed to the
 * current child over IPC, so the port never closes and requests that arrive during a restart
 * wait instead of failing. While the app cannot load (a syntax error), the parent answers with
 * the error and waits for the next save.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { type Dirent, type FSWatcher, readdirSync, watch } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { mayShowDetails } from './debug-page.js';
import { listen } from './listen.js';
import { SOURCE_EXTENSIONS } from './load.js';

const CHILD_FLAG = 'TSGI_RELOAD_CHILD';

/** What the child tells the parent. */
export type ChildMessage =
  /** The source files the app loaded; `tracked` is false when they could not be listed. */
  | { type: 'files'; files: string[]; tracked: boolean }
  | { type: 'ready' }
  | { type: 'failed'; text: string };

/** True in the process that runs the app for a reloading parent. */
export function isReloadChild(): boolean {
  return process.env[CHILD_FLAG] === '1' && typeof process.send === 'function';
}

/** Sends a message to the reloading parent; resolves once it is on its way. */
export function childMessage(message: ChildMessage): Promise<void> {
  return new Promise((done) => {
    if (!process.send) return done();
    process.send(message, undefined, {}, () => done());
  });
}

export interface ReloadOptions {
  module: string;
  host: string;
  port: number;
  /** The serve command's own arguments, passed on to each child. */
  args: string[];
}

/** Runs the reloading parent until SIGINT/SIGTERM. */
export async function superviseReload(options: ReloadOptions): Promise<void> {
  const main = resolve(options.module);
  const files = new Set<string>([main]);
  const watchers = new Map<string, FSWatcher>();
  const waiting: Socket[] = [];
  let child: ChildProcess | undefined;
  let ready = false;
  let failure: string | undefined;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;

  // Answers while the app cannot load; the details only go to this machine's clients.
  const failed = createHttpServer((req, res) => {
    const local = mayShowDetails(req.socket.remoteAddress, req.headers.host);
    const text = local
      ? `The app failed to load; fix it and save to reload.\n\n${failure ?? ''}\n`
      : 'Internal Server Error\n';
    res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
    res.end(text);
  });

  const dispatch = (socket: Socket) => {
    if (child && ready) {
      child.send({ type: 'socket' }, socket, (error) => {
        if (error) socket.destroy();
      });
    } else if (failure !== undefined && !child) {
      failed.emit('connection', socket);
      socket.resume();
    } else {
      waiting.push(socket);
    }
  };
  const flush = () => {
    for (const socket of waiting.splice(0)) dispatch(socket);
  };

  const onChange = (file: string) => {
    clearTimeout(timer);
    // Editors write a file in several steps; wait for the last one.
    timer = setTimeout(() => {
      const shown = relative(process.cwd(), file);
      const name = shown.startsWith('..') ? file : shown;
      process.stdout.write(`tsgi: ${name} changed, restarting\n`);
      restart();
    }, 100);
  };
  /** Directories watched for any source file in them, not only the files the app loaded. */
  const treeDirs = new Set<string>();
  const watchDir = (dir: string) => {
    if (watchers.has(dir)) return;
    try {
      const watcher = watch(dir, (_event, name) => {
        if (name === null) return;
        const file = join(dir, name.toString());
        // In the tree, source files only: a log or a database the app writes must not restart it.
        if (files.has(file) || (treeDirs.has(dir) && SOURCE_EXTENSIONS.has(extname(file)))) {
          onChange(file);
        }
      });
      watcher.on('error', () => watchers.delete(dir));
      watchers.set(dir, watcher);
    } catch {
      // A directory that vanished is watched again when the next child reports its files.
    }
  };
  // Watching directories, not files, survives editors that save by renaming a new file in place.
  // The tree (without tsx, or after a failed load, whose module may be missing from the list) is
  // walked here rather than watched recursively, which on Linux would watch node_modules too.
  const track = (message: Extract<ChildMessage, { type: 'files' }>) => {
    for (const file of message.files) files.add(file);
    if (!message.tracked) {
      for (const dir of sourceDirectories(dirname(main))) {
        treeDirs.add(dir);
        watchDir(dir);
      }
    }
    for (const file of files) watchDir(dirname(file));
  };

  const start = () => {
    ready = false;
    failure = undefined;
    const spawned = fork(process.argv[1]!, ['serve', ...options.args], {
      env: { ...process.env, [CHILD_FLAG]: '1' },
      // The parent keeps any inspector port; a child asking for the same one would fail.
      execArgv: process.execArgv.filter((arg) => !arg.startsWith('--inspect')),
      stdio: 'inherit',
    });
    child = spawned;
    spawned.on('message', (message: ChildMessage) => {
      if (spawned !== child) return;
      if (message.type === 'files') track(message);
      else if (message.type === 'ready') {
        ready = true;
        flush();
      } else if (message.type === 'failed') failure = message.text;
    });
    spawned.on('exit', (code, signal) => {
      if (spawned !== child || stopping) return;
      child = undefined;
      ready = false;
      failure ??= `the app's process exited (${signal ?? `code ${code}`})`;
      process.stdout.write('tsgi: waiting for a change to restart\n');
      flush();
    });
  };
  const restart = () => {
    const old = child;
    child = undefined;
    if (!old || old.exitCode !== null || old.signalCode !== null) return start();
    const kill = setTimeout(() => old.kill('SIGKILL'), 3000);
    old.once('exit', () => {
      clearTimeout(kill);
      start();
    });
    old.kill('SIGTERM');
  };

  const server = createServer({ pauseOnConnect: true }, dispatch);
  const url = await listen(server, options.host, options.port);
  process.stdout.write(`tsgi: serving ${options.module} on ${url} (reloading on changes)\n`);
  start();
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  stopping = true;
  clearTimeout(timer);
  for (const watcher of watchers.values()) watcher.close();
  child?.kill('SIGTERM');
  for (const socket of waiting) socket.destroy();
  server.close();
}

/** At most this many directories of a tree are watched: each costs the system a watch. */
const MAX_TREE_DIRECTORIES = 1000;

/** `root` and the directories under it, without node_modules and hidden ones (`.git`). */
function sourceDirectories(root: string): string[] {
  const found = [root];
  for (let i = 0; i < found.length && found.length < MAX_TREE_DIRECTORIES; i++) {
    let entries: Dirent[];
    try {
      entries = readdirSync(found[i]!, { withFileTypes: true });
    } catch {
      continue; // gone, or not readable
    }
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name === 'node_modules' || entry.name.startsWith('.')) {
        continue;
      }
      if (found.length < MAX_TREE_DIRECTORIES) found.push(join(found[i]!, entry.name));
    }
  }
  return found;
}
