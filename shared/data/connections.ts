/**
 * Connections, as stored: a WebSocket connection item (its binding to a user after AUTH, with its `version`, `lock`,
 * catch-up `boundary`, `caughtUp` and lease) and the copies of that binding (under the user and under each of the
 * user's groups) that let a send find every online device without reading anyone who is offline. $disconnect is
 * best-effort on AWS, so every copy carries `expiresAt` and readers drop expired ones.
 *
 * Only the items, their keys and the conditional writes on them live here; the rules that use them (the login state
 * machine: binding, logging out, the departure) are shared/login/. A copy that may not (or no longer) belong to the
 * binding is `pending`: pushed to, but never counted as reaching its user. See docs/DATA_MODEL.md, "The login state
 * machine" and "Why nothing is missed".
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { GroupKey, UserKey } from '../protocol/names.js';
import { db, TABLE } from './client.js';
import { keys, prefixes, storedUserKey } from './keys.js';
import { batchWrite, conditionally, epochSeconds, type Item, type Key, queryAll } from './table.js';

/** API Gateway closes every connection after two hours; a little slack covers clock skew. */
export const CONNECTION_LIFETIME_MS = (2 * 60 + 5) * 60 * 1000;

export interface Connection {
  /** The user's key (lower case). */
  user: UserKey;
  connectionId: string;
  /** Epoch seconds after which the connection is certainly gone. */
  expiresAt: number;
  /**
   * A copy written or kept while the binding changes: the connection may not be bound to `user`. Pushed to, but a
   * push to it never counts as reaching the user (the message also waits for them).
   */
  pending?: boolean;
}

/** A connection copy as read from the table: `#CONN#` under the user, or a group connection (`PRESENCE#`). */
export function connectionOf(user: UserKey, connectionId: string, item: Record<string, unknown>): Connection {
  const connection: Connection = { user, connectionId, expiresAt: Number(item.expiresAt) };
  if (item.pending === true) connection.pending = true;
  return connection;
}

export interface ConnectionState {
  /** The bound user's key, when logged in. */
  user: UserKey | undefined;
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
  lockUser: UserKey | undefined;
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
    lockUser: held && typeof item.lockUser === 'string' ? storedUserKey(item.lockUser) : undefined,
    lockUntil: held ? Number(item.lockUntil) : 0,
  };
  if (typeof item.user !== 'string') return common;
  return {
    ...common,
    user: storedUserKey(item.user),
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

/** Deletes the connection item itself (the copies are the departure's: shared/login/depart.ts). */
export async function deleteConnection(connectionId: string): Promise<void> {
  await db.send(new DeleteCommand({ TableName: TABLE, Key: keys.connection(connectionId) }));
}

/** A user's live devices, read strongly: used to look once more before a message is left waiting. */
export async function readUserConnections(userKey: UserKey, now: number): Promise<Connection[]> {
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
function groupConnectionItem(group: GroupKey, { user, connectionId, expiresAt, pending }: Connection): Item {
  return {
    ...keys.groupConnection(group, user, connectionId),
    user,
    connectionId,
    expiresAt,
    ...(pending ? { pending } : {}),
  };
}

/** The connection's copies under the user and each of the groups, pending or not. */
export function copyItems(connection: Connection, groups: readonly GroupKey[]): Item[] {
  const { user, connectionId, expiresAt, pending } = connection;
  return [
    { ...keys.userConnection(user, connectionId), expiresAt, ...(pending ? { pending } : {}) },
    ...groups.map((group) => groupConnectionItem(group, connection)),
  ];
}

/** The keys of the connection's copies under the user and each of the groups. */
export function copyKeys(user: UserKey, connectionId: string, groups: readonly GroupKey[]): Key[] {
  return [
    keys.userConnection(user, connectionId),
    ...groups.map((group) => keys.groupConnection(group, user, connectionId)),
  ];
}

/**
 * Writes copies of bindings (copyItems) and removes others, in BatchWriteItems of 25 side by side: how a change of
 * login (shared/login/) puts a device's copies in place, turns them pending or live, and takes them away.
 */
export async function writeCopies(items: readonly Item[], removed: readonly Key[] = []): Promise<void> {
  await batchWrite(items, removed);
}

/** How long a change of binding may hold the connection: well past the longest AUTH (the function's timeout). */
export const LOCK_MS = 30_000;

/**
 * Takes the connection for one change of its binding, if its binding is still at `version` (as the caller read it,
 * strongly) and no other change holds it. `lockUser` is the user whose copies the change may write (AUTH), so a
 * $disconnect meanwhile can remove them too. False when the binding changed, another change is under way, or the
 * connection is gone ($disconnect deleted its item).
 */
export async function lockConnection(
  connectionId: string,
  seen: ConnectionState,
  token: string,
  lockUser: UserKey | undefined,
  now: number,
): Promise<boolean> {
  return conditionally(
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.connection(connectionId),
        UpdateExpression: `SET #lock = :token, lockUntil = :until, expiresAt = if_not_exists(expiresAt, :expiresAt)${lockUser === undefined ? ' REMOVE lockUser' : ', lockUser = :lockUser'}`,
        // A first binding needs the item $connect wrote: $disconnect deletes it and takes no lock, so an AUTH that
        // read the connection before it went must not write the item again (a dead connection, bound until a push
        // to it answers 410, its user shown online meanwhile).
        ConditionExpression: `${seen.version === 0 ? 'attribute_exists(pk) AND attribute_not_exists(#version)' : '#version = :version'} AND (attribute_not_exists(#lock) OR lockUntil < :now)`,
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
export async function commitBinding(
  connectionId: string,
  token: string,
  version: number,
  login: { user: UserKey; username: string; boundary: string; credential?: string } | undefined,
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
  login: { user: UserKey; boundary: string },
): Promise<void> {
  await conditionally(
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.connection(connectionId),
        UpdateExpression: 'SET answered = :yes',
        ConditionExpression: '#user = :user AND boundary = :boundary',
        ExpressionAttributeNames: { '#user': 'user' },
        ExpressionAttributeValues: { ':yes': true, ':user': login.user, ':boundary': login.boundary },
      }),
    ),
  );
}

/** Ends this change's hold on the connection (its lock), if it still holds it. */
export async function releaseLock(connectionId: string, token: string) {
  // Gone (disconnected) or expired and taken by another change: nothing of ours to release.
  await conditionally(
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.connection(connectionId),
        UpdateExpression: 'REMOVE #lock, lockUntil, lockUser',
        ConditionExpression: '#lock = :token',
        ExpressionAttributeNames: { '#lock': 'lock' },
        ExpressionAttributeValues: { ':token': token },
      }),
    ),
  );
}

/** Runs an update that holds only while the connection is bound to this very login; false when it is not. */
async function updateLogin(
  connectionId: string,
  login: { user: UserKey; boundary: string },
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
  login: { user: UserKey; boundary: string },
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
  login: { user: UserKey; boundary: string },
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
  login: { user: UserKey; boundary: string },
  credential: string,
): Promise<boolean> {
  return updateLogin(connectionId, login, {
    expression: 'SET credential = :credential',
    values: { ':credential': credential },
  });
}

/** Records that this login's catch-up is complete, if the connection is still bound to the same login. */
export function markCaughtUp(connectionId: string, user: UserKey, boundary: string): Promise<boolean> {
  return updateLogin(
    connectionId,
    { user, boundary },
    { expression: 'SET caughtUp = :yes REMOVE lease, leaseUntil', values: { ':yes': true } },
  );
}

/** Publishes a user's live connections into one more group's connections (GROUP_CREATE, GROUP_JOIN). */
export async function publishGroupConnections(
  group: GroupKey,
  connections: readonly Connection[],
  extra: Item[] = [],
) {
  await batchWrite([...extra, ...connections.map((connection) => groupConnectionItem(group, connection))]);
}

/** Takes the given connections of a user out of the group's connections (with `extra` keys, in the same batch). */
export async function withdrawGroupConnections(
  group: GroupKey,
  user: UserKey,
  connectionIds: readonly string[],
  extra: Key[] = [],
) {
  await batchWrite(
    [],
    [...extra, ...connectionIds.map((connectionId) => keys.groupConnection(group, user, connectionId))],
  );
}
