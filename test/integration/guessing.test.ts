import { describe, expect, it } from 'vitest';
import { ChatClient } from '../support/client.js';
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

/**
 * Issue 22: a stranger cannot aim a lock at the owner, and the limit holds under concurrency. Connections come from
 * different loopback addresses (127.x.y.z), which the local gateway passes on as the source address, as API Gateway
 * does. A deployed stage sees one address for all of a test's connections (and caps one address's hashes in flight),
 * so the tests that need several addresses run only against the local runtime.
 */
describe('a lock a stranger cannot aim at the owner', () => {
  let last = 0;
  /** A loopback address no other test here uses. */
  const freshAddress = () => {
    const n = ++last;
    return `127.22.${Math.floor(n / 250)}.${(n % 250) + 1}`;
  };
  const from = async (address: string) =>
    env.track(await ChatClient.connect(env.url, { localAddress: address }));
  /** Ten wrong passwords from ten strangers' addresses: the account is locked for strangers. */
  async function strangersFail(name: string) {
    for (let i = 0; i < 10; i++)
      expect(await (await from(freshAddress())).request(`AUTH ${name} wrong-password-${i}`)).toMatchObject({
        reason: 'invalid_credentials',
      });
    expect(await (await from(freshAddress())).request(`AUTH ${name} ${PASSWORD}`)).toMatchObject({
      reason: 'too_many_attempts',
      retryAfter: expect.any(Number),
    });
  }

  const manyAddresses = it.skipIf(Boolean(process.env.WS_URL));

  manyAddresses(
    "the owner's right password works at once from an address they used, and with their device token from a new one",
    async () => {
      const owner = await account('owner');
      const home = freshAddress();
      const first = await (await from(home)).request(`AUTH ${owner.name} ${PASSWORD} -`);
      expect(first).toEqual({ status: 'OK', data: 'autentikasi berhasil', device: expect.any(String) });
      await strangersFail(owner.name);
      expect(await (await from(home)).request(`AUTH ${owner.name} ${PASSWORD}`)).toEqual({
        status: 'OK',
        data: 'autentikasi berhasil',
      });
      expect(
        await (await from(freshAddress())).request(`AUTH ${owner.name} ${PASSWORD} ${first.device}`),
      ).toEqual({
        status: 'OK',
        data: 'autentikasi berhasil',
        device: first.device,
      });
    },
  );

  it('PASSWORD from a logged-in session works while strangers have locked the account', async () => {
    const owner = await env.user('owner');
    await strangersFail(owner.name);
    expect(await owner.client.request(`PASSWORD ${PASSWORD} ${PASSWORD}-new`)).toEqual({
      status: 'OK',
      data: 'ubah kata sandi berhasil',
    });
  });

  manyAddresses(
    '40 wrong guesses at once: exactly 10 are checked (and counted), the rest refused unchecked',
    async () => {
      const victim = await account('target');
      const clients = await Promise.all(Array.from({ length: 40 }, () => from(freshAddress())));
      const answers = await Promise.all(clients.map((c, i) => c.request(`AUTH ${victim.name} guess-${i}`)));
      const reasons = answers.map((a) => a.reason);
      expect(reasons.filter((r) => r === 'invalid_credentials')).toHaveLength(10);
      expect(reasons.filter((r) => r === 'too_many_attempts')).toHaveLength(30);
    },
  );

  it('a 3 KB username is a bad_request, not an internal_error', async () => {
    const client = await env.connect();
    expect(await client.request(`AUTH ${'n'.repeat(3000)} ${PASSWORD}`)).toEqual({
      status: 'ERROR',
      data: 'autentikasi gagal',
      reason: 'bad_request',
    });
  });
});
