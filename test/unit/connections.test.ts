/**
 * shared/data/connections.ts and shared/login/ against dynalite: opening, binding, the catch-up lease, unbinding and
 * forgetting a connection, with every copy of it (under the user and each group) and the departure marks.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { type GroupKey, groupKeyOf, type UserKey, userKeyOf } from '../../shared/protocol/names.js';
import { intercept } from '../support/fakes.js';
import { useTable } from '../support/table.js';

await useTable();
const { db, dynamo, TABLE } = await import('../../shared/data/client.js');
const { keys } = await import('../../shared/data/keys.js');
const { queryAll } = await import('../../shared/data/table.js');
const users = await import('../../shared/data/users.js');
const groups = await import('../../shared/data/groups.js');
const { addMember } = await import('../../shared/groups/join.js');
const c = await import('../../shared/data/connections.js');
const login = await import('../../shared/login/index.js');
const { idCeil } = await import('../../shared/ids.js');
const { BOUNDARY_LEAD_MS } = await import('../../shared/delivery/boundary.js');

const get = async (key: { pk: string; sk: string }) =>
  (await db.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }))).Item;

/** Fails the next DynamoDB call whose input `matches`, once; `hits` counts the failures made. */
const faults: { matches: (input: Record<string, unknown>) => boolean; state: { hits: number } }[] = [];
intercept(dynamo, 'unit-faults', (next) => async (args) => {
  const fault = faults.find((f) => f.state.hits === 0 && f.matches(args.input));
  if (fault) {
    fault.state.hits++;
    throw Object.assign(new Error('injected'), { name: 'InternalServerError' });
  }
  return next(args);
});
function once(matches: (input: Record<string, unknown>) => boolean) {
  const state = { hits: 0 };
  faults.push({ matches, state });
  return state;
}

let unique = 0;
const fresh = (prefix: string) => `${prefix}${++unique}`;
const profile = { username: 'U', passwordHash: 'h', country: 'ID', name: 'U', createdAt: 'x' };

/** A user in two groups, with a connection opened now. */
async function setup() {
  const user = userKeyOf(fresh('u'));
  const connectionId = fresh('c');
  const gs = [groupKeyOf(fresh('g')), groupKeyOf(fresh('g'))];
  await users.createUser(user, profile);
  for (const g of gs) {
    await groups.createGroup(g, g, user, 0);
    await addMember(g, g, user, user, [], 0);
  }
  const now = Date.now();
  await c.openConnection(connectionId, now, '10.0.0.1');
  const expiresAt = Math.floor((now + c.CONNECTION_LIFETIME_MS) / 1000);
  return { user, connectionId, gs, now, connection: { user, connectionId, expiresAt } };
}

/** AUTH's binding: on the state read strongly, as AUTH does; the boundary it returns (no race here). */
async function bind(connection: { user: UserKey; connectionId: string; expiresAt: number }, gs: GroupKey[]) {
  const now = Date.now();
  const previous = await c.readConnection(connection.connectionId, now, true);
  const boundary = await login.bindConnection(connection, 'U', gs, previous, now);
  if (boundary === undefined) throw new Error('bindConnection lost a race nobody ran');
  return boundary;
}

describe('liveConnections', () => {
  it('keeps those that expire after this second, and drops unreadable ones', () => {
    const items = [{ expiresAt: 11 }, { expiresAt: 10 }, { expiresAt: Number.NaN }, { expiresAt: Infinity }];
    expect(c.liveConnections(items, 10_999)).toEqual([{ expiresAt: 11 }]);
    expect(c.liveConnections([{ expiresAt: 11 }], 11_000)).toEqual([]);
  });
  it('lives a little over API Gateway’s two hours', () => {
    expect(c.CONNECTION_LIFETIME_MS).toBe(125 * 60 * 1000);
  });
});

describe('a connection', () => {
  it('opens anonymous, with its address and lifetime', async () => {
    const { connectionId, now } = await setup();
    const item = await get(keys.connection(connectionId));
    expect(item).toMatchObject({ sourceIp: '10.0.0.1', connectedAt: new Date(now).toISOString() });
    expect(item?.expiresAt).toBe(Math.floor((now + c.CONNECTION_LIFETIME_MS) / 1000));
    const state = await c.readConnection(connectionId, now, true);
    expect(state).toEqual({
      user: undefined,
      username: undefined,
      expiresAt: item?.expiresAt,
      boundary: undefined,
      caughtUp: false,
      answered: false,
      lease: undefined,
      leaseUntil: 0,
      version: 0,
      lock: undefined,
      lockUser: undefined,
      lockUntil: 0,
    });
  });

  it('reads as absent when unknown or expired', async () => {
    const { connectionId, now, connection, user, gs } = await setup();
    await bind(connection, gs);
    const unknown = await c.readConnection(fresh('none'), now);
    expect(unknown.user).toBeUndefined();
    expect(unknown.expiresAt).toBe(Math.floor((now + c.CONNECTION_LIFETIME_MS) / 1000));
    const late = (connection.expiresAt + 1) * 1000;
    expect((await c.readConnection(connectionId, late, true)).user).toBeUndefined();
    expect((await c.readConnection(connectionId, connection.expiresAt * 1000, true)).user).toBeUndefined();
    expect((await c.readConnection(connectionId, connection.expiresAt * 1000 - 1, true)).user).toBe(user);
  });

  it('binds to a user: copies under the user and each group, then a boundary after now', async () => {
    const { connectionId, connection, user, gs, now } = await setup();
    const before = idCeil(Date.now());
    const boundary = await bind(connection, gs);
    expect(boundary > before).toBe(true);
    expect(boundary <= idCeil(Date.now() + BOUNDARY_LEAD_MS)).toBe(true);
    expect(await c.readConnection(connectionId, now, true)).toEqual({
      user,
      username: 'U',
      expiresAt: connection.expiresAt,
      boundary,
      caughtUp: false,
      answered: false,
      lease: undefined,
      leaseUntil: 0,
      version: 1,
      lock: undefined,
      lockUser: undefined,
      lockUntil: 0,
    });
    expect(await c.readUserConnections(user, now)).toEqual([connection]);
    expect(await c.readUserConnections(user, (connection.expiresAt + 1) * 1000)).toEqual([]);
    for (const g of gs)
      expect((await groups.groupConnectionsPage(g, undefined, 10, now)).connections).toEqual([connection]);
  });

  it('loses the race on a state read before another change: nothing changes, no copies are left', async () => {
    const { connectionId, connection, user, gs, now } = await setup();
    const stale = await c.readConnection(connectionId, now, true);
    const boundary = await bind(connection, gs);
    const other = userKeyOf(fresh('u'));
    const lost = await login.bindConnection({ ...connection, user: other }, 'O', [], stale, now);
    expect(lost).toBeUndefined();
    const state = await c.readConnection(connectionId, now, true);
    expect(state).toMatchObject({ user, boundary, version: 1, lock: undefined, lockUser: undefined });
    expect(await c.readUserConnections(other, now)).toEqual([]);
    expect(await c.readUserConnections(user, now)).toEqual([connection]);
    // The same again on the fresh state: the binding moves to the other user, and this one's copies go.
    const taken = await login.bindConnection({ ...connection, user: other }, 'O', [], state, now);
    expect(typeof taken).toBe('string');
    expect(await c.readConnection(connectionId, now, true)).toMatchObject({ user: other, version: 2 });
    expect(await c.readUserConnections(other, now)).toEqual([{ ...connection, user: other }]);
    expect(await c.readUserConnections(user, now)).toEqual([]);
    for (const g of gs)
      expect((await groups.groupConnectionsPage(g, undefined, 10, now)).connections).toEqual([]);
  });

  it('undoes a change whose commit failed: the old binding, its copies and no lock, as before', async () => {
    const { connectionId, connection, user, gs, now } = await setup();
    await bind(connection, gs);
    const other = userKeyOf(fresh('u'));
    const failCommit = once((input) => String(input.UpdateExpression).includes('boundary = :boundary'));
    const state = await c.readConnection(connectionId, now, true);
    await expect(login.bindConnection({ ...connection, user: other }, 'O', gs, state, now)).rejects.toThrow(
      'injected',
    );
    expect(failCommit.hits).toBe(1);
    expect(await c.readConnection(connectionId, now, true)).toMatchObject({
      user,
      version: 1,
      lock: undefined,
    });
    expect(await c.readUserConnections(user, now)).toEqual([connection]);
    expect(await c.readUserConnections(other, now)).toEqual([]);
    for (const g of gs)
      expect((await groups.groupConnectionsPage(g, undefined, 10, now)).connections).toEqual([connection]);
    // Nothing is held: the same change goes through now.
    expect(typeof (await login.bindConnection({ ...connection, user: other }, 'O', [], state, now))).toBe(
      'string',
    );
    expect(await c.readConnection(connectionId, now, true)).toMatchObject({ user: other, version: 2 });
  });

  it('tidies up after a commit on a second try when the first fails', async () => {
    const { connectionId, connection, gs, now } = await setup();
    const failRelease = once((input) => String(input.UpdateExpression).startsWith('REMOVE #lock'));
    await bind(connection, gs);
    expect(failRelease.hits).toBe(1);
    expect(await c.readConnection(connectionId, now, true)).toMatchObject({ version: 1, lock: undefined });
  });

  it('lets one catch-up run hold a login at a time, until it releases or its lease ends', async () => {
    const { connectionId, connection, gs, now, user } = await setup();
    const boundary = await bind(connection, gs);
    const login = { user, boundary };
    expect(await c.takeCatchUpLease(connectionId, login, 'r1', now, now + 1000)).toBe(true);
    expect((await c.readConnection(connectionId, now, true)).lease).toBe('r1');
    expect((await c.readConnection(connectionId, now, true)).leaseUntil).toBe(now + 1000);
    expect((await c.readConnection(connectionId, now + 1000, true)).lease).toBeUndefined();
    expect(await c.takeCatchUpLease(connectionId, login, 'r2', now + 500, now + 2000)).toBe(false);
    expect(await c.takeCatchUpLease(connectionId, login, 'r1', now + 500, now + 2000)).toBe(true);
    expect(await c.takeCatchUpLease(connectionId, login, 'r2', now + 2000, now + 3000)).toBe(false);
    expect(await c.takeCatchUpLease(connectionId, login, 'r2', now + 2001, now + 3000)).toBe(true);
    expect(await c.releaseCatchUpLease(connectionId, login, 'r1')).toBe(false);
    expect(await c.releaseCatchUpLease(connectionId, login, 'r2')).toBe(true);
    expect(await c.takeCatchUpLease(connectionId, login, 'r3', now, now + 1000)).toBe(true);
    // Another login (another boundary or user) never holds or completes this one.
    expect(await c.takeCatchUpLease(connectionId, { user, boundary: 'other' }, 'r4', now + 9999, now)).toBe(
      false,
    );
    expect(
      await c.takeCatchUpLease(connectionId, { user: userKeyOf('x'), boundary }, 'r4', now + 9999, now),
    ).toBe(false);
    expect(await c.markCaughtUp(connectionId, user, 'other')).toBe(false);
    expect(await c.markCaughtUp(connectionId, user, boundary)).toBe(true);
    const state = await c.readConnection(connectionId, now, true);
    expect(state.caughtUp).toBe(true);
    expect(state.lease).toBeUndefined();
    expect(state.leaseUntil).toBe(0);
  });

  it('unbinds before catching up: copies go, no departure, the cursor stays', async () => {
    const { connectionId, connection, gs, now, user } = await setup();
    await bind(connection, gs);
    const state = await c.readConnection(connectionId, now, true);
    expect(await login.unbindConnection(connectionId, user, state, now)).toBe(true);
    const after = await c.readConnection(connectionId, now, true);
    expect(after.user).toBeUndefined();
    expect(after.expiresAt).toBe(connection.expiresAt);
    expect(await c.readUserConnections(user, now)).toEqual([]);
    for (const g of gs) {
      expect((await groups.groupConnectionsPage(g, undefined, 10, now)).connections).toEqual([]);
      expect((await groups.departuresAfter(g, '')).size).toBe(0);
    }
    expect((await get(keys.user(user)))?.groupCursor).toBeUndefined();
  });

  it('unbinds after catching up: a departure mark in each group, then the cursor moves to now', async () => {
    const { connectionId, connection, gs, now, user } = await setup();
    const boundary = await bind(connection, gs);
    await c.markCaughtUp(connectionId, user, boundary);
    const state = await c.readConnection(connectionId, now, true);
    expect(await login.unbindConnection(connectionId, user, state, now)).toBe(true);
    expect((await c.readConnection(connectionId, now, true)).version).toBe(2);
    const cursor = idCeil(now);
    expect((await get(keys.user(user)))?.groupCursor).toBe(cursor);
    for (const g of gs) {
      const mark = await get(keys.groupDeparture(g, cursor, user));
      expect(mark).toMatchObject({ user });
      expect(mark?.expiresAt).toBe(Math.floor((now + login.DEPARTURE_TTL_MS) / 1000));
      expect([...(await groups.departuresAfter(g, idCeil(now - 1)))]).toEqual([user]);
    }
    expect(login.DEPARTURE_TTL_MS).toBe(15 * 24 * 3600 * 1000);
    // A second unbind on the same (now stale) state changes nothing; nor once the item is gone.
    expect(await login.unbindConnection(connectionId, user, state, now)).toBe(false);
    await login.forgetConnection(connectionId, undefined, now);
    expect(await login.unbindConnection(connectionId, user, state, now)).toBe(false);
    expect(await get(keys.connection(connectionId))).toBeUndefined();
  });

  it('unbinding a state of another user changes nothing and leaves no departure for this one', async () => {
    const { connectionId, connection, gs, now, user } = await setup();
    const boundary = await bind(connection, gs);
    await c.markCaughtUp(connectionId, user, boundary);
    const state = { ...(await c.readConnection(connectionId, now, true)), user: userKeyOf('someone') };
    expect(await login.unbindConnection(connectionId, user, state, now)).toBe(false);
    expect((await get(keys.user(user)))?.groupCursor).toBeUndefined();
    expect(await c.readUserConnections(user, now)).toEqual([connection]);
    expect((await c.readConnection(connectionId, now, true)).user).toBe(user);
  });

  it('is forgotten with exactly its own copies, even when its item expired', async () => {
    const { connectionId, connection, gs, now, user } = await setup();
    await bind(connection, gs);
    const other = { ...connection, connectionId: fresh('c') };
    await c.openConnection(other.connectionId, now, undefined);
    await bind(other, gs);
    await login.forgetConnection(connectionId, undefined, now);
    expect(await get(keys.connection(connectionId))).toBeUndefined();
    expect(await c.readUserConnections(user, now)).toEqual([other]);
    for (const g of gs)
      expect((await groups.groupConnectionsPage(g, undefined, 10, now)).connections).toEqual([other]);
    // Expired: the item tells no user any more, the caller's does.
    await login.forgetConnection(other.connectionId, user, (other.expiresAt + 1) * 1000);
    expect(await queryAll(keys.user(user).pk, { beginsWith: '#CONN#' })).toEqual([]);
    expect(await get(keys.connection(other.connectionId))).toBeUndefined();
  });

  it('publishes and withdraws group connections in one more group', async () => {
    const { connection, now, user } = await setup();
    const g = groupKeyOf(fresh('g'));
    await c.publishGroupConnections(g, [connection], [{ ...keys.groupMember(g, user), username: 'U' }]);
    expect((await groups.groupConnectionsPage(g, undefined, 10, now)).connections).toEqual([connection]);
    expect((await groups.membersPage(g, undefined, 10)).names).toEqual(['U']);
    await c.withdrawGroupConnections(g, user, [connection.connectionId], [keys.groupMember(g, user)]);
    expect((await groups.groupConnectionsPage(g, undefined, 10, now)).connections).toEqual([]);
    expect((await groups.membersPage(g, undefined, 10)).names).toEqual([]);
  });
});
