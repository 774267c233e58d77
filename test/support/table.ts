/**
 * A table of our own for unit tests of shared/data: dynalite in this process on a free port, the table created from
 * the shared schema. Call it (with top-level await) before importing shared/ modules, which read their settings
 * once at import. Much lighter than the whole local runtime (test/support/runtime.ts): no gateway, S3 or queue.
 */
import { afterAll, vi } from 'vitest';
import { ensureTable, startDynalite } from '../../local/engines.js';

export async function useTable(): Promise<void> {
  cheapPasswordHashing();
  const env = process.env;
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

/**
 * scrypt at N = 2^10 instead of the stored 2^15 for the shared/ modules this test file imports next: a REGISTER or
 * AUTH then costs about a millisecond instead of a hundred, which the unit tests (hundreds of logins, and each run
 * again per mutant by Stryker) need. Hashes still carry and check their stored parameters consistently; only
 * test/unit/password.test.ts checks real hashes, and it does not use this table. Integration tests hash for real.
 */
function cheapPasswordHashing(): void {
  vi.doMock('node:crypto', async (importOriginal) => {
    const crypto = await importOriginal<typeof import('node:crypto')>();
    const scrypt = (...args: Parameters<typeof crypto.scrypt>) => {
      const [password, salt, length, options, callback] = args as unknown as [
        Parameters<typeof crypto.scrypt>[0],
        Parameters<typeof crypto.scrypt>[1],
        number,
        import('node:crypto').ScryptOptions,
        (error: Error | null, key: Buffer) => void,
      ];
      crypto.scrypt(password, salt, length, { ...options, N: Math.min(options.N ?? 1024, 1024) }, callback);
    };
    return { ...crypto, default: { ...crypto, scrypt }, scrypt };
  });
}
