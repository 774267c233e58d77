/**
 * An edit and a deletion reaching a group's online members past the first inline page (100 connections), through
 * the worker's `signal` pages. Other members' connections are seeded into the group's connections.
 */
import { describe, expect, it, vi } from 'vitest';
import { keys } from '../../shared/data/keys.js';
import { useLocalRuntime } from '../support/runtime.js';
import { seeder } from '../support/seed.js';

vi.setConfig({ testTimeout: 120_000 });

const local = useLocalRuntime();

describe('an edit in a group with more than 100 online connections', () => {
  it('reaches members beyond the first page through the worker', async () => {
    const alice = await local.user('alice');
    const bob = await local.user('bob');
    const group = `g_${Date.now()}`;
    await alice.client.request(`GROUP_CREATE ${group}`);
    await bob.client.request(`GROUP_JOIN ${group}`);
    // 150 online connections of other members, sorting before bob's: bob is on the second page, the worker's.
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    await seeder().put(
      Array.from({ length: 150 }, (_, i) => {
        const user = `0member${String(i).padStart(3, '0')}`;
        const connectionId = `fake${i}=`;
        return { ...keys.groupConnection(group, user, connectionId), user, connectionId, expiresAt };
      }),
    );
    expect(await alice.client.request(`SEND_GROUP ${group} sebelum`)).toMatchObject({ status: 'OK' });
    const id = String((await bob.client.nextPush((p) => p.event === 'GROUP_MESSAGE')).id);
    expect(await alice.client.request(`EDIT ${id} sesudah`)).toMatchObject({ status: 'OK' });
    expect(await bob.client.nextPush((p) => p.event === 'MESSAGE_EDITED')).toMatchObject({
      id,
      message: 'sesudah',
    });
    expect(await alice.client.request(`DELETE ${id}`)).toMatchObject({ status: 'OK' });
    expect(await bob.client.nextPush((p) => p.event === 'MESSAGE_DELETED')).toEqual({
      event: 'MESSAGE_DELETED',
      id,
    });
  });
});
