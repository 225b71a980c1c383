/**
 * Fetch throughput: tsgi's fetchHandler, hono's app.fetch and a raw handler on identical Requests.
 * Requests are built before each batch (a body can be read only once); the timed part is the
 * handler plus reading the whole response body from its stream, as a platform does.
 */
import { fetch as hono } from './fetch/hono.js';
import { fetch as raw } from './fetch/raw.js';
import { fetch as tsgi } from './fetch/tsgi.js';
import { fetch as tsgiFramework } from './fetch/tsgi-framework.js';
import { type CompareOptions, clock, measureTable, type Table, type Verified } from './measure.js';
import { checkResponse, chosenScenarios, requestFor, type Scenario } from './scenarios.js';

const SLICE = 256;

/** Reads a response body to the end, as a platform sending it would. */
export async function drain(response: Response): Promise<number> {
  if (response.body === null) return 0;
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return size;
    size += value.byteLength;
  }
}

type FetchHandler = (request: Request) => Promise<Response>;

export const FETCH_CANDIDATES: readonly [string, FetchHandler][] = [
  ['floor (raw fetch handler)', raw],
  ['tsgi fetchHandler, plain app', tsgi],
  ['tsgi fetchHandler, framework App', tsgiFramework],
  ['hono 4.13 app.fetch', hono],
];

async function candidate(
  name: string,
  handler: FetchHandler,
  scenario: Scenario,
): Promise<Verified> {
  for (let i = 0; i < 2; i++) {
    try {
      const wrong = await checkResponse(scenario, await handler(requestFor(scenario)));
      if (wrong !== undefined) return { name, wrong };
    } catch (error) {
      return { name, wrong: `threw ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  return {
    name,
    subject: {
      name,
      async batch(n) {
        // In slices, so that n requests with 1 MiB bodies are never all in memory at once.
        let ns = 0;
        for (let done = 0; done < n; done += SLICE) {
          const requests: Request[] = [];
          for (let i = done; i < n && i < done + SLICE; i++) requests.push(requestFor(scenario));
          const start = clock();
          for (const request of requests) await drain(await handler(request));
          ns += clock() - start;
        }
        return ns;
      },
    },
  };
}

export async function runFetch(
  options: CompareOptions,
  log: (line: string) => void,
  only: (name: string) => boolean = () => true,
): Promise<Table[]> {
  const chosen = FETCH_CANDIDATES.filter(([name], i) => i === 0 || only(name));
  const tables: Table[] = [];
  for (const scenario of chosenScenarios()) {
    const verified: Verified[] = [];
    for (const [name, handler] of chosen) verified.push(await candidate(name, handler, scenario));
    tables.push(await measureTable(scenario.id, 'Request', verified, options, log));
  }
  return tables;
}
