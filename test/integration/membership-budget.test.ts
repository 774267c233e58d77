/**
 * The join/leave budget over real WebSockets (issue 22: 400 GROUP_JOIN / GROUP_LEAVE in 14 s were all accepted, each
 * writing one item per online device into the group): one connection's burst is cut at its budget with
 * `rate_limited` and `retryAfter`, and another connection's joins are not affected.
 */
import { describe, expect, it } from 'vitest';
import { uniqueName, useEndpoint } from '../support/endpoint.js';

const env = useEndpoint();

describe('GROUP_JOIN / GROUP_LEAVE budget', () => {
  it('answers rate_limited past a burst of 20 on one connection, and not on another', async () => {
    const owner = await env.user('owner');
    const flooder = await env.user('flooder');
    const bystander = await env.user('bystander');
    const group = uniqueName('g');
    expect(await owner.client.request(`GROUP_CREATE ${group}`)).toMatchObject({ status: 'OK' });
    const started = Date.now();
    const answers = await flooder.client.burst(
      Array.from({ length: 80 }, (_, i) => `${i % 2 ? 'GROUP_LEAVE' : 'GROUP_JOIN'} ${group}`),
    );
    const seconds = (Date.now() - started) / 1000;
    const limited = answers.filter((a) => a.reason === 'rate_limited');
    // Requests the budget let through (answered OK, or refused for another reason: the burst's joins and leaves run
    // side by side, so a leave may come before its join): 20 at once, then one every 2 s for as long as the burst
    // took (the budget refills while it runs).
    const spent = answers.length - limited.length;
    expect(spent).toBeLessThanOrEqual(20 + Math.ceil(seconds / 2) + 1);
    expect(spent).toBeGreaterThanOrEqual(20);
    for (const a of limited) {
      expect(['gagal bergabung ke grup', 'gagal keluar dari grup']).toContain(a.data);
      expect(a.retryAfter).toBeGreaterThanOrEqual(1);
    }
    expect(await bystander.client.request(`GROUP_JOIN ${group}`)).toMatchObject({ status: 'OK' });
  });
});
