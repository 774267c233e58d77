/**
 * Connections: a WebSocket connection item, its binding to a user after AUTH, and the copies of that binding
 * (under the user and under each of the user's groups) that let a send find every device in one Query.
 * $disconnect is best-effort on AWS, so every copy carries `expiresAt` and readers drop expired ones.
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, TABLE } from './client.js';
import { keys, prefixes } from './keys.js';
import { batchWrite, epochSeconds, type Item, isConditionFailure, type Key, queryAll } from './table.js';

/** API Gateway closes every connection after two hours; a little slack covers clock skew. */
export const CONNECTION_LIFETIME_MS = (2 * 60 + 5) * 60 * 1000;

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

/** Who this connection is logged in as, if anyone. An expired item is treated as absent. */
export async function readConnection(connectionId: string, now: number): Promise<ConnectionState> {
  const { Item } = await db.send(new GetCommand({ TableName: TABLE, Key: keys.connection(connectionId) }));
  const fallback = {
    user: undefined,
    username: undefined,
    expiresAt: epochSeconds(now + CONNECTION_LIFETIME_MS),
  };
  if (!Item) return fallback;
  const expiresAt = Number(Item.expiresAt);
  if (!(expiresAt > epochSeconds(now))) return fallback;
  if (typeof Item.user !== 'string') return { ...fallback, expiresAt };
  return { user: Item.user, username: String(Item.username ?? Item.user), expiresAt };
}

/** The copy of a live connection kept in a group, so one Query of the group finds every member's devices. */
function groupPresenceItem(group: string, { user, connectionId, expiresAt }: Connection): Item {
  return { ...keys.groupConnection(group, user, connectionId), user, connectionId, expiresAt };
}

function presenceItems(connection: Connection, groups: readonly string[]): Item[] {
  const { user, connectionId, expiresAt } = connection;
  return [
    { ...keys.userConnection(user, connectionId), expiresAt },
    ...groups.map((group) => groupPresenceItem(group, connection)),
  ];
}

function presenceKeys(user: string, connectionId: string, groups: readonly string[]): Key[] {
  return [
    keys.userConnection(user, connectionId),
    ...groups.map((group) => keys.groupConnection(group, user, connectionId)),
  ];
}

/** Binds the connection to `connection.user` and publishes it under the user and the user's groups. */
export async function bindConnection(connection: Connection, username: string, groups: readonly string[]) {
  await Promise.all([
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.connection(connection.connectionId),
        UpdateExpression: 'SET #user = :user, username = :username, expiresAt = :expiresAt',
        ExpressionAttributeNames: { '#user': 'user' },
        ExpressionAttributeValues: {
          ':user': connection.user,
          ':username': username,
          ':expiresAt': connection.expiresAt,
        },
      }),
    ),
    batchWrite(presenceItems(connection, groups)),
  ]);
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

/** Removes the copies of one connection under its user and each of the user's groups. */
async function withdrawCopies(user: string, connectionId: string): Promise<void> {
  const items = await queryAll(keys.user(user).pk, { beginsWith: prefixes.group });
  const groups = items.map((item) => item.sk.slice(prefixes.group.length));
  await batchWrite([], presenceKeys(user, connectionId, groups));
}

/** LOGOUT, or AUTH as someone else: the connection stays open but no longer speaks for `user`. */
export async function unbindConnection(connectionId: string, user: string): Promise<void> {
  await Promise.all([
    db
      .send(
        new UpdateCommand({
          TableName: TABLE,
          Key: keys.connection(connectionId),
          UpdateExpression: 'REMOVE #user, username',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#user': 'user' },
        }),
      )
      .catch((error: unknown) => {
        // The connection item is already gone (disconnected meanwhile): nothing left to unbind there.
        if (!isConditionFailure(error)) throw error;
      }),
    withdrawCopies(user, connectionId),
  ]);
}

/**
 * Forgets a connection that is gone ($disconnect, or a 410 from @connections): exactly that connection id,
 * under the connection, the user and the user's groups.
 */
export async function forgetConnection(connectionId: string, knownUser?: string): Promise<void> {
  let user = knownUser;
  if (user === undefined) {
    const { Item } = await db.send(new GetCommand({ TableName: TABLE, Key: keys.connection(connectionId) }));
    user = typeof Item?.user === 'string' ? Item.user : undefined;
  }
  await Promise.all([
    db.send(new DeleteCommand({ TableName: TABLE, Key: keys.connection(connectionId) })),
    user === undefined ? undefined : withdrawCopies(user, connectionId),
  ]);
}
