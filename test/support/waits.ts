/**
 * How long a test waits for one answer or push before it fails: a bound, never a speed check. 10 s by default;
 * the emulator legs (scripts/emulators/lib.ts, suiteEnv) raise it with TEST_WAIT_MS to API Gateway's 29 s
 * integration timeout, because moto answers one request at a time in Python and a file uploading megabytes beside
 * it held an AUTH past 10 s there. vitest.config.ts derives the test and hook timeouts from the same setting.
 */
export const WAIT_MS = Number(process.env.TEST_WAIT_MS ?? 10_000);
