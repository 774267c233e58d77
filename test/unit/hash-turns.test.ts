/**
 * hashInTurn (shared/limits/in-flight.ts): every password hash waits in the process's fair queue under the address
 * key the budgets use (an IPv4 address, an IPv6 /64), and past `IP_INFLIGHT_HASHES` waiting the address is refused
 * with the protocol's `rate_limited` and `retryAfter` 1, its hash not run. Fake hashes the test finishes itself.
 */
import { describe, expect, it } from 'vitest';

process.env.AWS_REGION ??= 'us-east-1';
process.env.TABLE_NAME ??= 'unit';
process.env.HASH_CONCURRENCY = '1';
process.env.IP_INFLIGHT_HASHES = '2';
const { hashInTurn } = await import('../../shared/limits/in-flight.js');
const { CommandError } = await import('../../shared/protocol/replies.js');

const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('hashInTurn', () => {
  it('queues by address (an IPv6 /64 as one), refuses past the bound with rate_limited, serves a new address next', async () => {
    const started: string[] = [];
    const finishers: Array<() => void> = [];
    const hash = (name: string) => () => {
      started.push(name);
      return new Promise<string>((resolve) => finishers.push(() => resolve(name)));
    };
    const running = hashInTurn('2001:db8:1:2::1', hash('v6-1'));
    // Two more from the same /64 wait; a third is refused without running.
    const waiting = [
      hashInTurn('2001:db8:1:2::2', hash('v6-2')),
      hashInTurn('2001:db8:1:2:ffff::9', hash('v6-3')),
    ];
    const refused = hashInTurn('2001:db8:1:2::3', hash('v6-4'));
    await expect(refused).rejects.toBeInstanceOf(CommandError);
    await expect(refused).rejects.toMatchObject({ reason: 'rate_limited', extra: { retryAfter: 1 } });
    // Another /64 and an IPv4 address are other addresses: each has its turn before the first one's second.
    const other = hashInTurn('2001:db8:1:3::1', hash('other'));
    const v4 = hashInTurn('192.0.2.7', hash('v4'));
    for (let i = 0; i < 5; i++) {
      finishers.shift()?.();
      await settle();
    }
    expect(await Promise.all([running, ...waiting, other, v4])).toEqual([
      'v6-1',
      'v6-2',
      'v6-3',
      'other',
      'v4',
    ]);
    expect(started).toEqual(['v6-1', 'other', 'v4', 'v6-2', 'v6-3']);
  });
});
