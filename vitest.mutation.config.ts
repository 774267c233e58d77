import { defineConfig } from 'vitest/config';

/**
 * What Stryker runs against each mutant (`npm run test:mutation`, stryker.config.mjs): the fast tests only —
 * unit tests and the CDK template tests. The integration and local tests start a whole runtime (dynalite,
 * s3rver, WebSockets) per file, seconds per mutant; they stay in `npm test`.
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts'],
    // Generous: the CDK synth tests take tens of seconds on a busy machine.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
