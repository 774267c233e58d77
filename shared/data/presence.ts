/**
 * Presence: whether a user is online (has a bound connection), when they were last seen, who may see it, and who
 * watches it. Online-ness itself is always read from the user's live connection copies (`#CONN#`); the profile's
 * `onlineUntil` is only the flag that turns "first connection bound" and "last connection gone" into exactly one
 * event each (conditional writes on one item; see docs/DATA_MODEL.md, "Presence").
 */
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, TABLE } from './client.js';
import { type Connection, liveConnections } from './connections.js';
import { directPk, keys, prefixEnd, prefixes } from './keys.js';
import { batchGet, batchWrite, epochSeconds, isConditionFailure, queryAll, queryRange } from './table.js';
import { conversationStart } from './users.js';

/**
 * Records that the user has a bound connection until `expiresAt` (epoch seconds). True when this call turned the
 * user from offline to online (exactly one of several concurrent first logins sees true); otherwise the flag is only
 * extended to the later connection's lifetime.
 */
export async function markOnline(userKey: string, expiresAt: number, now: number): Promise<boolean> {
  try {
    await db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.user(userKey),
        UpdateExpression: 'SET onlineUntil = :until',
        ConditionExpression:
          'attribute_exists(pk) AND (attribute_not_exists(onlineUntil) OR onlineUntil < :now)',
        ExpressionAttributeValues: { ':until': expiresAt, ':now': epochSeconds(now) },
      }),
    );
    return true;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
  await db
    .send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.user(userKey),
        UpdateExpression: 'SET onlineUntil = :until',
        ConditionExpression: 'onlineUntil < :until',
        ExpressionAttributeValues: { ':until': expiresAt },
      }),
    )
    .catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
  return false;
}

/**
 * The user's last connection went: one UpdateItem writes `lastSeen` and clears the online flag. Returns the
 * username when this call turned the user offline (of concurrent last departures exactly one does), else undefined.
 */
export async function markOffline(userKey: string, now: number): Promise<string | undefined> {
  try {
    const { Attributes } = await db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.user(userKey),
        UpdateExpression: 'SET lastSeen = :at REMOVE onlineUntil',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':at': new Date(now).toISOString() },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return Attributes?.onlineUntil === undefined ? undefined : String(Attributes.username);
  } catch (error) {
    // The account is gone (deleted): nobody to show as offline.
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/** The groups a user belongs to (keys): one Query of at most the per-user cap of small items. */
async function groupKeysOf(userKey: string): Promise<string[]> {
  const items = await queryAll(keys.user(userKey).pk, { beginsWith: prefixes.group });
  return items.map((item) => item.sk.slice(prefixes.group.length));
}

/**
 * Whether the two users have a private conversation: a message since both accounts exist (conversationStart, so a
 * reused name does not inherit its earlier owner's conversations). The newest message (one Query, Limit 1) beside one BatchGetItem of the two profiles.
 */
async function haveConversation(a: string, b: string): Promise<boolean> {
  const [{ Items }, start] = await Promise.all([
    db.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': directPk(a, b),
          ':from': prefixes.message,
          ':to': prefixEnd(prefixes.message),
        },
        ScanIndexForward: false,
        Limit: 1,
        ProjectionExpression: 'sk',
      }),
    ),
    conversationStart(a, b),
  ]);
  const newest = Items?.[0]?.sk;
  return typeof newest === 'string' && newest >= `${prefixes.message}${start}`;
}

/**
 * Who may see whose presence: a user may see themselves, and anyone they share a group or a conversation with.
 * `viewerGroups` (the viewer's group keys, read once per request) and `targetGroups` (when already read) spare
 * their Queries; the conversation is read only when no group is shared.
 */
export async function mayObserve(
  viewer: string,
  target: string,
  viewerGroups: ReadonlySet<string>,
  targetGroups?: readonly string[],
): Promise<boolean> {
  if (viewer === target) return true;
  const theirs = targetGroups ?? (await groupKeysOf(target));
  if (theirs.some((group) => viewerGroups.has(group))) return true;
  return haveConversation(viewer, target);
}

export async function viewerGroupsOf(userKey: string): Promise<Set<string>> {
  return new Set(await groupKeysOf(userKey));
}

/** The users this connection watches (at most the per-connection bound: one Query). */
export async function listWatches(connectionId: string): Promise<string[]> {
  const items = await queryAll(keys.connection(connectionId).pk, {
    beginsWith: prefixes.watching,
    consistent: true,
  });
  return items.map((item) => item.sk.slice(prefixes.watching.length));
}

/** Writes both sides of each watch; they expire with the connection. */
export async function addWatches(
  connectionId: string,
  watcher: string,
  expiresAt: number,
  watched: readonly string[],
): Promise<void> {
  await batchWrite(
    watched.flatMap((user) => [
      { ...keys.watcher(user, connectionId), watcher, connectionId, expiresAt },
      { ...keys.watching(connectionId, user), expiresAt },
    ]),
  );
}

export async function removeWatches(connectionId: string, watched: readonly string[]): Promise<void> {
  await batchWrite(
    [],
    watched.flatMap((user) => [keys.watcher(user, connectionId), keys.watching(connectionId, user)]),
  );
}

/** Forgets every watch of a connection that stops speaking for its user (exactly that connection's). */
export async function dropWatches(connectionId: string): Promise<void> {
  const watched = await listWatches(connectionId);
  if (watched.length > 0) await removeWatches(connectionId, watched);
}

export interface WatcherPage {
  /** The watching connections (`user` is the watcher). */
  connections: Connection[];
  /** The sort key to continue after, when more watchers follow. */
  next: string | undefined;
}

/** One page of the connections watching `watched` (strongly consistent), after the sort key `after`. */
export async function watchersPage(
  watched: string,
  after: string | undefined,
  limit: number,
  now: number,
): Promise<WatcherPage> {
  const page = await queryRange(
    keys.watcher(watched, '').pk,
    { after: after ?? prefixes.watcher, upTo: prefixEnd(prefixes.watcher) },
    { limit, consistent: true },
  );
  const connections = page.items.map((item) => ({
    user: String(item.watcher),
    connectionId: String(item.connectionId),
    expiresAt: Number(item.expiresAt),
  }));
  return { connections: liveConnections(connections, now), next: page.next };
}

export interface OnlinePage {
  /** Usernames as spelled, in key order, each once. */
  names: string[];
  /** The key of the last user read, when the group's presence range holds more. */
  next: string | undefined;
}

/**
 * One page of a group's online members: up to `limit` of the group's presence items (its live connections, read
 * after the user key `after`), as distinct users, with their names from their member items (one BatchGetItem per
 * 100). Offline members are never read.
 */
export async function onlineMembersPage(
  groupKey: string,
  after: string | undefined,
  limit: number,
  now: number,
): Promise<OnlinePage> {
  const page = await queryRange(
    keys.group(groupKey).pk,
    {
      after: after === undefined ? prefixes.presence : `${prefixes.presence}${after}#\uffff`,
      upTo: prefixEnd(prefixes.presence),
    },
    { limit },
  );
  const live = liveConnections(
    page.items.map((item) => ({ user: String(item.user), expiresAt: Number(item.expiresAt) })),
    now,
  );
  const users = [...new Set(live.map((c) => c.user))];
  const members = await batchGet(users.map((user) => keys.groupMember(groupKey, user)));
  const names = new Map(
    members.map((item) => [item.sk.slice(prefixes.member.length), String(item.username)]),
  );
  const last = page.next === undefined ? undefined : String(page.items.at(-1)?.user);
  return { names: users.flatMap((user) => names.get(user) ?? []), next: last };
}
