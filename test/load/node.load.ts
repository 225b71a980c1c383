/**
 * tsgi/node under a bounded load from a second process: the server and autocannon each run in
 * their own process on 127.0.0.1, started here and stopped by PID. Figures go to
 * docs/reliability.md (printed at the end of the run).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const AUTOCANNON = require.resolve('autocannon/autocannon.js');
const SERVER = new URL('./server.ts', import.meta.url).pathname;

interface Cannon {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number; max: number };
  throughput: { average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}

let server: ChildProcess;
let base = '';
const figures: string[] = [];

function stop(child: ChildProcess | undefined): void {
  if (child?.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
}

beforeAll(async () => {
  server = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve((JSON.parse(line!) as { port: number }).port);
    });
    server.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
    setTimeout(() => reject(new Error('the server did not start in 30 s')), 30_000);
  });
  base = `http://127.0.0.1:${port}`;
});

afterAll(() => {
  stop(server);
  console.log(`\nload figures:\n${figures.join('\n')}`);
});

/** Runs autocannon in its own process for a fixed number of requests. */
function cannon(
  path: string,
  amount: number,
  connections: number,
  extra: string[] = [],
): Promise<Cannon> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        AUTOCANNON,
        '--json',
        '-a',
        String(amount),
        '-c',
        String(connections),
        '-t',
        '30',
        ...extra,
        base + path,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
    });
    const guard = setTimeout(() => {
      stop(child);
      reject(new Error(`autocannon did not finish ${amount} requests in 240 s`));
    }, 240_000);
    child.once('exit', () => {
      clearTimeout(guard);
      try {
        resolve(JSON.parse(out) as Cannon);
      } catch {
        reject(new Error(`autocannon printed no result: ${out.slice(0, 200)}`));
      }
    });
  });
}

async function memory(): Promise<{ rss: number; live: number; producing: number }> {
  const response = await fetch(`${base}/__memory`);
  return (await response.json()) as { rss: number; live: number; producing: number };
}

const MiB = 2 ** 20;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

function describeRun(label: string, r: Cannon): string {
  return `${label}: ${r.requests.total} requests, ${r['2xx']} 2xx, ${r.errors} errors, ${r.timeouts} timeouts, ${Math.round(r.requests.average)} req/s, latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms`;
}

function expectClean(r: Cannon, amount: number): void {
  expect(r.errors).toBe(0);
  expect(r.timeouts).toBe(0);
  expect(r.non2xx).toBe(0);
  expect(r['2xx']).toBe(amount);
}

describe('tsgi/node under load', () => {
  it('answers a fixed number of requests over many connections with zero errors and flat memory', async () => {
    const warm = await cannon('/', 5_000, 50);
    expectClean(warm, 5_000);
    const before = await memory();
    const body = 'x'.repeat(1024);
    const rounds: [string, string, string[]][] = [
      ['GET /', '/', []],
      ['GET /json (two Set-Cookie)', '/json?a=1&b=2', []],
      ['POST /echo (1 KiB)', '/echo', ['-m', 'POST', '-b', body, '-H', 'content-type=text/plain']],
      ['GET / again', '/', []],
    ];
    for (const [label, path, extra] of rounds) {
      const run = await cannon(path, 20_000, 100, extra);
      figures.push(describeRun(`${label}, 100 connections`, run));
      expectClean(run, 20_000);
    }
    const after = await memory();
    figures.push(
      `memory after 80,000 requests: live ${mib(before.live)} → ${mib(after.live)}, RSS ${mib(before.rss)} → ${mib(after.rss)}`,
    );
    // Flat: what survives a collection does not grow with the number of requests served.
    expect(after.live - before.live).toBeLessThan(8 * MiB);
    expect(after.rss - before.rss).toBeLessThan(64 * MiB);
  });

  it('a slow client does not stall the others, and the server does not buffer for it', async () => {
    const slow: Socket[] = [];
    try {
      // 20 clients ask for 16 MiB each and never read: backpressure holds their apps.
      for (let i = 0; i < 20; i++) {
        const socket = connect(Number(new URL(base).port), '127.0.0.1');
        socket.on('error', () => {});
        socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
        socket.pause();
        slow.push(socket);
      }
      // 20 slowloris clients send their headers one byte at a time.
      const dribble = 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: yes\r\n\r\n';
      const timers: NodeJS.Timeout[] = [];
      for (let i = 0; i < 20; i++) {
        const socket = connect(Number(new URL(base).port), '127.0.0.1');
        socket.on('error', () => {});
        slow.push(socket);
        let at = 0;
        timers.push(
          setInterval(() => {
            if (at < dribble.length) socket.write(dribble[at++]!);
          }, 100),
        );
      }
      let stalled = await memory();
      for (let i = 0; i < 100 && stalled.producing < 20; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        stalled = await memory();
      }
      expect(stalled.producing).toBe(20);

      const run = await cannon('/', 10_000, 50);
      figures.push(
        describeRun(
          'GET / beside 20 stalled readers and 20 slowloris clients, 50 connections',
          run,
        ),
      );
      expectClean(run, 10_000);
      expect(run.latency.p99).toBeLessThan(2_000);

      const during = await memory();
      figures.push(
        `memory with 20 clients stalled on 16 MiB bodies (320 MiB if buffered): live ${mib(during.live)}, RSS ${mib(during.rss)}`,
      );
      expect(during.live).toBeLessThan(96 * MiB);
      for (const timer of timers) clearInterval(timer);
    } finally {
      for (const socket of slow) socket.destroy();
    }
    // The clients are gone: every stalled app is stopped and closed.
    let after = await memory();
    for (let i = 0; i < 100 && after.producing > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await memory();
    }
    expect(after.producing).toBe(0);
  });
});
