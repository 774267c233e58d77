/**
 * Deleting a group larger than one page (issue 12): the test drives the clean-up's pages itself (as the worker
 * would, job after job), repeats a page as a redelivered job would, and checks that a job of an old deletion does
 * nothing to a new group under the same name.
 */
import { describe, expect, it } from 'vitest';
import { type GroupKey, groupKeyOf } from '../../shared/protocol/names.js';
import { uniqueName } from '../support/endpoint.js';
import { useLocalRuntime } from '../support/runtime.js';
import { seeder } from '../support/seed.js';

const local = useLocalRuntime();

describe('group deletion, page by page', () => {
  it('takes apart a group of 300 members and messages, survives a repeated page, then frees the name', async () => {
    const { keys } = await import('../../shared/data/keys.js');
    const { markDeleting } = await import('../../shared/data/groups.js');
    const { deletionStep, DELETE_PAGE } = await import('../../shared/groups/delete.js');
    const { newId } = await import('../../shared/ids.js');
    type Job = import('../../shared/queue/jobs.js').GroupDeleteJob;

    const alice = await local.user('alice');
    const group = uniqueName('big');
    const groupKey = groupKeyOf(group);
    expect(await alice.client.request(`GROUP_CREATE ${group}`)).toMatchObject({ status: 'OK' });
    const seed = seeder();
    const fillers = Array.from({ length: 300 }, (_, i) => `${group}_m${i}`);
    await seed.members(groupKey, group, fillers);
    const ids = Array.from({ length: 300 }, (_, i) => newId(Date.now() - 1000 + i));
    await seed.groupMessages(groupKey, group, alice.name, ids);

    const token = newId();
    expect(await markDeleting(groupKey, token, alice.name, Date.now())).toBe(true);
    // Gone for everyone at once, before anything is taken apart.
    expect(await alice.client.request(`GROUP_MEMBERS ${group}`)).toMatchObject({ reason: 'unknown_group' });
    expect(await seed.get(keys.userGroup(fillers[0] as string, groupKey))).toBeDefined();

    let job: Job | undefined = { kind: 'groupdelete', group: groupKey, token, phase: 'presence', after: '' };
    let pages = 0;
    while (job) {
      const next: Job | undefined = await deletionStep(local.runtime.callbackUrl, job, Date.now());
      pages++;
      // SQS may deliver a page's job twice: running it again must not lose or break anything.
      job = pages === 4 ? await deletionStep(local.runtime.callbackUrl, job, Date.now()) : next;
    }
    // The group's connections, 300+ member items and 300 messages in pages of 100, then the group item.
    expect(pages).toBeGreaterThanOrEqual(1 + 2 * Math.ceil(300 / DELETE_PAGE) + 1);
    expect(await alice.client.nextPush((p) => p.event === 'GROUP_DELETED')).toMatchObject({
      group,
      id: token,
    });

    expect(await seed.get(keys.group(groupKey))).toBeUndefined();
    for (const name of fillers) expect(await seed.get(keys.userGroup(name, groupKey))).toBeUndefined();
    for (const id of ids.slice(0, 20))
      expect(await seed.get(keys.groupMessage(groupKey, id))).toBeUndefined();
    expect(await alice.client.request('GROUPS')).toEqual({ status: 'OK', data: [] });

    // The name is free; the new group has nothing of the old one.
    expect(await alice.client.request(`GROUP_CREATE ${group}`)).toMatchObject({ status: 'OK' });
    expect(await alice.client.request(`GROUP_HISTORY ${group}`)).toEqual({ status: 'OK', data: [] });
    // A late copy of the old deletion's job finds another group under the name and touches nothing.
    for (const phase of ['presence', 'items', 'messages', 'meta'] as const)
      expect(
        await deletionStep(local.runtime.callbackUrl, { ...job0(groupKey, token), phase }, Date.now()),
      ).toBe(undefined);
    expect(await alice.client.request(`GROUP_MEMBERS ${group}`)).toEqual({
      status: 'OK',
      data: [alice.name],
      owner: alice.name,
    });
  });
});

function job0(group: GroupKey, token: string) {
  return { kind: 'groupdelete' as const, group, token, phase: 'presence' as const, after: '' };
}
