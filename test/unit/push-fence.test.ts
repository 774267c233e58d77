/**
 * The group push fence's primitive (issue 22, shared/push/deliver.ts): no attempt of a fenced push starts at or after
 * `readAt + FENCE_MS`; what is left is decided again on fresh reads (the recheck), at most FENCE_TRIES times, and
 * what the recheck drops or what is still late counts as not reached. The recording @connections stand-in shows
 * what was posted.
 */
import { describe, expect, it } from 'vitest';
import { userKeyOf } from '../../shared/protocol/names.js';
import { useConnectionsApi } from '../support/connections-api.js';
import { useTable } from '../support/table.js';

// The settings every handler needs (a gone connection's departure would also reach the table).
await useTable();
const api = await useConnectionsApi();
const { config } = await import('../../shared/config.js');
const { pushToAll, pushOne, FENCE_TRIES } = await import('../../shared/push/deliver.js');

const conn = (user: string, connectionId: string) => ({
  user: userKeyOf(user),
  connectionId,
  expiresAt: 0,
  pending: false,
});
const push = { event: 'GROUP_MESSAGE', id: 'x', group: 'g' };
/** A moment whose fence has long passed. */
const stale = () => performance.now() - config.fenceMs - 1000;

describe('the group push fence', () => {
  it('never starts a push past its fence: the recheck decides, and what it drops is not reached', async () => {
    const [a, b] = [conn('ann', 'fa1'), conn('ben', 'fb1')];
    const rechecked: string[][] = [];
    const unreached = await pushToAll(api.endpoint, [a, b], push, {
      readAt: stale(),
      recheck: async (left) => {
        rechecked.push(left.map((c) => c.connectionId));
        return left.filter((c) => c.user === 'ann');
      },
    });
    expect(rechecked).toEqual([['fa1', 'fb1']]);
    expect(api.frames.get('fa1')).toHaveLength(1);
    expect(api.frames.get('fb1')).toBeUndefined();
    expect([...unreached]).toEqual(['ben']);
  });

  it('gives up after FENCE_TRIES decisions whose reads outlast the fence: nothing is posted', async () => {
    let rechecks = 0;
    const unreached = await pushToAll(api.endpoint, [conn('cat', 'fc1')], push, {
      readAt: stale(),
      recheck: async (left) => {
        rechecks++;
        await new Promise((resolve) => setTimeout(resolve, config.fenceMs + 20));
        return left;
      },
    });
    expect(rechecks).toBe(FENCE_TRIES - 1);
    expect(api.frames.get('fc1')).toBeUndefined();
    expect([...unreached]).toEqual(['cat']);
  });

  it('a fenced push retries a failed attempt only within its fence', async () => {
    api.failing.add('fd1');
    expect(await pushOne(api.endpoint, conn('dan', 'fd1'), '{}', performance.now() + 60_000)).toBe('failed');
    expect(await pushOne(api.endpoint, conn('dan', 'fd1'), '{}', stale())).toBe('late');
    api.failing.delete('fd1');
    expect(await pushOne(api.endpoint, conn('dan', 'fd1'), '{}', performance.now() + 60_000)).toBe(
      'delivered',
    );
  });
});
