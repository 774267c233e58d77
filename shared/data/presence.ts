/**
 * Presence, as stored: whether a user is online (has a bound connection), when they were last seen, who watches it,
 * a group's online members (WHO) and the newest messages of a conversation (who may see whose presence is
 * shared/delivery/observers.ts's rule). Online-ness itself is always read from the user's live connection copies
 * (`#CONN#`); the profile's `onlineUntil` is only the flag that turns "first connection bound" and "last connection
 * gone" into exactly one event each (conditional writes on one item; see docs/DATA_MODEL.md, "Presence").
 */
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '../concurrency.js';
import type { GroupKey, UserKey } from '../protocol/names.js';
import { db, TABLE } from './client.js';
import { type Connection, liveConnections } from './connections.js';
import { moveCounter } from './counters.js';
import { directPk, keys, prefixEnd, prefixes, storedUserKey } from './keys.js';
import {
  batchGet,
  batchWrite,
  conditionally,
  epochSeconds,
  putFirst,
  queryAll,
  queryRange,
  unlessConditionFails,
} from './table.js';

/**
 * Records that the user has a bound connection until `expiresAt` (epoch seconds). True when this call turned the
 * user from offline to online (exactly one of several concurrent first logins sees true); otherwise the flag is only
 * extended to the later connection's lifetime.
 */
export async function markOnline(userKey: UserKey, expiresAt: number, now: number): Promise<boolean> {
  const turnedOnline = await conditionally(
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.user(userKey),
        UpdateExpression: 'SET onlineUntil = :until',
        ConditionExpression:
          'attribute_exists(pk) AND (attribute_not_exists(onlineUntil) OR onlineUntil < :now)',
        ExpressionAttributeValues: { ':until': expiresAt, ':now': epochSeconds(now) },
      }),
    ),
  );
  if (turnedOnline) return true;
  await conditionally(
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.user(userKey),
        UpdateExpression: 'SET onlineUntil = :until',
        ConditionExpression: 'onlineUntil < :until',
        ExpressionAttributeValues: { ':until': expiresAt },
      }),
    ),
  );
  return false;
}

/**
 * The user's last connection went: one UpdateItem writes `lastSeen` and clears the online flag. Returns the
 * username when this call turned the user offline (of concurrent last departures exactly one does), else undefined.
 */
export async function markOffline(userKey: UserKey, now: number): Promise<string | undefined> {
  // A failed condition: the account is gone (deleted), nobody to show as offline.
  const left = await unlessConditionFails(
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.user(userKey),
        UpdateExpression: 'SET lastSeen = :at REMOVE onlineUntil',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':at': new Date(now).toISOString() },
        ReturnValues: 'ALL_OLD',
      }),
    ),
  );
  const old = left?.Attributes;
  return old?.onlineUntil === undefined ? undefined : String(old.username);
}

/**
 * The newest `limit` messages of the private conversation of `a` and `b`, newest first: their sort keys, senders and
 * deleted marks only. One Query.
 */
export async function newestMessages(
  a: UserKey,
  b: UserKey,
  limit: number,
): Promise<Record<string, unknown>[]> {
  const { Items } = await db.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#from': 'from' },
      ExpressionAttributeValues: {
        ':pk': directPk(a, b),
        ':from': prefixes.message,
        ':to': prefixEnd(prefixes.message),
      },
      ScanIndexForward: false,
      Limit: limit,
      ProjectionExpression: 'sk, #from, deleted',
    }),
  );
  return Items ?? [];
}

/** The users this connection watches (at most the per-connection bound: one Query). */
export async function listWatches(connectionId: string): Promise<UserKey[]> {
  const items = await queryAll(keys.connection(connectionId).pk, {
    beginsWith: prefixes.watching,
    consistent: true,
  });
  return items.map((item) => storedUserKey(item.sk.slice(prefixes.watching.length)));
}

/** Connections that may watch one user at once (WATCH answers `too_many_watchers` beyond). */
export const MAX_WATCHERS = 100;

/**
 * Writes both sides of each watch (they expire with the connection), each under the watched user's counter: a slot
 * is taken first by a conditional increment below MAX_WATCHERS, then the watcher item is written if absent (an
 * existing one gives its slot back). A counter at the bound first sweeps that user's expired watcher items (each
 * deleted conditionally, its slot given back by whoever deleted it) and tries once more. Returns the names that found
 * no slot; the others are watched. The counter is never below the watches that exist, so the bound holds under any
 * interleaving (docs/DATA_MODEL.md, "Presence").
 */
export async function addWatches(
  connectionId: string,
  watcher: UserKey,
  expiresAt: number,
  watched: readonly UserKey[],
  now: number,
): Promise<UserKey[]> {
  const full = await mapLimit(watched, 16, async (user) => {
    // The connection's side first: whatever fails after it, the departure finds this watch and removes it.
    await db.send(
      new PutCommand({ TableName: TABLE, Item: { ...keys.watching(connectionId, user), expiresAt } }),
    );
    if (
      !(await takeWatcherSlot(user)) &&
      !((await sweepWatchers(user, now)) && (await takeWatcherSlot(user)))
    )
      return true;
    let written: boolean;
    try {
      // putFirst: a put the SDK retried after it succeeded is still recognized as this WATCH's own.
      ({ created: written } = await putFirst({
        ...keys.watcher(user, connectionId),
        watcher,
        connectionId,
        expiresAt,
      }));
    } catch (error) {
      await releaseWatcherSlot(user).catch(() => undefined);
      throw error;
    }
    if (!written) await releaseWatcherSlot(user);
    return false;
  });
  return watched.filter((_, i) => full[i]);
}

function takeWatcherSlot(user: UserKey): Promise<boolean> {
  return moveCounter(keys.watcherCount(user), 'watchers', 1, MAX_WATCHERS);
}

async function releaseWatcherSlot(user: UserKey): Promise<void> {
  await moveCounter(keys.watcherCount(user), 'watchers', -1, MAX_WATCHERS);
}

/** Deletes a watcher item (when `condition` holds) and gives its slot back, exactly once: only the deleting call does. */
async function deleteWatcher(user: UserKey, connectionId: string, condition?: { expiredBefore: number }) {
  const deleted = await conditionally(
    db.send(
      new DeleteCommand({
        TableName: TABLE,
        Key: keys.watcher(user, connectionId),
        ConditionExpression: condition ? 'expiresAt < :now' : 'attribute_exists(pk)',
        ...(condition ? { ExpressionAttributeValues: { ':now': condition.expiredBefore } } : {}),
      }),
    ),
  );
  if (deleted) await releaseWatcherSlot(user);
  return deleted;
}

/** Removes the user's watcher items whose connection expired (TTL may lag): true when any slot was freed. */
async function sweepWatchers(user: UserKey, now: number): Promise<boolean> {
  const items = await queryAll(keys.watcher(user, '').pk, { beginsWith: prefixes.watcher, consistent: true });
  const cutoff = epochSeconds(now);
  const expired = items.filter((item) => Number(item.expiresAt) < cutoff);
  const freed = await mapLimit(expired, 16, (item) =>
    deleteWatcher(user, String(item.connectionId), { expiredBefore: cutoff }),
  );
  return freed.includes(true);
}

export async function removeWatches(connectionId: string, watched: readonly UserKey[]): Promise<void> {
  await Promise.all([
    mapLimit(watched, 32, (user) => deleteWatcher(user, connectionId)),
    batchWrite(
      [],
      watched.map((user) => keys.watching(connectionId, user)),
    ),
  ]);
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
  watched: UserKey,
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
    user: storedUserKey(String(item.watcher)),
    connectionId: String(item.connectionId),
    expiresAt: Number(item.expiresAt),
  }));
  return { connections: liveConnections(connections, now), next: page.next };
}

export interface OnlinePage {
  /** Usernames as spelled, in key order, each once. */
  names: string[];
  /** The key of the last user read, when the group's connections hold more. */
  next: UserKey | undefined;
}

/**
 * One page of a group's online members: up to `limit` of the group's connections (its live connection copies, read
 * after the user key `after`), as distinct users, with their names from their member items (one BatchGetItem per
 * 100). Offline members are never read.
 */
export async function onlineMembersPage(
  groupKey: GroupKey,
  after: UserKey | undefined,
  limit: number,
  now: number,
): Promise<OnlinePage> {
  const page = await queryRange(
    keys.group(groupKey).pk,
    {
      after: after === undefined ? prefixes.groupConnection : `${prefixes.groupConnection}${after}#\uffff`,
      upTo: prefixEnd(prefixes.groupConnection),
    },
    { limit },
  );
  const live = liveConnections(
    page.items.map((item) => ({ user: storedUserKey(String(item.user)), expiresAt: Number(item.expiresAt) })),
    now,
  );
  const users = [...new Set(live.map((c) => c.user))];
  const members = await batchGet(users.map((user) => keys.groupMember(groupKey, user)));
  const names = new Map(
    members.map((item) => [storedUserKey(item.sk.slice(prefixes.member.length)), String(item.username)]),
  );
  const last = page.next === undefined ? undefined : storedUserKey(String(page.items.at(-1)?.user));
  return { names: users.flatMap((user) => names.get(user) ?? []), next: last };
}
