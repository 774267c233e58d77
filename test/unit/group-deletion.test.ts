/**
 * A group's deletion (shared/groups/delete.ts) beyond one page: the mark is only the owner's (or an empty group's), a
 * lost job is started again once the deletion is stale, and each phase (presence: the group's connections, items,
 * messages) goes on page by page, by its own cursor, before the next phase starts, until the group item itself goes.
 */
import { describe, expect, it } from 'vitest';
import { groupKeyOf, userKeyOf } from '../../shared/protocol/names.js';
import { useDispatcher } from '../support/dispatcher.js';
import { seeder } from '../support/seed.js';

const t = await useDispatcher();
const { keys } = await import('../../shared/data/keys.js');
const groups = await import('../../shared/data/groups.js');
const { addMember } = await import('../../shared/groups/join.js');
const { queryAll } = await import('../../shared/data/table.js');
const { DELETE_PAGE, STALE_DELETION_MS, deleteGroup, deletionStep, resumeStaleDeletion } = await import(
  '../../shared/groups/delete.js'
);
const { newId } = await import('../../shared/ids.js');
const seed = seeder();

const NOW = Date.parse('2026-06-01T00:00:00Z');

async function ownedGroup(prefix: string) {
  const g = groupKeyOf(t.fresh(prefix));
  expect(await groups.createGroup(g, g, 'owner', NOW)).toBe(true);
  expect(await addMember(g, g, userKeyOf('owner'), 'owner', [], NOW)).toBe('added');
  return g;
}

describe('marking a group deleted', () => {
  it('is refused to anyone but the owner, and then nothing is enqueued', async () => {
    const g = await ownedGroup('gdm');
    t.jobs.length = 0;
    expect(await deleteGroup(g, 'someone', NOW)).toBe(false);
    expect(t.jobs).toEqual([]);
    expect(await groups.readGroupMeta(g, true)).toBeDefined();
    expect(await deleteGroup(g, 'owner', NOW)).toBe(true);
    expect(t.jobs).toEqual([
      { kind: 'groupdelete', group: g, token: expect.any(String), phase: 'presence', after: '' },
    ]);
    t.jobs.length = 0;
  });

  it('a lost deletion job is enqueued again only once the deletion is stale', async () => {
    const g = await ownedGroup('gds');
    expect(await groups.markDeleting(g, 'tok', 'owner', NOW)).toBe(true);
    t.jobs.length = 0;
    await resumeStaleDeletion(g, NOW + STALE_DELETION_MS - 1);
    expect(t.jobs).toEqual([]);
    await resumeStaleDeletion(g, NOW + STALE_DELETION_MS);
    expect(t.jobs).toEqual([{ kind: 'groupdelete', group: g, token: 'tok', phase: 'presence', after: '' }]);
    t.jobs.length = 0;
  });
});

describe('the deletion, page by page', () => {
  it('goes through each phase a page at a time, then removes the group item', async () => {
    const g = await ownedGroup('gdp');
    const n = DELETE_PAGE + 1;
    const expiresAt = Math.floor(NOW / 1000) + 3600;
    const names = Array.from({ length: n }, (_, i) => `m${String(i).padStart(4, '0')}`);
    await seed.put(
      names.flatMap((user) => [
        { ...keys.groupConnection(g, user, `c-${user}`), user, connectionId: `c-${user}`, expiresAt },
        { ...keys.groupMember(g, user), username: user },
        { ...keys.userGroup(user, g), name: g },
      ]),
    );
    await seed.groupMessages(
      g,
      g,
      newId(NOW),
      Array.from({ length: n }, (_, i) => newId(NOW + i)),
    );
    expect(await groups.markDeleting(g, 'tok', 'owner', NOW)).toBe(true);
    const start = {
      kind: 'groupdelete' as const,
      group: g,
      token: 'tok',
      phase: 'presence' as const,
      after: '',
    };

    const phases: string[] = [];
    let job = await deletionStep(t.api.endpoint, start, NOW);
    expect(job).toEqual({ ...start, after: expect.stringMatching(/./) });
    while (job) {
      phases.push(`${job.phase}${job.after === '' ? '' : '+'}`);
      job = await deletionStep(t.api.endpoint, job, NOW);
    }
    // The group's connections (phase `presence`): a page, then the rest; every phase after it needs two pages as well
    // (101 and more items).
    expect(phases).toEqual(['presence+', 'items', 'items+', 'messages', 'messages+', 'meta']);
    expect(await queryAll(keys.group(g).pk)).toEqual([]);
    expect(await queryAll(keys.groupMessage(g, '').pk)).toEqual([]);
    expect(await seed.get(keys.userGroup('m0000', g))).toBeUndefined();
    expect(await seed.get(keys.userGroup(names.at(-1) as string, g))).toBeUndefined();
    // Every online member was told once.
    expect(t.api.frames.get('c-m0000')?.map((f) => JSON.parse(f.slice(0, -4)).event)).toEqual([
      'GROUP_DELETED',
    ]);
  });

  it('does nothing for a job whose token is not the deletion under way', async () => {
    const g = await ownedGroup('gdt');
    expect(await groups.markDeleting(g, 'tok', 'owner', NOW)).toBe(true);
    const job = { kind: 'groupdelete' as const, group: g, token: 'other', phase: 'meta' as const, after: '' };
    expect(await deletionStep(t.api.endpoint, job, NOW)).toBeUndefined();
    expect(await groups.readDeletion(g)).toMatchObject({ token: 'tok' });
  });
});
