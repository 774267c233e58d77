/**
 * shared/data against a real DynamoDB engine (dynalite, in this process): what each named data function writes and
 * reads back, so a wrong key, bound, condition or paging slip fails here, not only in the integration suite.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { groupKeyOf, userKeyOf } from '../../shared/protocol/names.js';
import { useTable } from '../support/table.js';

await useTable();
const { db, TABLE } = await import('../../shared/data/client.js');
const { keys } = await import('../../shared/data/keys.js');
const table = await import('../../shared/data/table.js');
const messages = await import('../../shared/data/messages.js');
const files = await import('../../shared/data/files.js');
const users = await import('../../shared/data/users.js');
const nameReuse = await import('../../shared/delivery/name-reuse.js');
const groups = await import('../../shared/data/groups.js');
const { addMember } = await import('../../shared/groups/join.js');
const { idCeil, idFloor, newId } = await import('../../shared/ids.js');

const get = async (key: { pk: string; sk: string }) =>
  (await db.send(new GetCommand({ TableName: TABLE, Key: { pk: key.pk, sk: key.sk }, ConsistentRead: true })))
    .Item;

let unique = 0;
const fresh = (prefix: string) => `${prefix}${++unique}`;
/** A fresh user's or group's key. */
const freshUser = (prefix: string) => userKeyOf(fresh(prefix));
const freshGroup = (prefix: string) => groupKeyOf(fresh(prefix));

describe('table helpers', () => {
  it('queryAll reads every page, by prefix, after a key, or in a range', async () => {
    const pk = fresh('P#');
    const sks = Array.from({ length: 30 }, (_, i) => `A#${String(i).padStart(2, '0')}`);
    // Big items, so one Query page (1 MB) cannot hold them all.
    const filler = 'x'.repeat(60_000);
    await table.batchWrite([
      ...sks.map((sk, n) => ({ pk, sk, n, filler })),
      { pk, sk: 'B#1' },
      { pk, sk: '#' },
    ]);
    const all = await table.queryAll(pk);
    expect(all.map((i) => i.sk)).toEqual(['#', ...sks, 'B#1']);
    expect((await table.queryAll(pk, { beginsWith: 'A#' })).map((i) => i.sk)).toEqual(sks);
    expect((await table.queryAll(pk, { after: 'A#28' })).map((i) => i.sk)).toEqual(['A#29', 'B#1']);
    expect((await table.queryAll(pk, { after: 'A#05', before: 'A#07' })).map((i) => i.sk)).toEqual([
      'A#05',
      'A#06',
      'A#07',
    ]);
    const filtered = await table.queryAll(pk, {
      beginsWith: 'A#',
      consistent: true,
      filter: { FilterExpression: 'n = :one', ExpressionAttributeValues: { ':one': 1 } },
    });
    expect(filtered.map((i) => i.sk)).toEqual(['A#01']);
    await table.batchWrite([], all);
    expect(await table.queryAll(pk)).toEqual([]);
  });

  it('queryRange pages through (after, upTo] and says where to go on', async () => {
    const pk = fresh('R#');
    await table.batchWrite(['a', 'b', 'c', 'd'].map((sk) => ({ pk, sk })));
    const first = await table.queryRange(pk, { after: 'a', upTo: 'c' }, { limit: 1 });
    expect(first.items.map((i) => i.sk)).toEqual(['b']);
    expect(first.next).toBe('b');
    const rest = await table.queryRange(pk, { after: 'b', upTo: 'c' }, { consistent: true });
    expect(rest.items.map((i) => i.sk)).toEqual(['c']);
    expect(rest.next).toBeUndefined();
  });

  it('batchGet reads more than 100 keys and leaves out missing ones', async () => {
    const pk = fresh('G#');
    const items = Array.from({ length: 130 }, (_, i) => ({ pk, sk: `k${i}`, n: i }));
    await table.batchWrite(items);
    const found = await table.batchGet(
      [...items.map(({ pk, sk }) => ({ pk, sk })), { pk, sk: 'missing' }],
      true,
    );
    expect(found.map((i) => i.n).sort((a, b) => Number(a) - Number(b))).toEqual(items.map((i) => i.n));
  });

  it('putOnce creates once, and knows its own retried write from somebody else’s', async () => {
    const item = { pk: fresh('O#'), sk: 'X', v: 1 };
    expect(await table.putOnce(item, 'mine')).toBe(true);
    expect(await get(item)).toMatchObject({ v: 1, writeToken: 'mine' });
    expect(await table.putOnce(item, 'mine')).toBe(true);
    expect(await table.putOnce({ ...item, v: 2 }, 'theirs')).toBe(false);
    expect((await get(item))?.v).toBe(1);
    expect(await table.putOnce({ ...item, sk: 'Y' })).toBe(true);
  });

  it('tells a failed condition from other errors, and epoch seconds round down', async () => {
    const failure = Object.assign(new Error('x'), { name: 'ConditionalCheckFailedException' });
    expect(await table.conditionally(Promise.reject(failure))).toBe(false);
    expect(await table.unlessConditionFails(Promise.reject(failure))).toBeUndefined();
    expect(await table.conditionally(Promise.resolve(undefined))).toBe(true);
    expect(await table.unlessConditionFails(Promise.resolve({ Attributes: { n: 1 } }))).toEqual({
      Attributes: { n: 1 },
    });
    const other = new Error('ConditionalCheckFailedException');
    await expect(table.conditionally(Promise.reject(other))).rejects.toBe(other);
    const plain = { name: 'ConditionalCheckFailedException' };
    await expect(table.unlessConditionFails(Promise.reject(plain))).rejects.toBe(plain);
    expect(table.epochSeconds(1999)).toBe(1);
    expect(table.epochSeconds(2000)).toBe(2);
  });
});

describe('messages', () => {
  it('store a private message once per pair and page its history newest first', async () => {
    const [a, b] = [freshUser('a'), freshUser('b')];
    const ids = [newId(1000), newId(2000), newId(3000)];
    for (const id of ids) {
      const key = await messages.storeDirectMessage(a, b, { event: 'MESSAGE', id, text: id });
      expect(key).toEqual(keys.directMessage(a, b, id));
    }
    const first = await messages.directHistory(b, a, undefined, 2);
    expect(first.events.map((e) => e.id)).toEqual([ids[2], ids[1]]);
    expect(first.events[0]).toEqual({ event: 'MESSAGE', id: ids[2], text: ids[2] });
    expect(first.more).toBe(true);
    const second = await messages.directHistory(a, b, ids[1], 2);
    expect(second.events.map((e) => e.id)).toEqual([ids[0]]);
    expect(second.more).toBe(false);
    const exact = await messages.directHistory(a, b, undefined, 3);
    expect(exact.more).toBe(false);
    expect(exact.events).toHaveLength(3);
    // From a start: what is older goes, and nothing older is "more" (a start at an id keeps that id).
    expect(messages.fromStart(first, ids[1] as string)).toEqual({ events: first.events, more: false });
    expect(messages.fromStart(first, ids[2] as string)).toEqual({ events: [first.events[0]], more: false });
    expect(messages.fromStart(first, idFloor(0))).toEqual(first);
  });

  it('store a group message once, read it back, and page the log in (after, upTo]', async () => {
    const g = freshGroup('g');
    const ids = [newId(1000), newId(2000), newId(3000)];
    for (const id of ids)
      await messages.storeGroupMessage(g, { event: 'GROUP_MESSAGE', id, group: g }, userKeyOf('x'));
    expect(await messages.readGroupMessage(g, ids[1] as string)).toEqual({
      event: 'GROUP_MESSAGE',
      id: ids[1],
      group: g,
    });
    expect(await messages.readGroupMessage(g, 'nope')).toBeUndefined();
    const page = await messages.groupLogPage(g, ids[0] as string, ids[2] as string, 1);
    expect(page.events.map((e) => e.id)).toEqual([ids[1]]);
    expect(page.more).toBe(true);
    const rest = await messages.groupLogPage(g, ids[1] as string, ids[2] as string, 5);
    expect(rest.events.map((e) => e.id)).toEqual([ids[2]]);
    expect(rest.more).toBe(false);
    const history = await messages.groupHistory(g, undefined, 5);
    expect(history.events.map((e) => e.id)).toEqual([...ids].reverse());
  });

  it('keep inbox pointers, resolve them in pages, and delete one or many', async () => {
    const [a, b] = [freshUser('a'), freshUser('b')];
    const ids = [newId(1000), newId(2000), newId(3000)];
    for (const id of ids) {
      const key = await messages.storeDirectMessage(a, b, { event: 'MESSAGE', id });
      await messages.putInbox(b, key, id);
    }
    await messages.putInbox(b, { pk: 'DM#gone', sk: 'MSG#gone' }, `${ids[2]}Z`);
    const first = await messages.inboxPage(b, undefined, 2);
    expect(first.waiting).toEqual([
      { id: ids[0], event: { event: 'MESSAGE', id: ids[0] } },
      { id: ids[1], event: { event: 'MESSAGE', id: ids[1] } },
    ]);
    expect(first.more).toBe(true);
    const rest = await messages.inboxPage(b, ids[1], 5);
    expect(rest.waiting).toEqual([
      { id: ids[2], event: { event: 'MESSAGE', id: ids[2] } },
      { id: `${ids[2]}Z`, event: undefined },
    ]);
    expect(rest.more).toBe(false);
    await messages.deleteInbox(b, [ids[0] as string]);
    expect((await messages.inboxPage(b, undefined, 10)).waiting.map((w) => w.id)).toEqual([
      ids[1],
      ids[2],
      `${ids[2]}Z`,
    ]);
    await messages.deleteInbox(b, [ids[1] as string, ids[2] as string]);
    await messages.deleteInbox(b, []);
    expect((await messages.inboxPage(b, undefined, 10)).waiting.map((w) => w.id)).toEqual([`${ids[2]}Z`]);
    expect(await messages.inboxPage(a, undefined, 10)).toEqual({ waiting: [], more: false });
  });
});

describe('file records', () => {
  const record = (id: string) =>
    ({
      id,
      objectKey: `uploads/${id}/a.txt`,
      filename: 'a.txt',
      contentType: 'text/plain',
      from: userKeyOf('a'),
      fromName: 'A',
      to: userKeyOf('b'),
      toName: 'B',
      status: 'uploading',
    }) as const;

  it('are forgotten by TTL only while uploading, and arrive once', async () => {
    const id = fresh('f');
    await files.putFileRecord(record(id), 5_000_500);
    expect(await get(keys.file(id))).toMatchObject({ status: 'uploading', expiresAt: 5000 });
    expect(await files.markUploaded(id, 42, 'then')).toBe(true);
    const ready = await get(keys.file(id));
    expect(ready).toMatchObject({ status: 'ready', size: 42, sentAt: 'then' });
    expect(ready?.expiresAt).toBeUndefined();
    expect(await files.markUploaded(id, 43, 'again')).toBe(false);
    expect((await files.getFileRecord(id))?.size).toBe(42);
    expect(await files.markPending(id)).toBe(1);
    expect((await files.getFileRecord(id))?.status).toBe('uploading');
    expect(await files.markPending(id)).toBe(2);
    expect(await files.markUploaded(id, 44, 'later')).toBe(true);
    expect(await files.getFileRecord(fresh('none'))).toBeUndefined();
    await files.putFileRecord(record(`${id}x`));
    expect((await get(keys.file(`${id}x`)))?.expiresAt).toBeUndefined();
  });

  it('cannot be marked uploaded when there is none', async () => {
    expect(await files.markUploaded(fresh('none'), 1, 'x')).toBe(false);
  });
});

describe('accounts', () => {
  const profile = { username: 'Alice', passwordHash: 'h', country: 'ID', name: 'A', createdAt: 'now' };

  it('are created once per key and read with their live devices and groups', async () => {
    const u = freshUser('u');
    expect(await users.createUser(u, profile)).toBe(true);
    expect(await users.createUser(u, { ...profile, name: 'B' })).toBe(false);
    const now = 10_000_000;
    await table.batchWrite([
      { ...keys.userConnection(u, 'live'), expiresAt: now / 1000 + 60 },
      { ...keys.userConnection(u, 'dead'), expiresAt: now / 1000 - 60 },
      { ...keys.userGroup(u, 'g1'), group: 'G1', from: 'F' },
      { ...keys.userGroup(u, 'g2'), group: 'G2' },
    ]);
    const account = await users.readAccount(u, now);
    expect(account.profile).toMatchObject(profile);
    expect(account.connections.map((c) => c.connectionId)).toEqual(['live']);
    expect(account.connections[0]).toMatchObject({ user: u, connectionId: 'live' });
    expect(account.groups).toEqual([]);
    const full = await users.readAccount(u, now, true);
    expect(full.groups).toEqual(['g1', 'g2']);
    expect(full.memberships).toEqual([
      { groupKey: 'g1', name: 'G1', from: 'F' },
      { groupKey: 'g2', name: 'G2', from: '' },
    ]);
    expect((await users.readAccount(freshUser('nobody'), now)).profile).toBeUndefined();
  });

  it('keep catch-up progress per group until cleared', async () => {
    const u = freshUser('u');
    await users.createUser(u, profile);
    const progress = new Map(Array.from({ length: 130 }, (_, i) => [groupKeyOf(`g${i}`), `id${i}`] as const));
    await users.advanceProgress(u, progress);
    await users.advanceProgress(u, new Map([[groupKeyOf('g0'), 'id0b']]));
    await db.send(new PutCommand({ TableName: TABLE, Item: { ...keys.catchUpProgress(`${u}x`), 'g:n': 5 } }));
    const read = (await users.readAccount(u, 0, true)).progress;
    expect(read.size).toBe(130);
    expect(read.get(groupKeyOf('g0'))).toBe('id0b');
    expect(read.get(groupKeyOf('g129'))).toBe('id129');
    expect((await users.readAccount(userKeyOf(`${u}x`), 0, true)).progress.size).toBe(0);
    await users.clearProgress(u);
    expect((await users.readAccount(u, 0, true)).progress.size).toBe(0);
  });

  it('move the group cursor only forward, and only on an account', async () => {
    const u = freshUser('u');
    await users.createUser(u, profile);
    await users.advanceGroupCursor(u, 'B');
    expect((await get(keys.user(u)))?.groupCursor).toBe('B');
    await users.advanceGroupCursor(u, 'A');
    expect((await get(keys.user(u)))?.groupCursor).toBe('B');
    await users.advanceGroupCursor(u, 'C');
    expect((await get(keys.user(u)))?.groupCursor).toBe('C');
    const ghost = freshUser('ghost');
    await users.advanceGroupCursor(ghost, 'C');
    expect(await get(keys.user(ghost))).toBeUndefined();
  });

  it('start a conversation at the later account, an hour early for clocks; a reused name starts afresh', async () => {
    const hour = 3600 * 1000;
    const older = Date.parse('2026-01-01T00:00:00.000Z');
    const newer = older + 40 * 24 * hour;
    const [a, b] = [freshUser('u'), freshUser('u')];
    await users.createUser(a, { ...profile, createdAt: new Date(older).toISOString() });
    await users.createUser(b, { ...profile, createdAt: new Date(newer).toISOString() });
    expect(await nameReuse.conversationStart(a, b)).toBe(idFloor(newer - hour));
    expect(await nameReuse.conversationStart(b, a)).toBe(idFloor(newer - hour));
    expect(await nameReuse.conversationStart(a, a)).toBe(idFloor(older - hour));
    expect(await nameReuse.conversationStart(a, freshUser('nobody'))).toBe(idFloor(older - hour));
    // Unreadable times are ignored, and with none the conversation starts at the beginning.
    expect(nameReuse.startFrom(['not a date', 7, new Date(older).toISOString()])).toBe(idFloor(older - hour));
    expect(nameReuse.startFrom([])).toBe(idFloor(0));
  });
});

describe('groups', () => {
  it('are created once; members join once, are counted, listed in pages and leave', async () => {
    const g = freshGroup('g');
    const now = 50_000_000;
    expect(await groups.createGroup(g, 'Grp', 'owner', now)).toBe(true);
    expect(await groups.createGroup(g, 'Other', 'x', now)).toBe(false);
    expect(await groups.readGroupMeta(g)).toEqual({
      name: 'Grp',
      ownerName: 'owner',
      members: 0,
      private: false,
    });
    expect(await groups.readGroupMeta(freshGroup('none'))).toBeUndefined();
    const live = { user: userKeyOf('u1'), connectionId: 'c1', expiresAt: now / 1000 + 600 };
    expect(await addMember(g, 'Grp', userKeyOf('u1'), 'U1', [live], now)).toBe('added');
    expect(await addMember(g, 'Grp', userKeyOf('u1'), 'U1', [live], now)).toBe('already');
    expect(await addMember(g, 'Grp', userKeyOf('u2'), 'U2', [], now)).toBe('added');
    expect(await addMember(g, 'Grp', userKeyOf('u3'), 'U3', [], now)).toBe('added');
    // A join to a group that is gone is taken back whole: no membership, no member item, no group connections.
    const none = freshGroup('none');
    expect(await addMember(none, 'None', userKeyOf('u1'), 'U1', [live], now)).toBe('gone');
    expect(await groups.readMembership(userKeyOf('u1'), none)).toBeUndefined();
    expect((await groups.membersPage(none, undefined, 10)).names).toEqual([]);
    expect((await groups.groupConnectionsPage(none, undefined, 10, now)).connections).toEqual([]);
    expect((await groups.readGroupMeta(g))?.members).toBe(3);
    expect(await groups.readMembership(userKeyOf('u1'), g)).toEqual({
      groupKey: g,
      name: 'Grp',
      from: idCeil(now),
    });
    expect(await groups.readMembership(userKeyOf('u9'), g)).toBeUndefined();
    expect(await groups.userGroups(userKeyOf('u1'))).toContainEqual({
      groupKey: g,
      name: 'Grp',
      from: idCeil(now),
    });

    const first = await groups.membersPage(g, undefined, 2);
    expect(first).toEqual({ names: ['U1', 'U2'], next: 'u2' });
    expect(await groups.membersPage(g, first.next, 2)).toEqual({ names: ['U3'], next: undefined });

    const page = await groups.groupConnectionsPage(g, undefined, 10, now);
    expect(page.connections).toEqual([live]);
    expect(page.next).toBeUndefined();
    expect(
      (await groups.groupConnectionsPage(g, undefined, 10, (live.expiresAt + 5) * 1000)).connections,
    ).toEqual([]);

    expect(await groups.removeMember(g, userKeyOf('u1'), ['c1'])).toEqual({ remaining: 2 });
    expect(await groups.removeMember(g, userKeyOf('u1'), ['c1'])).toBeUndefined();
    expect((await groups.readGroupMeta(g))?.members).toBe(2);
    expect((await groups.groupConnectionsPage(g, undefined, 10, now)).connections).toEqual([]);
    expect((await groups.membersPage(g, undefined, 10)).names).toEqual(['U2', 'U3']);
    expect(await groups.readMembership(userKeyOf('u1'), g)).toBeUndefined();
  });

  it('list a user’s groups exactly: keys and names as spelled', async () => {
    const u = freshUser('u');
    const gs = [freshGroup('g'), freshGroup('g')].sort();
    for (const g of gs) {
      await groups.createGroup(g, g.toUpperCase(), u, 0);
      await addMember(g, g.toUpperCase(), u, u, [], 0);
    }
    expect(await groups.userGroups(u)).toEqual(
      gs.map((g) => ({ groupKey: g, name: g.toUpperCase(), from: idCeil(0) })),
    );
    expect(await groups.userGroups(freshUser('u'))).toEqual([]);
  });

  it('find departures after a message, and only after it', async () => {
    const g = freshGroup('g');
    await table.batchWrite([
      { ...keys.groupDeparture(g, 'B', 'early'), user: 'early' },
      { ...keys.groupDeparture(g, 'D', 'late'), user: 'late' },
      { ...keys.groupMember(g, 'x'), user: 'member' },
      { ...keys.groupConnection(g, 'y', 'c'), user: 'online' },
    ]);
    expect([...(await groups.departuresAfter(g, 'C'))]).toEqual(['late']);
    expect([...(await groups.departuresAfter(g, 'A'))].sort()).toEqual(['early', 'late']);
  });
});
