/** Shared by the AWS adapter tests: the fixtures folder and an app that echoes what it got. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App, Environ } from '../../../src/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** `../shared/fixtures/aws` next to the repository, or `TSGI_FIXTURES`. */
export const fixturesDir = process.env.TSGI_FIXTURES ?? resolve(root, '../shared/fixtures/aws');
export const haveFixtures = existsSync(fixturesDir);

/** Every captured request event (the response examples left out), by file name. */
export function requestFixtures(): [string, Record<string, unknown>][] {
  if (!haveFixtures) return [];
  return readdirSync(fixturesDir)
    .filter((name) => name.endsWith('.json') && !name.endsWith('-response.json'))
    .sort()
    .map((name) => [name, loadFixture(name)]);
}

export function loadFixture(name: string): Record<string, unknown> {
  // Some captured files start with a UTF-8 byte order mark, which JSON.parse refuses.
  const text = readFileSync(resolve(fixturesDir, name), 'utf8').replace(/^\uFEFF/, '');
  return JSON.parse(text) as Record<string, unknown>;
}

/** What the echo app saw: environ's string keys and the body it read, base64. */
export interface Echo {
  environ: Record<string, string>;
  body: string;
  hasEvent: boolean;
  hasContext: boolean;
}

/**
 * Reads the whole body and answers with JSON of what it saw, plus three Set-Cookie headers
 * (one with a comma in Expires).
 */
export const echoApp: App = async (environ: Environ, startResponse) => {
  const body = await environ['wsgi.input'].read();
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(environ)) {
    if (typeof value === 'string') strings[key] = value;
  }
  const echo: Echo = {
    environ: strings,
    body: Buffer.from(body).toString('base64'),
    hasEvent: typeof environ['aws.event'] === 'object',
    hasContext: environ['aws.context'] !== undefined,
  };
  startResponse('200 OK', [
    ['Content-Type', 'application/json'],
    ...THREE_COOKIES.map((cookie): [string, string] => ['Set-Cookie', cookie]),
  ]);
  return [JSON.stringify(echo)];
};

export const THREE_COOKIES = [
  'a=1; Path=/',
  'b=2; Path=/; HttpOnly',
  'c=3; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/',
];

/** Collects log lines instead of printing them. */
export function captureLog(): { lines: string[]; logger: (line: string) => void } {
  const lines: string[] = [];
  return { lines, logger: (line) => lines.push(line) };
}
