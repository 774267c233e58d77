/**
 * The login state machine on dynalite (shared/login/, shared/data/connections.ts, shared/account/sessions.ts): how a connection
 * item's lock, lease and boundary read back, the requests a change of login makes (its lock, its strong reads, only
 * its own keys), what a change leaves when its commit, its undo or its tidy-up fails, and logging a user's other
 * devices out: how many, strongly read, skipping those bound elsewhere, waiting out a change under way.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type GroupKey, groupKeyOf, type UserKey, userKeyOf } from '../../shared/protocol/names.js';
import { useDispatcher } from '../support/dispatcher.js';
import { intercept } from '../support/fakes.js';
import { db as dbRule } from '../support/faults.js';
import { captureLogs, type LogLine } from '../support/logs.js';

const t = await useDispatcher();
const { db, dynamo, TABLE } = await import('../../shared/data/client.js');
const { keys } = await import('../../shared/data/keys.js');
const users = await import('../../shared/data/users.js');
const groups = await import('../../shared/data/groups.js');
const { addMember } = await import('../../shared/groups/join.js');
const c = await import('../../shared/data/connections.js');
const login = await import('../../shared/login/index.js');
const { logOutOtherDevices, unbindPauses } = await import('../../shared/account/sessions.js');
const { attachFaults } = await import('../support/faults.js');
const faults = await attachFaults();

type Input = Record<string, unknown> & {
  Key?: { pk: string; sk: string };
  UpdateExpression?: string;
  ExpressionAttributeValues?: Record<string, unknown>;
  RequestItems?: Record<string, WriteRequest[]>;
};
type WriteRequest = {
  PutRequest?: { Item: Record<string, unknown> & { pk: string; sk: string } };
  DeleteRequest?: { Key: { pk: string; sk: string } };
};

const get = async (key: { pk: string; sk: string }) =>
  (await db.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }))).Item;
const put = (item: Record<string, unknown>) => db.send(new PutCommand({ TableName: TABLE, Item: item }));

/** Every partition a recorded DynamoDB call read or wrote. */
function touched(): string[] {
  const pks = new Set<string>();
  for (const call of faults.calls) {
    if (call.service !== 'dynamodb') continue;
    const input = call.input as Input;
    if (input.Key) pks.add(input.Key.pk);
    if (typeof input.Item === 'object' && input.Item !== null)
      pks.add(String((input.Item as { pk: string }).pk));
    const pk = input.ExpressionAttributeValues?.[':pk'];
    if (typeof pk === 'string') pks.add(pk);
    for (const request of input.RequestItems?.[TABLE] ?? []) {
      const key = request.PutRequest?.Item ?? request.DeleteRequest?.Key;
      if (key) pks.add(key.pk);
    }
  }
  return [...pks].sort();
}

const writes = (input: Input) => (input.RequestItems?.[TABLE] ?? []) as WriteRequest[];
const isLock = (input: Input) => String(input.UpdateExpression).startsWith('SET #lock = :token');
const isUnbindCommit = (input: Input) =>
  String(input.UpdateExpression).startsWith('SET #version = :next REMOVE');

/** Log lines written while a test runs, parsed (warn and error go to stderr, the rest to stdout). */
let lines: LogLine[] = [];
/** Called with each line as it is written. */
let onLine: ((line: LogLine) => void) | undefined;
beforeEach(() => {
  onLine = undefined;
  faults.reset();
  lines = captureLogs('debug', ['log', 'error'], (line) => onLine?.(line));
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  faults.reset();
});
const logged = (message: string) => lines.filter((line) => line.message === message);

const profile = { username: 'U', passwordHash: 'h', country: 'ID', name: 'U', createdAt: 'x' };

/** A user in two groups, with a connection opened now. */
async function setup() {
  const user = userKeyOf(t.fresh('ls'));
  const connectionId = t.fresh('lc');
  const gs = [groupKeyOf(t.fresh('lg')), groupKeyOf(t.fresh('lg'))];
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

async function bind(connection: { user: UserKey; connectionId: string; expiresAt: number }, gs: GroupKey[]) {
  const now = Date.now();
  const previous = await c.readConnection(connection.connectionId, now, true);
  const boundary = await login.bindConnection(connection, 'U', gs, previous, now);
  if (boundary === undefined) throw new Error('bindConnection lost a race nobody ran');
  return boundary;
}

describe('a connection item reads back', () => {
  it('a lock only while it is held: a lock token and a time still ahead, and its user only as a string', async () => {
    const now = Date.now();
    const expiresAt = Math.floor(now / 1000) + 3600;
    const id = t.fresh('raw');
    await put({ ...keys.connection(id), expiresAt, lock: 'L', lockUntil: now + 1000, lockUser: 'bob' });
    expect(await c.readConnection(id, now)).toMatchObject({
      lock: 'L',
      lockUser: 'bob',
      lockUntil: now + 1000,
    });
    expect(await c.readConnection(id, now + 999)).toMatchObject({ lock: 'L', lockUser: 'bob' });
    for (const at of [now + 1000, now + 1001])
      expect(await c.readConnection(id, at)).toMatchObject({
        lock: undefined,
        lockUser: undefined,
        lockUntil: 0,
      });

    const noToken = t.fresh('raw');
    await put({ ...keys.connection(noToken), expiresAt, lockUntil: now + 1000, lockUser: 'bob' });
    expect(await c.readConnection(noToken, now)).toMatchObject({
      lock: undefined,
      lockUser: undefined,
      lockUntil: 0,
    });

    const oddUser = t.fresh('raw');
    await put({ ...keys.connection(oddUser), expiresAt, lock: 'L', lockUntil: now + 1000, lockUser: 7 });
    expect(await c.readConnection(oddUser, now)).toMatchObject({ lock: 'L', lockUser: undefined });
  });

  it('a boundary only as a string, and a lease only as a string whose time is still ahead', async () => {
    const now = Date.now();
    const expiresAt = Math.floor(now / 1000) + 3600;
    const id = t.fresh('raw');
    await put({
      ...keys.connection(id),
      expiresAt,
      user: 'ann',
      boundary: 5,
      lease: 9,
      leaseUntil: now + 1000,
    });
    expect(await c.readConnection(id, now)).toMatchObject({
      user: 'ann',
      boundary: undefined,
      lease: undefined,
      leaseUntil: now + 1000,
    });
    const good = t.fresh('raw');
    await put({
      ...keys.connection(good),
      expiresAt,
      user: 'ann',
      boundary: 'B',
      lease: 'r',
      leaseUntil: now + 1000,
    });
    expect(await c.readConnection(good, now)).toMatchObject({ boundary: 'B', lease: 'r' });
    expect(await c.readConnection(good, now + 1000)).toMatchObject({ boundary: 'B', lease: undefined });
  });

  it('its state eventually consistent unless asked, and a user’s devices strongly, pending ones marked', async () => {
    const { connectionId, connection, gs, user, now } = await setup();
    await bind(connection, gs);
    const other = t.fresh('lc');
    await put({ ...keys.userConnection(user, other), expiresAt: connection.expiresAt, pending: true });
    faults.reset();
    await c.readConnection(connectionId, now);
    await c.readConnection(connectionId, now, true);
    expect(faults.callsOf('dynamodb', 'GetItem').map((input) => input.ConsistentRead)).toEqual([false, true]);
    faults.reset();
    const devices = await c.readUserConnections(user, now);
    expect(devices).toContainEqual(connection);
    expect(devices).toContainEqual({ ...connection, connectionId: other, pending: true });
    expect(devices).toHaveLength(2);
    expect(devices.find((d) => d.connectionId === connectionId)).not.toHaveProperty('pending');
    const [query] = faults.callsOf('dynamodb', 'Query');
    expect(query.ConsistentRead).toBe(true);
    expect(query.ExpressionAttributeValues).toEqual({ ':pk': `USER#${user}`, ':prefix': '#CONN#' });
  });
});

describe('a change of login', () => {
  it('locks for its own user (AUTH) or none (LOGOUT), until LOCK_MS from now', async () => {
    const { connectionId, connection, gs, user } = await setup();
    const now = Date.now();
    const previous = await c.readConnection(connectionId, now, true);
    faults.reset();
    expect(typeof (await login.bindConnection(connection, 'U', gs, previous, now))).toBe('string');
    const [auth] = faults.callsOf('dynamodb', 'UpdateItem').filter(isLock);
    expect(auth.UpdateExpression).toBe(
      'SET #lock = :token, lockUntil = :until, expiresAt = if_not_exists(expiresAt, :expiresAt), lockUser = :lockUser',
    );
    expect(auth.ExpressionAttributeValues).toStrictEqual({
      ':token': expect.any(String),
      ':until': now + c.LOCK_MS,
      ':expiresAt': connection.expiresAt,
      ':now': now,
      ':lockUser': user,
    });
    expect(c.LOCK_MS).toBe(30_000);

    const seen = await c.readConnection(connectionId, now, true);
    faults.reset();
    expect(await login.unbindConnection(connectionId, user, seen, now)).toBe(true);
    const [logout] = faults.callsOf('dynamodb', 'UpdateItem').filter(isLock);
    expect(logout.UpdateExpression).toBe(
      'SET #lock = :token, lockUntil = :until, expiresAt = if_not_exists(expiresAt, :expiresAt) REMOVE lockUser',
    );
    expect(logout.ExpressionAttributeValues).toStrictEqual({
      ':token': expect.any(String),
      ':until': now + c.LOCK_MS,
      ':expiresAt': connection.expiresAt,
      ':now': now,
      ':version': 1,
    });
    expect(Object.keys(logout.ExpressionAttributeValues)).not.toContain(':lockUser');
  });

  it('is held against another change while under way', async () => {
    const { connectionId, connection, gs, user } = await setup();
    const now = Date.now();
    const previous = await c.readConnection(connectionId, now, true);
    let during: Awaited<ReturnType<typeof c.readConnection>> | undefined;
    let rival: string | undefined = 'not tried';
    const boundary = await login.bindConnection(connection, 'U', gs, previous, now, async () => {
      during = await c.readConnection(connectionId, now + c.LOCK_MS - 1, true);
      rival = await login.bindConnection(
        { ...connection, user: userKeyOf('rival') },
        'R',
        [],
        previous,
        now + c.LOCK_MS - 1,
      );
    });
    expect(typeof boundary).toBe('string');
    expect(during).toMatchObject({ lock: expect.any(String), lockUser: user, lockUntil: now + c.LOCK_MS });
    expect(rival).toBeUndefined();
    expect(await c.readConnection(connectionId, now, true)).toMatchObject({ user, lock: undefined });
  });

  it('of an anonymous connection touches only that connection, its user and their groups', async () => {
    const { connectionId, connection, gs, user } = await setup();
    faults.reset();
    await bind(connection, gs);
    expect(touched()).toEqual(
      [`CONN#${connectionId}`, `GROUP#${gs[0]}`, `GROUP#${gs[1]}`, `USER#${user}`].sort(),
    );
  });

  it('LOGOUT finds the groups by the user’s memberships and touches only those', async () => {
    const { connectionId, connection, gs, user, now } = await setup();
    await bind(connection, gs);
    const seen = await c.readConnection(connectionId, now, true);
    faults.reset();
    expect(await login.unbindConnection(connectionId, user, seen, now)).toBe(true);
    const memberships = faults
      .callsOf('dynamodb', 'Query')
      .filter((input) => input.ExpressionAttributeValues[':prefix'] === 'GROUP#');
    expect(memberships).toHaveLength(1);
    const pks = touched().filter((pk) => pk.startsWith('GROUP#') || pk.startsWith('USER#'));
    expect(pks).toEqual([`GROUP#${gs[0]}`, `GROUP#${gs[1]}`, `USER#${user}`].sort());
  });

  it('LOGOUT whose tidy-up fails twice is made, and leaves pending copies and the lock until it ends', async () => {
    const { connectionId, connection, gs, user, now } = await setup();
    await bind(connection, gs);
    const seen = await c.readConnection(connectionId, now, true);
    faults.reset();
    const drop = faults.inject(
      dbRule('BatchWriteItem', 'error', (input: Input) => writes(input).some((w) => w.DeleteRequest)),
    );
    // Two tries fail; a third would not.
    onLine = () => {
      if (logged('a change of login was made, but not tidied up').length === 2) drop.disarm();
    };
    expect(await login.unbindConnection(connectionId, user, seen, now)).toBe(true);
    drop.disarm();
    expect(drop.hits).toBeGreaterThanOrEqual(2);
    const failed = logged('a change of login was made, but not tidied up');
    expect(failed.map((line) => [line.level, line.connectionId, line.attempt, line.error])).toEqual([
      ['error', connectionId, 1, { name: 'InternalServerError', message: 'injected error (dynamodb)' }],
      ['error', connectionId, 2, { name: 'InternalServerError', message: 'injected error (dynamodb)' }],
    ]);
    expect(await c.readConnection(connectionId, now, true)).toMatchObject({
      user: undefined,
      version: 2,
      lock: expect.any(String),
      lockUser: undefined,
      lockUntil: now + c.LOCK_MS,
    });
    expect(await c.readUserConnections(user, now)).toEqual([{ ...connection, pending: true }]);
    for (const g of gs) {
      expect(await get(keys.groupConnection(g, user, connectionId))).toMatchObject({ pending: true });
      expect((await groups.groupConnectionsPage(g, undefined, 10, now)).connections).toEqual([
        { ...connection, pending: true },
      ]);
    }
    // The lock ends by itself: a later AUTH takes the connection, and its copies are real again.
    const later = now + c.LOCK_MS + 1;
    const state = await c.readConnection(connectionId, later, true);
    expect(state.lock).toBeUndefined();
    expect(typeof (await login.bindConnection(connection, 'U', gs, state, later))).toBe('string');
    expect(await c.readUserConnections(user, later)).toEqual([connection]);
  });

  it('AUTH whose tidy-up fails twice leaves its new copies pending', async () => {
    const { connectionId, connection, gs, user, now } = await setup();
    const previous = await c.readConnection(connectionId, now, true);
    const real = faults.inject(
      dbRule('BatchWriteItem', 'error', (input: Input) =>
        writes(input).some((w) => w.PutRequest && w.PutRequest.Item.pending === undefined),
      ),
    );
    onLine = () => {
      if (logged('a change of login was made, but not tidied up').length === 2) real.disarm();
    };
    expect(typeof (await login.bindConnection(connection, 'U', gs, previous, now))).toBe('string');
    expect(logged('a change of login was made, but not tidied up').map((line) => line.attempt)).toEqual([
      1, 2,
    ]);
    expect(await c.readConnection(connectionId, now, true)).toMatchObject({
      user,
      version: 1,
      lockUser: user,
    });
    expect(await c.readUserConnections(user, now)).toEqual([{ ...connection, pending: true }]);
    for (const g of gs)
      expect(await get(keys.groupConnection(g, user, connectionId))).toMatchObject({ pending: true });
  });

  it('LOGOUT whose commit fails is undone: the copies real again, no lock, nothing logged', async () => {
    const { connectionId, connection, gs, user, now } = await setup();
    await bind(connection, gs);
    const seen = await c.readConnection(connectionId, now, true);
    const commit = faults.inject(dbRule('UpdateItem', 'error', isUnbindCommit));
    await expect(login.unbindConnection(connectionId, user, seen, now)).rejects.toThrow(
      'injected error (dynamodb)',
    );
    commit.disarm();
    expect(await c.readConnection(connectionId, now, true)).toMatchObject({
      user,
      version: 1,
      lock: undefined,
    });
    expect(await c.readUserConnections(user, now)).toEqual([connection]);
    for (const g of gs)
      expect(await get(keys.groupConnection(g, user, connectionId))).not.toHaveProperty('pending');
    expect(lines.filter((line) => line.level === 'warn' || line.level === 'error')).toEqual([]);
  });

  it('whose undo fails too is rethrown with the commit’s error, and says it could not undo', async () => {
    const { connectionId, connection, gs, user, now } = await setup();
    await bind(connection, gs);
    const seen = await c.readConnection(connectionId, now, true);
    faults.inject(dbRule('UpdateItem', 'error', isUnbindCommit));
    faults.inject(
      dbRule('BatchWriteItem', 'throttle', (input: Input) =>
        writes(input).some((w) => w.PutRequest && w.PutRequest.Item.pending === undefined),
      ),
    );
    await expect(login.unbindConnection(connectionId, user, seen, now)).rejects.toThrow(
      'injected error (dynamodb)',
    );
    faults.reset();
    expect(
      logged('could not undo a failed change of login').map((line) => [
        line.level,
        line.connectionId,
        line.error,
      ]),
    ).toEqual([
      [
        'warn',
        connectionId,
        { name: 'ProvisionedThroughputExceededException', message: 'injected throttle (dynamodb)' },
      ],
    ]);
    // Left as the failed undo found it: copies pending, the lock held until it ends.
    expect(await c.readUserConnections(user, now)).toEqual([{ ...connection, pending: true }]);
    expect((await c.readConnection(connectionId, now, true)).lock).toEqual(expect.any(String));
  });

  it('AUTH meeting a disconnect before its commit fails, undoes itself and finds no lock to release', async () => {
    const { connectionId, connection, gs, user, now } = await setup();
    const previous = await c.readConnection(connectionId, now, true);
    const made = login.bindConnection(connection, 'U', gs, previous, now, () =>
      login.forgetConnection(connectionId, undefined, now),
    );
    await expect(made).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(await get(keys.connection(connectionId))).toBeUndefined();
    expect(await c.readUserConnections(user, now)).toEqual([]);
    for (const g of gs) expect(await get(keys.groupConnection(g, user, connectionId))).toBeUndefined();
    expect(lines.filter((line) => line.level === 'warn' || line.level === 'error')).toEqual([]);
  });

  it('AUTH that read the connection before its disconnect binds nothing, and writes no item back', async () => {
    const { connectionId, connection, gs, user, now } = await setup();
    const previous = await c.readConnection(connectionId, now, true);
    await login.forgetConnection(connectionId, undefined, now);
    expect(await login.bindConnection(connection, 'U', gs, previous, now)).toBeUndefined();
    expect(await get(keys.connection(connectionId))).toBeUndefined();
    expect(await c.readUserConnections(user, now)).toEqual([]);
    for (const g of gs) expect(await get(keys.groupConnection(g, user, connectionId))).toBeUndefined();
  });

  it('group connections published into, and withdrawn from, one more group without extra items', async () => {
    const { connection, now, user } = await setup();
    const g = groupKeyOf(t.fresh('lg'));
    await c.publishGroupConnections(g, [connection]);
    expect((await groups.groupConnectionsPage(g, undefined, 10, now)).connections).toEqual([connection]);
    await c.withdrawGroupConnections(g, user, [connection.connectionId]);
    expect((await groups.groupConnectionsPage(g, undefined, 10, now)).connections).toEqual([]);
  });
});

describe('logging a user’s other devices out', () => {
  /** The delays the unbinding waits between tries, each cut to nothing; more than 8 stops it. */
  let waits: unknown[] = [];
  beforeEach(() => {
    waits = [];
    vi.spyOn(unbindPauses, 'sleep').mockImplementation(async (ms) => {
      waits.push(ms);
      if (waits.length > 8) throw new Error('tried too often');
    });
  });

  async function account() {
    const alice = await t.user('alice');
    const phone = await t.device();
    expect((await phone.ask(`AUTH ${alice.name} password1`)).status).toBe('OK');
    return { alice, phone, key: userKeyOf(alice.name) };
  }
  const lockOf = (id: string) => (input: Input) => isLock(input) && input.Key?.pk === `CONN#${id}`;

  it('counts the devices logged out, read strongly, and skips one bound to someone else by now', async () => {
    const { alice, phone, key } = await account();
    const laptop = await t.device();
    expect((await laptop.ask(`AUTH ${alice.name} password1`)).status).toBe('OK');
    const bob = await t.user('bob');
    const anonymous = await t.device();
    const now = Date.now();
    const expiresAt = Math.floor(now / 1000) + 3600;
    // Stale copies under alice: of a device now logged in as bob, and of one logged in as nobody.
    await put({ ...keys.userConnection(key, bob.id), expiresAt });
    await put({ ...keys.userConnection(key, anonymous.id), expiresAt });
    faults.reset();
    expect(await logOutOtherDevices(t.api.endpoint, key, alice.id, 'password_changed', now)).toBe(2);
    const reads = faults.callsOf('dynamodb', 'GetItem').filter((input) => input.Key.sk === 'CONN');
    expect(reads.map((input) => input.Key.pk).sort()).toEqual(
      [phone.id, laptop.id, bob.id, anonymous.id].map((id) => `CONN#${id}`).sort(),
    );
    for (const input of reads) expect(input.ConsistentRead).toBe(true);
    for (const d of [phone, laptop]) {
      expect(d.pushes('LOGGED_OUT')).toHaveLength(1);
      expect((await c.readConnection(d.id, now, true)).user).toBeUndefined();
    }
    for (const d of [alice, bob, anonymous]) expect(d.pushes('LOGGED_OUT')).toEqual([]);
    expect((await c.readConnection(bob.id, now, true)).user).toBe(bob.name.toLowerCase());
    expect((await c.readConnection(alice.id, now, true)).user).toBe(key);
    expect(waits).toEqual([]);
  });

  it('waits out a change under way on a device, then logs it out', async () => {
    const { alice, phone, key } = await account();
    const now = Date.now();
    await db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.connection(phone.id),
        UpdateExpression: 'SET #lock = :busy, lockUntil = :until',
        ExpressionAttributeNames: { '#lock': 'lock' },
        ExpressionAttributeValues: { ':busy': 'busy', ':until': now + c.LOCK_MS },
      }),
    );
    // The other change ends just after the first try found it.
    let release = true;
    intercept(dynamo, t.fresh('release'), (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (release && lockOf(phone.id)(args.input)) {
          release = false;
          await db.send(
            new UpdateCommand({
              TableName: TABLE,
              Key: keys.connection(phone.id),
              UpdateExpression: 'REMOVE #lock, lockUntil',
              ExpressionAttributeNames: { '#lock': 'lock' },
            }),
          );
        }
        throw error;
      }
    });
    faults.reset();
    expect(await logOutOtherDevices(t.api.endpoint, key, alice.id, 'account_deleted', now)).toBe(1);
    expect(release).toBe(false);
    expect(faults.callsOf('dynamodb', 'UpdateItem').filter(lockOf(phone.id))).toHaveLength(2);
    expect(waits).toEqual([200]);
    expect(phone.pushes('LOGGED_OUT')).toEqual([
      { event: 'LOGGED_OUT', id: expect.any(String), reason: 'account_deleted' },
    ]);
    expect((await c.readConnection(phone.id, now, true)).user).toBeUndefined();
  });

  it('counts a device that disconnects during its unbinding as logged out, and leaves none of its copies', async () => {
    const { alice, phone, key } = await account();
    const now = Date.now();
    // $disconnect lands between the unbinding's lock and its commit: the item goes, and the commit fails.
    let gone = false;
    intercept(dynamo, t.fresh('gone'), (next) => async (args) => {
      if (
        !gone &&
        isUnbindCommit(args.input as Input) &&
        (args.input as Input).Key?.pk === `CONN#${phone.id}`
      ) {
        gone = true;
        await login.forgetConnection(phone.id);
      }
      return next(args);
    });
    faults.reset();
    expect(await logOutOtherDevices(t.api.endpoint, key, alice.id, 'password_changed', now)).toBe(0);
    expect(gone).toBe(true);
    expect(waits).toEqual([]);
    expect(phone.pushes('LOGGED_OUT')).toEqual([]);
    expect(await get(keys.connection(phone.id))).toBeUndefined();
    expect((await c.readUserConnections(key, now)).map((d) => d.connectionId)).toEqual([alice.id]);
  });

  it('still fails on an unbinding that fails while the device stays bound', async () => {
    const { alice, phone, key } = await account();
    const now = Date.now();
    faults.inject(
      dbRule(
        'UpdateItem',
        'error',
        (input: Input) => isUnbindCommit(input) && input.Key?.pk === `CONN#${phone.id}`,
      ),
    );
    await expect(logOutOtherDevices(t.api.endpoint, key, alice.id, 'account_deleted', now)).rejects.toThrow(
      'injected error (dynamodb)',
    );
    faults.reset();
    expect(phone.pushes('LOGGED_OUT')).toEqual([]);
    expect((await c.readConnection(phone.id, now, true)).user).toBe(key);
    expect((await c.readUserConnections(key, now)).map((d) => d.connectionId).sort()).toEqual(
      [alice.id, phone.id].sort(),
    );
  });

  it('gives up on a device that stays busy after five tries, each waiting longer', async () => {
    const { alice, phone, key } = await account();
    const now = Date.now();
    await db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.connection(phone.id),
        UpdateExpression: 'SET #lock = :busy, lockUntil = :until',
        ExpressionAttributeNames: { '#lock': 'lock' },
        ExpressionAttributeValues: { ':busy': 'busy', ':until': now + c.LOCK_MS },
      }),
    );
    faults.reset();
    await expect(logOutOtherDevices(t.api.endpoint, key, alice.id, 'password_changed', now)).rejects.toThrow(
      'a device stayed busy with another login change',
    );
    expect(faults.callsOf('dynamodb', 'UpdateItem').filter(lockOf(phone.id))).toHaveLength(5);
    expect(waits).toEqual([200, 400, 600, 800]);
    expect(phone.pushes('LOGGED_OUT')).toEqual([]);
    expect((await c.readConnection(phone.id, now, true)).user).toBe(key);
  });
});
