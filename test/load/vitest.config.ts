import { defineConfig } from 'vitest/config';

/** `npm run test:load`: the load tests, one file at a time, each with its own server process. */
export default defineConfig({
  test: {
    include: ['test/load/**/*.load.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
