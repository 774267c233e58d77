/**
 * One address cannot starve others (issue 22): at most IP_INFLIGHT_HASHES password hashes run at once per source
 * address (shared/limits/in-flight.ts), over real WebSockets against the local runtime. A burst of AUTHs from one
 * address on fresh connections (so no per-connection budget answers first) is partly refused with `rate_limited`;
 * nothing else fails, a bystander on another address gets in, and every slot is given back afterwards. Refusals are
 * counted, nothing is timed.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { PASSWORD } from '../support/endpoint.js';
import { GENEROUS_LIMITS, PRODUCTION_PASSWORD_HASHING } from '../support/logins.js';
import { useLocalRuntime } from '../support/runtime.js';

// Hashes at their production cost (scrypt 2^15, about 100 ms; vitest.config.ts lowers the other files to 2^10): the
// burst's AUTHs must still be hashing, or queued to be, when the next ones arrive.
const local = useLocalRuntime({
  env: { ...GENEROUS_LIMITS, ...PRODUCTION_PASSWORD_HASHING, IP_INFLIGHT_HASHES: '2' },
});

describe('hashes in flight per address', () => {
  it('a burst of AUTHs from one address: past the cap refused with retryAfter, a bystander unaffected, no slot leaked', async () => {
    const owner = await local.user('burst', { localAddress: '127.0.0.5' });
    const bystander = await local.user('bystander', { localAddress: '127.0.0.6' });
    const clients = await Promise.all(
      Array.from({ length: 16 }, () => local.connect({ localAddress: '127.0.0.7' })),
    );
    const [answers, other] = await Promise.all([
      Promise.all(clients.map((c) => c.request(`AUTH ${owner.name} ${PASSWORD}`))),
      (async () =>
        (await local.connect({ localAddress: '127.0.0.8' })).request(`AUTH ${bystander.name} ${PASSWORD}`))(),
    ]);
    const refused = answers.filter((a) => a.reason === 'rate_limited');
    const ok = answers.filter((a) => a.status === 'OK');
    expect(refused.length + ok.length).toBe(16);
    expect(refused.length).toBeGreaterThan(0);
    for (const a of refused)
      expect(a).toEqual({
        status: 'ERROR',
        data: 'autentikasi gagal',
        reason: 'rate_limited',
        retryAfter: 1,
      });
    expect(other).toEqual({ status: 'OK', data: 'autentikasi berhasil' });
    // Every slot taken was given back.
    const { db, TABLE } = await import('../../shared/data/client.js');
    const { keys } = await import('../../shared/data/keys.js');
    const { Item } = await db.send(
      new GetCommand({ TableName: TABLE, Key: keys.hashSlots('127.0.0.7'), ConsistentRead: true }),
    );
    expect(Item?.count).toBe(0);
    // And the address may hash again.
    expect(
      await (await local.connect({ localAddress: '127.0.0.7' })).request(`AUTH ${owner.name} ${PASSWORD}`),
    ).toEqual({
      status: 'OK',
      data: 'autentikasi berhasil',
    });
  });
});
