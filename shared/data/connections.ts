/**
 * Connections: a WebSocket connection item, its binding to a user after AUTH, and the copies of that binding
 * (under the user and under each of the user's groups) that let a send find every online device without reading
 * anyone who is offline. $disconnect is best-effort on AWS, so every copy carries `expiresAt` and readers drop
 * expired ones.
 *
 * A binding carries its `boundary`: the id up to which the login's catch-up delivers what waited (everything
 * later reaches the connection live), and `caughtUp` once that catch-up is done. A departure of a caught-up
 * connection moves the user's group cursor forward and leaves a departure mark in each group; see
 * docs/DATA_MODEL.md, "Why nothing is missed".
 *
 * Every change of the binding (AUTH, LOGOUT) is one conditional write on the `version` it read, made while the
 * change holds the connection's `lock`; copies that may not (or no longer) belong to the binding are `pending`:
 * pushed to, but never counted as reaching their user. See docs/DATA_MODEL.md, "The login state machine".
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { departed } from '../delivery/presence.js';
import { idCeil } from '../ids.js';
import { log } from '../log.js';
import { db, TABLE } from './client.js';
import { keys, prefixes } from './keys.js';
import {
  batchWrite,
  conditionally,
  epochSeconds,
  type Item,
  isConditionFailure,
  type Key,
  queryAll,
} from './table.js';
import { advanceGroupCursor } from './users.js';

/** API Gateway closes every connection after two hours; a little slack covers clock skew. */
export const CONNECTION_LIFETIME_MS = (2 * 60 + 5) * 60 * 1000;

/** How far clocks of two Lambda containers may disagree (Amazon Time Sync keeps them far closer). */
export const CLOCK_SKEW_MS = 1000;

/** Departure marks outlive every fan-out job that could still need them (queue retention + DLQ redrive). */
export const DEPARTURE_TTL_MS = 15 * 24 * 3600 * 1000;

export interface Connection {
  /** The user's key (lower case). */
  user: string;
  connectionId: string;
  /** Epoch seconds after which the connection is certainly gone. */
  expiresAt: number;
  /**
   * A copy written or kept while the binding changes: the connection may not be bound to `user`. Pushed to, but a
   * push to it never counts as reaching the user (the message also waits for them).
   */
  pending?: boolean;
}

/** A connection copy as read from the table (`#CONN#` under the user, or `PRESENCE#` in a group). */
export function connectionOf(user: string, connectionId: string, item: Record<string, unknown>): Connection {
  const connection: Connection = { user, connectionId, expiresAt: Number(item.expiresAt) };
  if (item.pending === true) connection.pending = true;
  return connection;
}

export interface ConnectionState {
  /** The bound user's key, when logged in. */
  user: string | undefined;
  /** The bound user's name as they spell it. */
  username: string | undefined;
  expiresAt: number;
  /** The id bound of this login's catch-up (see above). */
  boundary: string | undefined;
  /** Whether this login's catch-up has delivered everything up to `boundary`. */
  caughtUp: boolean;
  /** The catch-up run that holds this connection now, if any (see takeCatchUpLease), and until when (ms). */
  lease: string | undefined;
  leaseUntil: number;
  /** The account's credential the login was made with (credentialOf in data/users.ts); undefined before it existed. */
  credential: string | undefined;
  /** The login's AUTH has made its last check and is answering (markAnswered): its catch-up may push now. */
  answered: boolean;
  /** Bumped by every change of the binding; a change is a conditional write on the version it read. */
  version: number;
  /** The change of binding under way, if any (see lockConnection), for whom (AUTH's user), and until when (ms). */
  lock: string | undefined;
  lockUser: string | undefined;
  lockUntil: number;
}

export function liveConnections<T extends { expiresAt: number }>(items: T[], now: number): T[] {
  const cutoff = epochSeconds(now);
  return items.filter((item) => Number.isFinite(item.expiresAt) && item.expiresAt > cutoff);
}

export async function openConnection(
  connectionId: string,
  connectedAt: number,
  sourceIp: string | undefined,
) {
  await db.send(
    new PutCommand({
      TableName: TABLE,
      Item: {
        ...keys.connection(connectionId),
        connectedAt: new Date(connectedAt).toISOString(),
        sourceIp,
        expiresAt: epochSeconds(connectedAt + CONNECTION_LIFETIME_MS),
      },
    }),
  );
}

function stateOf(item: Record<string, unknown> | undefined, now: number): ConnectionState {
  const fallback: ConnectionState = {
    user: undefined,
    username: undefined,
    expiresAt: epochSeconds(now + CONNECTION_LIFETIME_MS),
    boundary: undefined,
    caughtUp: false,
    lease: undefined,
    leaseUntil: 0,
    credential: undefined,
    answered: false,
    version: 0,
    lock: undefined,
    lockUser: undefined,
    lockUntil: 0,
  };
  if (!item) return fallback;
  const expiresAt = Number(item.expiresAt);
  if (!(expiresAt > epochSeconds(now))) return fallback;
  const held = typeof item.lock === 'string' && Number(item.lockUntil) > now;
  const common = {
    ...fallback,
    expiresAt,
    version: Number(item.version ?? 0),
    lock: held ? String(item.lock) : undefined,
    lockUser: held && typeof item.lockUser === 'string' ? item.lockUser : undefined,
    lockUntil: held ? Number(item.lockUntil) : 0,
  };
  if (typeof item.user !== 'string') return common;
  return {
    ...common,
    user: item.user,
    username: String(item.username ?? item.user),
    expiresAt,
    boundary: typeof item.boundary === 'string' ? item.boundary : undefined,
    caughtUp: item.caughtUp === true,
    lease: typeof item.lease === 'string' && Number(item.leaseUntil) > now ? item.lease : undefined,
    leaseUntil: Number(item.leaseUntil ?? 0),
    credential: typeof item.credential === 'string' ? item.credential : undefined,
    answered: item.answered === true,
  };
}

/** Who this connection is logged in as, if anyone. An expired item is treated as absent. */
export async function readConnection(
  connectionId: string,
  now: number,
  consistent = false,
): Promise<ConnectionState> {
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.connection(connectionId), ConsistentRead: consistent }),
  );
  return stateOf(Item, now);
}

/** A user's live devices, read strongly: used to look once more before a message is left waiting. */
export async function readUserConnections(userKey: string, now: number): Promise<Connection[]> {
  const items = await queryAll(keys.user(userKey).pk, {
    beginsWith: prefixes.userConnection,
    consistent: true,
  });
  return liveConnections(
    items.map((item) => connectionOf(userKey, item.sk.slice(prefixes.userConnection.length), item)),
    now,
  );
}

/** The copy of a live connection kept in a group, so one range of the group lists who is online. */
function groupPresenceItem(group: string, { user, connectionId, expiresAt, pending }: Connection): Item {
  return {
    ...keys.groupConnection(group, user, connectionId),
    user,
    connectionId,
    expiresAt,
    ...(pending ? { pending } : {}),
  };
}

/** The connection's copies under the user and each of the groups, pending or not. */
function copyItems(connection: Connection, groups: readonly string[]): Item[] {
  const { user, connectionId, expiresAt, pending } = connection;
  return [
    { ...keys.userConnection(user, connectionId), expiresAt, ...(pending ? { pending } : {}) },
    ...groups.map((group) => groupPresenceItem(group, connection)),
  ];
}

function presenceKeys(user: string, connectionId: string, groups: readonly string[]): Key[] {
  return [
    keys.userConnection(user, connectionId),
    ...groups.map((group) => keys.groupConnection(group, user, connectionId)),
  ];
}

/** How long a change of binding may hold the connection: well past the longest AUTH (the function's timeout). */
export const LOCK_MS = 30_000;

/**
 * Takes the connection for one change of its binding, if its binding is still at `version` (as the caller read it,
 * strongly) and no other change holds it. `lockUser` is the user whose copies the change may write (AUTH), so a
 * $disconnect meanwhile can remove them too. False when the binding changed or another change is under way.
 */
async function lockConnection(
  connectionId: string,
  seen: ConnectionState,
  token: string,
  lockUser: string | undefined,
  now: number,
): Promise<boolean> {
  return conditionally(
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.connection(connectionId),
        UpdateExpression: `SET #lock = :token, lockUntil = :until, expiresAt = if_not_exists(expiresAt, :expiresAt)${lockUser === undefined ? ' REMOVE lockUser' : ', lockUser = :lockUser'}`,
        ConditionExpression: `${seen.version === 0 ? 'attribute_not_exists(#version)' : '#version = :version'} AND (attribute_not_exists(#lock) OR lockUntil < :now)`,
        ExpressionAttributeNames: { '#lock': 'lock', '#version': 'version' },
        ExpressionAttributeValues: {
          ':token': token,
          ':until': now + LOCK_MS,
          ':expiresAt': seen.expiresAt,
          ':now': now,
          ...(seen.version === 0 ? {} : { ':version': seen.version }),
          ...(lockUser === undefined ? {} : { ':lockUser': lockUser }),
        },
      }),
    ),
  );
}

/**
 * The change's one decisive write: the new binding (or none) and the next version, only while this change still
 * holds the connection (a $disconnect meanwhile deleted the item: the condition fails). The lock stays held.
 */
async function commitBinding(
  connectionId: string,
  token: string,
  version: number,
  login: { user: string; username: string; boundary: string; credential?: string } | undefined,
) {
  const clear = 'lease, leaseUntil, credential, answered';
  const credential = login?.credential;
  await db.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: keys.connection(connectionId),
      UpdateExpression: login
        ? credential === undefined
          ? `SET #user = :user, username = :username, boundary = :boundary, caughtUp = :no, #version = :next REMOVE ${clear}`
          : `SET #user = :user, username = :username, boundary = :boundary, caughtUp = :no, #version = :next, credential = :credential REMOVE lease, leaseUntil, answered`
        : `SET #version = :next REMOVE #user, username, boundary, caughtUp, ${clear}`,
      ConditionExpression: '#lock = :token',
      ExpressionAttributeNames: { '#lock': 'lock', '#version': 'version', '#user': 'user' },
      ExpressionAttributeValues: {
        ':token': token,
        ':next': version + 1,
        ...(login
          ? { ':user': login.user, ':username': login.username, ':boundary': login.boundary, ':no': false }
          : {}),
        ...(credential === undefined ? {} : { ':credential': credential }),
      },
    }),
  );
}

/**
 * Marks this login answered: its AUTH (or RESUME) has passed its last check and is returning its answer, so the
 * catch-up, which waits for this mark, pushes only after the answer (docs/PROTOCOL.md, *Offline delivery*). Only for
 * this very login: a later one (another boundary) is left alone, and so is an unbound connection.
 */
export async function markAnswered(
  connectionId: string,
  login: { user: string; boundary: string },
): Promise<void> {
  await db
    .send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.connection(connectionId),
        UpdateExpression: 'SET answered = :yes',
        ConditionExpression: '#user = :user AND boundary = :boundary',
        ExpressionAttributeNames: { '#user': 'user' },
        ExpressionAttributeValues: { ':yes': true, ':user': login.user, ':boundary': login.boundary },
      }),
    )
    .catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
}

async function releaseLock(connectionId: string, token: string) {
  await db
    .send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.connection(connectionId),
        UpdateExpression: 'REMOVE #lock, lockUntil, lockUser',
        ConditionExpression: '#lock = :token',
        ExpressionAttributeNames: { '#lock': 'lock' },
        ExpressionAttributeValues: { ':token': token },
      }),
    )
    .catch((error: unknown) => {
      // Gone (disconnected) or expired and taken by another change: nothing of ours to release.
      if (!isConditionFailure(error)) throw error;
    });
}

/** The group keys of a user's memberships: where their connections' copies are. */
async function groupsOf(user: string): Promise<string[]> {
  const items = await queryAll(keys.user(user).pk, { beginsWith: prefixes.group });
  return items.map((item) => item.sk.slice(prefixes.group.length));
}

/** The binding a change found, with where its copies are. */
interface Previous {
  state: ConnectionState;
  user: string;
  groups: readonly string[];
}

async function previousOf(state: ConnectionState, known?: readonly string[]): Promise<Previous | undefined> {
  if (state.user === undefined) return undefined;
  return { state, user: state.user, groups: known ?? (await groupsOf(state.user)) };
}

function copiesOf(connectionId: string, previous: Previous, pending: boolean): Item[] {
  const { user, state } = previous;
  return copyItems({ user, connectionId, expiresAt: state.expiresAt, pending }, previous.groups);
}

/**
 * Runs one change of a connection's binding (docs/DATA_MODEL.md, "The login state machine"): lock on the version
 * read; `before` writes what must exist before the decision (the previous login's copies turn pending, the new
 * login's are written pending); `commit`; then `after` (the previous login departs, the new copies become real) and
 * the lock goes. Anything failing up to the commit is undone (copies back as they were) and rethrown: the connection
 * is as it was. After the commit, the change is made: `after` is tried twice, and what a failure there leaves is
 * pending copies (pushed to, never counted as delivered) until the connection's expiry, and a lock that ends by
 * itself after LOCK_MS.
 */
async function changeBinding(
  connectionId: string,
  seen: ConnectionState,
  lockUser: string | undefined,
  now: number,
  steps: {
    before: (token: string) => Promise<void>;
    undo: () => Promise<unknown>;
    commit: (token: string) => Promise<void>;
    after: () => Promise<unknown>;
  },
): Promise<boolean> {
  const token = randomUUID();
  if (!(await lockConnection(connectionId, seen, token, lockUser, now))) return false;
  try {
    await steps.before(token);
    await steps.commit(token);
  } catch (error) {
    await Promise.resolve()
      .then(steps.undo)
      .then(() => releaseLock(connectionId, token))
      .catch((e: unknown) => log.warn('could not undo a failed change of login', { connectionId, error: e }));
    throw error;
  }
  // Every step after the commit is idempotent: tried twice (on top of the SDK's own retries).
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      await steps.after();
      await releaseLock(connectionId, token);
      break;
    } catch (error) {
      log.error('a change of login was made, but not tidied up', { connectionId, attempt, error });
    }
  }
  return true;
}

/**
 * Binds the connection to `connection.user` in place of whatever `previous` (read strongly) found. The new copies
 * are written pending before the boundary is taken (from then on every send finds them), `prepare(boundary)` runs
 * (AUTH enqueues the catch-up: a run that comes before the commit waits for it), then the binding is committed on
 * `previous.version`. Returns the boundary (everything with a later id reaches this connection live), or undefined
 * when the binding changed since `previous` was read, or another change holds it: then nothing was changed.
 */
export async function bindConnection(
  connection: Connection,
  username: string,
  groups: readonly string[],
  previous: ConnectionState,
  now: number,
  prepare: (boundary: string) => Promise<void> = async () => undefined,
  credential?: string,
  settle: () => Promise<Settled> = async () => ({ valid: true, left: [] }),
): Promise<string | undefined> {
  const { user, connectionId } = connection;
  const same = previous.user === user;
  const fresh = { ...connection, pending: true };
  let before: Previous | undefined;
  let boundary = '';
  let token = '';
  const made = await changeBinding(connectionId, previous, user, now, {
    before: async (held) => {
      token = held;
      before = await previousOf(previous, same ? groups : undefined);
      await batchWrite([
        ...copyItems(fresh, groups),
        ...(before && !same ? copiesOf(connectionId, before, true) : []),
      ]);
      boundary = idCeil(Date.now() + CLOCK_SKEW_MS);
      await prepare(boundary);
    },
    undo: () =>
      Promise.all([
        same ? undefined : batchWrite([], presenceKeys(user, connectionId, groups)),
        before ? batchWrite(copiesOf(connectionId, before, false)) : undefined,
      ]),
    commit: (token) =>
      commitBinding(connectionId, token, previous.version, { user, username, boundary, credential }),
    after: async () => {
      // Still under the lock (a catch-up of this login waits for it, and so does a PASSWORD logging devices out).
      const { valid, left } = await settle();
      if (!valid) {
        // Taken back: the connection ends unbound, and both logins depart (this one never caught up).
        await commitBinding(connectionId, token, previous.version + 1, undefined);
        await Promise.all([
          before && !same
            ? depart(connectionId, before.user, previous, now, { groups: before.groups })
            : undefined,
          depart(connectionId, user, same ? previous : { ...previous, user, caughtUp: false }, now, {
            groups,
          }),
        ]);
        return;
      }
      const kept = groups.filter((group) => !left.includes(group));
      await Promise.all([
        before
          ? depart(connectionId, before.user, previous, now, { groups: before.groups, keep: same })
          : undefined,
        batchWrite(
          copyItems({ ...connection, pending: false }, kept),
          left.map((group) => keys.groupConnection(group, user, connectionId)),
        ),
      ]);
    },
  });
  return made ? boundary : undefined;
}

/**
 * What a login learns right after its commit, still holding the connection (AUTH, issue 22): whether the
 * credentials it was checked against are still the account's (else it is taken back at once), and which of its
 * groups the user has left since their groups were read (their copies go instead of turning live).
 */
export interface Settled {
  valid: boolean;
  left: readonly string[];
}

/** Runs an update that holds only while the connection is bound to this very login; false when it is not. */
async function updateLogin(
  connectionId: string,
  login: { user: string; boundary: string },
  update: { expression: string; condition?: string; values?: Record<string, unknown> },
): Promise<boolean> {
  return conditionally(
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.connection(connectionId),
        UpdateExpression: update.expression,
        ConditionExpression: `#user = :user AND boundary = :boundary${update.condition ? ` AND (${update.condition})` : ''}`,
        ExpressionAttributeNames: { '#user': 'user' },
        ExpressionAttributeValues: { ':user': login.user, ':boundary': login.boundary, ...update.values },
      }),
    ),
  );
}

/**
 * One catch-up run at a time per login: SQS may hand the same job out twice (at-least-once delivery), and a run
 * holds the connection until `until` (its own deadline). Returns false while another run holds it.
 */
export function takeCatchUpLease(
  connectionId: string,
  login: { user: string; boundary: string },
  run: string,
  now: number,
  until: number,
): Promise<boolean> {
  return updateLogin(connectionId, login, {
    expression: 'SET lease = :run, leaseUntil = :until',
    condition: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now OR lease = :run',
    values: { ':run': run, ':until': until, ':now': now },
  });
}

/** Lets the next run of this login's catch-up (its continuation) take the connection at once. */
export function releaseCatchUpLease(
  connectionId: string,
  login: { user: string; boundary: string },
  run: string,
) {
  return updateLogin(connectionId, login, {
    expression: 'REMOVE lease, leaseUntil',
    condition: 'lease = :run',
    values: { ':run': run },
  });
}

/** Moves this very login to the account's new credential (PASSWORD, on the connection that changed it). */
export function refreshCredential(
  connectionId: string,
  login: { user: string; boundary: string },
  credential: string,
): Promise<boolean> {
  return updateLogin(connectionId, login, {
    expression: 'SET credential = :credential',
    values: { ':credential': credential },
  });
}

/** Records that this login's catch-up is complete, if the connection is still bound to the same login. */
export function markCaughtUp(connectionId: string, user: string, boundary: string): Promise<boolean> {
  return updateLogin(
    connectionId,
    { user, boundary },
    { expression: 'SET caughtUp = :yes REMOVE lease, leaseUntil', values: { ':yes': true } },
  );
}

/** Publishes a user's live connections into one more group (GROUP_CREATE, GROUP_JOIN). */
export async function publishPresence(group: string, connections: readonly Connection[], extra: Item[] = []) {
  await batchWrite([...extra, ...connections.map((connection) => groupPresenceItem(group, connection))]);
}

export async function withdrawPresence(
  group: string,
  user: string,
  connectionIds: readonly string[],
  extra: Key[] = [],
) {
  await batchWrite(
    [],
    [...extra, ...connectionIds.map((connectionId) => keys.groupConnection(group, user, connectionId))],
  );
}

/**
 * A connection stops speaking for `user` (LOGOUT, AUTH as someone else or as the same user again, $disconnect, a
 * 410). Its copies go from the user and every group (unless `keep`: the same user's new login owns them now). If its
 * login had caught up, everything up to now reached it (live, or waiting in the inbox), so the user's group cursor
 * moves to now — after a departure mark is left in each group, so a fan-out that runs late still hands the user what
 * was sent before this moment (see docs/DATA_MODEL.md).
 */
async function depart(
  connectionId: string,
  user: string,
  state: ConnectionState,
  now: number,
  { groups, keep = false }: { groups?: readonly string[]; keep?: boolean } = {},
) {
  const known = groups ?? (await groupsOf(user));
  const drop = () => (keep ? undefined : batchWrite([], presenceKeys(user, connectionId, known)));
  if (state.caughtUp && state.user === user) {
    const cursor = idCeil(now);
    const expiresAt = epochSeconds(now + DEPARTURE_TTL_MS);
    await batchWrite(
      known.map((group) => ({ ...keys.groupDeparture(group, cursor, user), user, expiresAt })),
    );
    await Promise.all([drop(), advanceGroupCursor(user, cursor)]);
  } else {
    await drop();
  }
  // Watchers (WATCH) are told once the user's last connection is gone; the same user's new login is no departure.
  if (!keep) await departed(connectionId, user, now);
}

/**
 * LOGOUT: the connection stays open but no longer speaks for the login `seen` (read strongly). Its copies turn
 * pending, the binding goes (a conditional write on `seen.version`), then the login departs. False when the binding
 * changed since `seen` was read, or another change holds it: then nothing was changed.
 */
export async function unbindConnection(
  connectionId: string,
  user: string,
  seen: ConnectionState,
  now: number,
): Promise<boolean> {
  if (seen.user !== user) return false;
  let before: Previous | undefined;
  return changeBinding(connectionId, seen, undefined, now, {
    before: async () => {
      before = await previousOf(seen);
      if (before) await batchWrite(copiesOf(connectionId, before, true));
    },
    undo: async () => (before ? batchWrite(copiesOf(connectionId, before, false)) : undefined),
    commit: (token) => commitBinding(connectionId, token, seen.version, undefined),
    after: async () =>
      before ? depart(connectionId, user, seen, now, { groups: before.groups }) : undefined,
  });
}

/**
 * Forgets a connection that is gone ($disconnect, or a 410 from @connections): exactly that connection id, under
 * the connection, the user it is bound to, the user a push found it for, and the user an AUTH under way may have
 * written pending copies for. It takes no lock: a change still under way finds the item gone and undoes itself, and
 * whatever copy of this id it leaves is answered 410 and forgotten again.
 */
export async function forgetConnection(
  connectionId: string,
  knownUser?: string,
  now: number = Date.now(),
): Promise<void> {
  const state = await readConnection(connectionId, now, true);
  // An expired or vanished item still leaves copies to remove, under the user a push found it for.
  const user = state.user ?? knownUser;
  const others = [...new Set([knownUser, state.lockUser])].filter(
    (other): other is string => other !== undefined && other !== user,
  );
  await Promise.all([
    db.send(new DeleteCommand({ TableName: TABLE, Key: keys.connection(connectionId) })),
    user === undefined ? undefined : depart(connectionId, user, state, now),
    ...others.map((other) => depart(connectionId, other, state, now)),
  ]);
}
