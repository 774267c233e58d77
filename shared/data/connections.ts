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
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { departed } from '../delivery/presence.js';
import { idCeil } from '../ids.js';
import { db, TABLE } from './client.js';
import { keys, prefixes } from './keys.js';
import { batchWrite, epochSeconds, type Item, isConditionFailure, type Key, queryAll } from './table.js';
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
  };
  if (!item) return fallback;
  const expiresAt = Number(item.expiresAt);
  if (!(expiresAt > epochSeconds(now))) return fallback;
  if (typeof item.user !== 'string') return { ...fallback, expiresAt };
  return {
    user: item.user,
    username: String(item.username ?? item.user),
    expiresAt,
    boundary: typeof item.boundary === 'string' ? item.boundary : undefined,
    caughtUp: item.caughtUp === true,
    lease: typeof item.lease === 'string' && Number(item.leaseUntil) > now ? item.lease : undefined,
    leaseUntil: Number(item.leaseUntil ?? 0),
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
    items.map((item) => ({
      user: userKey,
      connectionId: item.sk.slice(prefixes.userConnection.length),
      expiresAt: Number(item.expiresAt),
    })),
    now,
  );
}

/** The copy of a live connection kept in a group, so one range of the group lists who is online. */
function groupPresenceItem(group: string, { user, connectionId, expiresAt }: Connection): Item {
  return { ...keys.groupConnection(group, user, connectionId), user, connectionId, expiresAt };
}

function presenceKeys(user: string, connectionId: string, groups: readonly string[]): Key[] {
  return [
    keys.userConnection(user, connectionId),
    ...groups.map((group) => keys.groupConnection(group, user, connectionId)),
  ];
}

/**
 * Binds the connection to `connection.user`: first its copies under the user and the user's groups (from then on
 * every send finds it), then the binding itself, whose boundary is taken after the copies are written. Returns the
 * boundary: everything with a later id reaches this connection live.
 */
export async function bindConnection(
  connection: Connection,
  username: string,
  groups: readonly string[],
): Promise<string> {
  const { user, connectionId, expiresAt } = connection;
  await batchWrite([
    { ...keys.userConnection(user, connectionId), expiresAt },
    ...groups.map((group) => groupPresenceItem(group, connection)),
  ]);
  const boundary = idCeil(Date.now() + CLOCK_SKEW_MS);
  await db.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: keys.connection(connectionId),
      UpdateExpression:
        'SET #user = :user, username = :username, expiresAt = :expiresAt, boundary = :boundary, caughtUp = :no REMOVE lease, leaseUntil',
      ExpressionAttributeNames: { '#user': 'user' },
      ExpressionAttributeValues: {
        ':user': user,
        ':username': username,
        ':expiresAt': expiresAt,
        ':boundary': boundary,
        ':no': false,
      },
    }),
  );
  return boundary;
}

/** Runs an update that holds only while the connection is bound to this very login; false when it is not. */
async function updateLogin(
  connectionId: string,
  login: { user: string; boundary: string },
  update: { expression: string; condition?: string; values?: Record<string, unknown> },
): Promise<boolean> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.connection(connectionId),
        UpdateExpression: update.expression,
        ConditionExpression: `#user = :user AND boundary = :boundary${update.condition ? ` AND (${update.condition})` : ''}`,
        ExpressionAttributeNames: { '#user': 'user' },
        ExpressionAttributeValues: { ':user': login.user, ':boundary': login.boundary, ...update.values },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
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
 * A connection stops speaking for `user` (LOGOUT, AUTH as someone else, $disconnect, a 410). Its copies go from the
 * user and every group. If its login had caught up, everything up to now reached it (live, or waiting in the inbox),
 * so the user's group cursor moves to now — after a departure mark is left in each group, so a fan-out that runs
 * late still hands the user what was sent before this moment (see docs/DATA_MODEL.md).
 */
async function depart(connectionId: string, user: string, state: ConnectionState, now: number) {
  const items = await queryAll(keys.user(user).pk, { beginsWith: prefixes.group });
  const groups = items.map((item) => item.sk.slice(prefixes.group.length));
  if (!state.caughtUp || state.user !== user) {
    await batchWrite([], presenceKeys(user, connectionId, groups));
    return;
  }
  const cursor = idCeil(now);
  const expiresAt = epochSeconds(now + DEPARTURE_TTL_MS);
  await batchWrite(groups.map((group) => ({ ...keys.groupDeparture(group, cursor, user), user, expiresAt })));
  await Promise.all([
    batchWrite([], presenceKeys(user, connectionId, groups)),
    advanceGroupCursor(user, cursor),
  ]);
}

/** LOGOUT, or AUTH as someone else: the connection stays open but no longer speaks for `user`. */
export async function unbindConnection(
  connectionId: string,
  user: string,
  state: ConnectionState,
  now: number,
): Promise<void> {
  await Promise.all([
    db
      .send(
        new UpdateCommand({
          TableName: TABLE,
          Key: keys.connection(connectionId),
          UpdateExpression: 'REMOVE #user, username, boundary, caughtUp, lease, leaseUntil',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#user': 'user' },
        }),
      )
      .catch((error: unknown) => {
        // The connection item is already gone (disconnected meanwhile): nothing left to unbind there.
        if (!isConditionFailure(error)) throw error;
      }),
    depart(connectionId, user, state, now).then(() => departed(connectionId, user, now)),
  ]);
}

/**
 * Forgets a connection that is gone ($disconnect, or a 410 from @connections): exactly that connection id,
 * under the connection, the user and the user's groups.
 */
export async function forgetConnection(
  connectionId: string,
  knownUser?: string,
  now: number = Date.now(),
): Promise<void> {
  const state = await readConnection(connectionId, now, true);
  // An expired or vanished item still leaves copies to remove, under the user a push found it for.
  const user = state.user ?? knownUser;
  await Promise.all([
    db.send(new DeleteCommand({ TableName: TABLE, Key: keys.connection(connectionId) })),
    user === undefined
      ? undefined
      : depart(connectionId, user, state, now).then(() => departed(connectionId, user, now)),
  ]);
}
