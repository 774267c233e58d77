import { defineConfig } from 'vitest/config';

/**
 * `npm test` runs every project; `npx vitest run --project unit` (`npm run test:fast`: unit) one of them
 * (docs/TESTING.md "The suites").
 * - unit: shared/ and the clients, on an in-process dynalite where storage is involved (test/support/table.ts);
 * - local: tests that reach into an in-process runtime, the terminal client, the fuzz slice;
 * - races: the local files that fire races on purpose, one at a time after the others;
 * - integration: the black-box files over real WebSockets, all against one local runtime started for the run
 *   (test/support/shared-runtime.ts), or against WS_URL when it is set;
 * - infra: the CDK template.
 */

/** The local files that race requests against one another on purpose (the `races` project). */
const RACES = [
  'test/local/removal-race.test.ts',
  'test/local/login-race.test.ts',
  'test/local/hash-slots.test.ts',
  'test/local/fence-race.test.ts',
  'test/local/removal-property.test.ts',
  'test/local/never-zero.test.ts',
];

/**
 * How long a test waits for one answer or push (test/support/waits.ts): 10 s, raised on the emulator legs. A test
 * may wait for a few of them, a hook for more.
 */
const waitMs = Number(process.env.TEST_WAIT_MS ?? 10_000);

export default defineConfig({
  test: {
    testTimeout: 3 * waitMs,
    hookTimeout: 6 * waitMs,
    pool: 'forks',
    // vitest's default is one worker fewer than the cores: one worker on this 2-core machine, every file in a row.
    // Every project runs two files at a time but `races`, whose files run one at a time after the others (vitest
    // puts a project with one worker in a sequential group of its own): two of them side by side, each a runtime
    // hashing real passwords, left AUTHs unanswered for 10 s (removal-race).
    maxWorkers: 2,
    // New password hashes at scrypt N = 2^10 (about 3 ms) instead of 2^15 (about 100 ms, more on a busy machine)
    // in every runtime the suite starts, in-process or the integration project's child: hashing was most of a login,
    // and one runtime hashes one at a time. Hashes carry their parameters, so they check exactly as in production.
    // The files whose subject is what happens while hashes run raise it (RACING_PASSWORD_HASHING, hash-slots); the
    // deploy rehearsal (npm run test:bundles) and the browser tests run the stack's default.
    env: { PASSWORD_HASH_N: '1024' },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'local',
          include: ['test/local/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/fuzz/**/*.test.ts'],
          exclude: RACES,
        },
      },
      {
        extends: true,
        // One at a time, after the others: these fire races whose subject is timing under load (AUTHs hashed while
        // a removal lands, hashes queued per address, pushes hung past a fence), in a runtime of their own.
        test: { name: 'races', maxWorkers: 1, include: RACES },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/shared-runtime.ts'],
        },
      },
      {
        extends: true,
        // The template tests share their worker's module cache (isolate: false): each file imported aws-cdk-lib
        // and the stack afresh, most of the project's time. They build a new App per build() and read no
        // setting from the environment (names.test.ts sets AWS_REGION and TABLE_NAME only for shared/config).
        test: { name: 'infra', include: ['test/infra/**/*.test.ts'], isolate: false },
      },
    ],
  },
});
