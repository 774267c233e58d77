import { describe, expect, it } from 'vitest';
import { PASSWORD, uniqueName, useEndpoint } from '../support/endpoint.js';

const env = useEndpoint();

async function account(prefix: string) {
  const name = uniqueName(prefix);
  const client = await env.connect();
  expect(await client.request(`REGISTER ${name} ${PASSWORD} ID ${prefix}`)).toMatchObject({ status: 'OK' });
  return { name, client };
}

describe('password guessing', () => {
  it('refuses an account after 10 wrong passwords, even with the right one, and tells when to retry', async () => {
    const victim = await account('victim');
    const other = await account('other');
    for (let i = 0; i < 10; i++) {
      expect(await victim.client.request(`AUTH ${victim.name} wrong-password-${i}`)).toEqual({
        status: 'ERROR',
        data: 'autentikasi gagal',
        reason: 'invalid_credentials',
      });
    }
    const refused = await victim.client.request(`AUTH ${victim.name} ${PASSWORD}`);
    expect(refused).toMatchObject({
      status: 'ERROR',
      data: 'autentikasi gagal',
      reason: 'too_many_attempts',
    });
    expect(refused.retryAfter).toBeGreaterThan(0);
    expect(refused.retryAfter).toBeLessThanOrEqual(900);
    // Another account is never locked by it.
    expect(await other.client.request(`AUTH ${other.name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
  });

  it('clears the count of an account at a successful AUTH', async () => {
    const user = await account('forgetful');
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 9; i++) await user.client.request(`AUTH ${user.name} wrong-password-${i}`);
      expect(await user.client.request(`AUTH ${user.name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    }
  });
});
