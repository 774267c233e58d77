/**
 * The group writes that take something back or give up (shared/data/groups.ts, shared/groups/owner.ts): a creation is
 * abandoned and a deletion's last step removes the item only for their own token; a join whose group connections could
 * not be written is taken back with its count; the heir of a group from before join-order items is found by name; and
 * an owner repair that keeps losing its race stops after its rounds with a warning.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { groupKeyOf, userKeyOf } from '../../shared/protocol/names.js';
import { useDispatcher } from '../support/dispatcher.js';
import { attachFaults, db as onDb } from '../support/faults.js';
import { captureLogs } from '../support/logs.js';

const t = await useDispatcher();
const { db, dynamo, TABLE } = await import('../../shared/data/client.js');
const { keys } = await import('../../shared/data/keys.js');
const groups = await import('../../shared/data/groups.js');
const { addMember } = await import('../../shared/groups/join.js');
const { ensureOwner } = await import('../../shared/groups/owner.js');
const { intercept } = await import('../support/fakes.js');
const faults = await attachFaults();

const NOW = 60_000_000;
const item = async (key: { pk: string; sk: string }) =>
  (await db.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }))).Item;
const isGroupItem = (groupKey: string) => (input: { Key?: { pk?: string; sk?: string } }) =>
  input.Key?.pk === keys.group(groupKey).pk && input.Key?.sk === 'META';

afterEach(() => {
  faults.reset();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('taking a creation or a deletion back', () => {
  it('abandonGroup deletes the group only for the token it was created with', async () => {
    const g = groupKeyOf(t.fresh('gab'));
    expect(await groups.createGroup(g, g, 'owner', NOW, false, 'token-1')).toBe(true);
    await groups.abandonGroup(g, 'token-2');
    expect(await item(keys.group(g))).toBeDefined();
    await groups.abandonGroup(g, 'token-1');
    expect(await item(keys.group(g))).toBeUndefined();
  });

  it('abandonGroup passes on an error other than a failed condition', async () => {
    const g = groupKeyOf(t.fresh('gab'));
    expect(await groups.createGroup(g, g, 'owner', NOW, false, 'token-1')).toBe(true);
    faults.inject(onDb('DeleteItem', 'error', isGroupItem(g)));
    await expect(groups.abandonGroup(g, 'token-1')).rejects.toThrow();
    expect(await item(keys.group(g))).toBeDefined();
  });

  it("deleteGroupMeta removes the item only for its own deletion's token, and passes on other errors", async () => {
    const g = groupKeyOf(t.fresh('gdel'));
    expect(await groups.createGroup(g, g, 'owner', NOW)).toBe(true);
    expect(await groups.markDeleting(g, 'mine', 'owner', NOW)).toBe(true);
    await groups.deleteGroupMeta(g, 'theirs');
    expect(await item(keys.group(g))).toBeDefined();
    faults.inject(onDb('DeleteItem', 'error', isGroupItem(g)));
    await expect(groups.deleteGroupMeta(g, 'mine')).rejects.toThrow();
    faults.reset();
    await groups.deleteGroupMeta(g, 'mine');
    expect(await item(keys.group(g))).toBeUndefined();
  });
});

describe('a join taken back', () => {
  it('when its group connections could not be written: no membership, and the count is as before', async () => {
    const g = groupKeyOf(t.fresh('gjoin'));
    expect(await groups.createGroup(g, g, 'owner', NOW)).toBe(true);
    expect(await addMember(g, g, userKeyOf('owner'), 'Owner', [], NOW)).toBe('added');
    const live = { user: userKeyOf('u1'), connectionId: 'c1', expiresAt: NOW / 1000 + 600 };
    faults.inject(onDb('BatchWriteItem', 'error'));
    await expect(addMember(g, g, userKeyOf('u1'), 'U1', [live], NOW)).rejects.toThrow();
    faults.reset();
    expect((await groups.readGroupMeta(g, true))?.members).toBe(1);
    expect(await groups.readMembership(userKeyOf('u1'), g, true)).toBeUndefined();
    expect((await groups.groupConnectionsPage(g, undefined, 10, NOW)).connections).toEqual([]);
  });
});

describe('heirs', () => {
  it('of a group without join-order items are its first members by name', async () => {
    const g = groupKeyOf(t.fresh('gold'));
    expect(await groups.createGroup(g, g, 'owner', NOW)).toBe(true);
    for (const [user, username] of [
      ['zed', 'Zed'],
      ['amy', 'Amy'],
      ['bob', 'Bob'],
    ])
      await db.send(
        new PutCommand({ TableName: TABLE, Item: { ...keys.groupMember(g, user as string), username } }),
      );
    faults.reset();
    expect(await groups.longestMembers(g, 2)).toEqual([
      { user: 'amy', username: 'Amy' },
      { user: 'bob', username: 'Bob' },
    ]);
    const reads = faults.callsOf('dynamodb', 'Query');
    expect(reads).toHaveLength(2);
    expect(reads.every((input) => input.ConsistentRead === true && input.Limit === 2)).toBe(true);
  });
});

describe('the owner repair', () => {
  it('stops after its rounds when every hand-over loses its race, with a warning', async () => {
    const g = groupKeyOf(t.fresh('grace'));
    expect(await groups.createGroup(g, g, 'gone', NOW)).toBe(true);
    expect(await addMember(g, g, userKeyOf('heir'), 'Heir', [], NOW)).toBe('added');
    const lost = { count: 0 };
    intercept(dynamo, 'owner-race-lost', (next, context) => async (args) => {
      const input = JSON.stringify(args.input);
      if (String(context.commandName).startsWith('Update') && input.includes('#owner = :from')) {
        lost.count++;
        throw Object.assign(new Error('lost'), { name: 'ConditionalCheckFailedException' });
      }
      return next(args);
    });
    const warnings = captureLogs('warn', ['error']);
    try {
      await ensureOwner(g);
    } finally {
      dynamo.middlewareStack.remove('owner-race-lost');
    }
    expect(lost.count).toBe(8);
    expect(warnings).toEqual([
      expect.objectContaining({ level: 'warn', message: 'group owner not settled', group: g }),
    ]);
    expect((await groups.readGroupMeta(g, true))?.ownerName).toBe('gone');
  });
});
