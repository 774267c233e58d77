/**
 * A table of our own for unit tests of shared/data: dynalite in this process on a free port, the table created from
 * the shared schema. Call it (with top-level await) before importing shared/ modules, which read their settings
 * once at import. Much lighter than the whole local runtime (test/support/runtime.ts): no gateway, S3 or queue.
 */
import { afterAll } from 'vitest';
import { ensureTable, startDynalite } from '../../local/engines.js';

export async function useTable(): Promise<void> {
  const env = process.env;
  // New password hashes at scrypt N = 2^10 instead of 2^15 (config.passwordHashN): a REGISTER or AUTH costs about
  // 3 ms instead of 100, which the unit tests (hundreds of logins, each run again per mutant by Stryker) need.
  // Hashes carry their parameters, so they check as in production; test/unit/password.test.ts checks the default.
  env.PASSWORD_HASH_N = '1024';
  env.AWS_REGION = 'us-east-1';
  env.TABLE_NAME = 'unit';
  env.AWS_ACCESS_KEY_ID = 'unit';
  env.AWS_SECRET_ACCESS_KEY = 'unit';
  env.OBROL_LOG = 'silent';
  const engine = await startDynalite('127.0.0.1', undefined);
  env.AWS_ENDPOINT_URL_DYNAMODB = engine.endpoint;
  await ensureTable(engine.endpoint, env.AWS_REGION, env.TABLE_NAME);
  afterAll(() => engine.stop());
}
