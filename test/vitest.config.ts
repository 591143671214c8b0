import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // type-graphql and Apollo load graphql's CommonJS build; make our code load the same one,
    // or graphql refuses types "from another module or realm".
    alias: { graphql: 'graphql/index.js' },
  },
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/setup.ts'],
    // Finds Chromium for the browser tests once per run, or says why they are skipped (chromium.ts).
    globalSetup: ['test/support/browser-tests-setup.ts', 'test/support/databases-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
