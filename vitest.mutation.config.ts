import { defineConfig } from 'vitest/config';

/**
 * What Stryker runs against each mutant (`npm run test:mutation`, stryker.config.mjs): the unit tests and the CDK
 * template tests. The integration and local tests start a whole runtime (dynalite, s3rver, WebSockets) per file,
 * seconds per mutant; they stay in `npm test`. MUTATION_TESTS (comma-separated globs) narrows the set, e.g. to the
 * pure unit tests for a quick run over shared/protocol (docs/TESTING.md).
 */
const tests = process.env.MUTATION_TESTS?.split(',').filter(Boolean) ?? [
  'test/unit/**/*.test.ts',
  'test/infra/**/*.test.ts',
];

export default defineConfig({
  test: {
    include: tests,
    // Generous: the CDK synth tests take tens of seconds on a busy machine.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
