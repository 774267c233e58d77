// Mutation testing (docs/TESTING.md, "Mutation testing"): `npm run test:mutation`.
// Incremental: results are kept in reports/stryker-incremental.json (committed), so a run after a small change
// only tests the mutants in changed code or covered by changed tests. `-- --force` runs everything again.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // forks: the CDK template tests bundle the handlers with esbuild, which needs a real process's stdio.
  vitest: { configFile: 'vitest.mutation.config.ts', pool: 'forks' },
  mutate: ['shared/**/*.ts', 'lambdas/**/*.ts', 'infra/**/*.ts'],
  coverageAnalysis: 'perTest',
  // Mutants only reached while a module loads (module-level constants) would each run every test; they are left out
  // of the score (reported as Ignored) — docs/TESTING.md counts them.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // The machine is shared: two test processes. Raise with `-- --concurrency 4` on your own.
  concurrency: 2,
  timeoutMS: 10_000,
  // The first run of every test (with coverage per test) takes minutes on a busy machine.
  dryRunTimeoutMinutes: 30,
  reporters: ['clear-text', 'progress', 'html'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
