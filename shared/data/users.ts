/**
 * Accounts, as stored: the profile (created exactly once per name; its password and credential epoch changed, the
 * logins under way registered on it, or replaced by a tombstone that keeps the name reserved, by conditional writes),
 * the group cursor and an unfinished catch-up's progress; and an account read in one Query together with its live
 * devices and the user's side of each membership (written by ./groups.ts).
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { chunk } from '../concurrency.js';
import type { GroupKey, UserKey } from '../protocol/names.js';
import { db, TABLE } from './client.js';
import { type Connection, connectionOf, liveConnections } from './connections.js';
import { keys, prefixes, storedGroupKey, storedUserKey } from './keys.js';
import {
  batchGet,
  conditionally,
  epochSeconds,
  type Item,
  putFirst,
  queryAll,
  unlessConditionFails,
} from './table.js';

export interface Profile {
  username: string;
  passwordHash: string;
  country: string;
  name: string;
  createdAt: string;
  /**
   * Every message of the user's groups with an id at or below this one has reached the user (live, by a catch-up,
   * or into the inbox). Moves at the end of a catch-up and when a caught-up device leaves.
   */
  groupCursor?: string;
  /**
   * Bumped by every change of credentials (PASSWORD, DELETE_ACCOUNT), in the same conditional write as the change;
   * absent is 0. See credentialOf.
   */
  epoch?: number;
}

/**
 * What a login is bound with (the connection's `credential`): this account incarnation (its creation) and its
 * credential epoch. A binding whose credential is no longer the account's was made with a password that changed,
 * or for an account that was deleted (and maybe registered again): every command refuses it (commands/context.ts).
 */
export function credentialOf(profile: { createdAt?: unknown; epoch?: unknown }): string {
  return `${String(profile.createdAt)}#${Number(profile.epoch ?? 0)}`;
}

/** The account's credential now, read strongly (one small GetItem); undefined for no account or a deleted one. */
export async function readCredential(userKey: UserKey): Promise<string | undefined> {
  const { Item } = await db.send(
    new GetCommand({
      TableName: TABLE,
      Key: keys.user(userKey),
      ConsistentRead: true,
      ProjectionExpression: 'createdAt, epoch, deleted',
    }),
  );
  return Item && Item.deleted !== true ? credentialOf(Item) : undefined;
}

/**
 * Returns false when the name (ignoring case) is taken: the conditional write makes concurrent REGISTERs safe, and
 * a write the SDK retried after it had succeeded is still recognized as this REGISTER's own (putOnce).
 */
export async function createUser(
  userKey: UserKey,
  profile: Profile,
  now: number = Date.now(),
): Promise<boolean> {
  const item = { ...keys.user(userKey), ...profile };
  // A deleted account's tombstone holds its name until `reservedUntil`; after that the name is free again.
  return (await putFirst(item, { replaceable: 'reservedUntil < :now', now: epochSeconds(now) })).created;
}

/** How long a deleted account's name stays reserved (REGISTER answers username_taken). */
export const NAME_RESERVED_MS = 30 * 24 * 3600 * 1000;

/**
 * When each of the accounts was created (`createdAt` as stored; a tombstone keeps its own), in no order; nothing for
 * a name that was never registered. One BatchGetItem.
 */
export async function creationTimes(userKeys: readonly UserKey[]): Promise<unknown[]> {
  const profiles = await batchGet(userKeys.map((userKey) => keys.user(userKey)));
  return profiles.map((profile) => profile.createdAt);
}

/** The accounts of `userKeys` (a tombstone too), by key: `username` as spelled and `createdAt`. One BatchGetItem per 100. */
export async function accountsByKey(
  userKeys: readonly UserKey[],
): Promise<Map<UserKey, { username: string; createdAt: unknown }>> {
  const profiles = await batchGet([...new Set(userKeys)].map((userKey) => keys.user(userKey)));
  return new Map(
    profiles.map((profile) => [
      storedUserKey(profile.pk.slice('USER#'.length)),
      { username: String(profile.username), createdAt: profile.createdAt },
    ]),
  );
}

/**
 * A login under way registers itself on the account item (issue 22): one attribute per connection, `login:<id>`,
 * holding until when (epoch ms) the registration counts — the connection lock's 30 s, after which no change of
 * binding can still be under way. A change of credentials learns every login that registered before it from the
 * same conditional write that makes the change (ReturnValues ALL_OLD), and waits for each to finish.
 */
const LOGIN_ATTRIBUTE = 'login:';

/** The connections whose logins were registered on this account item and still count at `now`. */
export function loginsOf(item: Record<string, unknown> | undefined, now: number): string[] {
  return Object.entries(item ?? {})
    .filter(([name, until]) => name.startsWith(LOGIN_ATTRIBUTE) && Number(until) > now)
    .map(([name]) => name.slice(LOGIN_ATTRIBUTE.length));
}

/** At most this many lapsed registrations are swept by one registration (the item never keeps many). */
const SWEEP = 20;

/**
 * Registers a login of `connectionId` under way, only while the account's password hash is still the one it was
 * checked against (`profile`, as read for the check): false once a PASSWORD or DELETE_ACCOUNT changed it. The same
 * write removes registrations `profile` showed lapsed, each only if it is still the value seen (another login of that
 * connection may have renewed it); if one was renewed, the registration is written again without the sweep.
 */
export async function registerLogin(
  userKey: UserKey,
  profile: Profile,
  connectionId: string,
  until: number,
  now: number,
): Promise<boolean> {
  const seen = profile as unknown as Record<string, unknown>;
  const lapsed = Object.keys(seen)
    .filter((name) => name.startsWith(LOGIN_ATTRIBUTE) && Number(seen[name]) <= now)
    .filter((name) => name !== `${LOGIN_ATTRIBUTE}${connectionId}`)
    .slice(0, SWEEP);
  const write = (sweep: readonly string[]) => {
    const names: Record<string, string> = { '#me': `${LOGIN_ATTRIBUTE}${connectionId}` };
    const values: Record<string, unknown> = { ':hash': profile.passwordHash, ':until': until };
    const still = sweep.map((name, i) => {
      names[`#s${i}`] = name;
      values[`:s${i}`] = seen[name];
      return ` AND #s${i} = :s${i}`;
    });
    return conditionally(
      db.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: keys.user(userKey),
          UpdateExpression: `SET #me = :until${sweep.length > 0 ? ` REMOVE ${sweep.map((_, i) => `#s${i}`).join(', ')}` : ''}`,
          ConditionExpression: `passwordHash = :hash${still.join('')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  };
  return (await write(lapsed)) || (lapsed.length > 0 && (await write([])));
}

/**
 * Changes the password hash, only if it is still `oldHash` (of two racing changes, one wins). Undefined otherwise;
 * else the connections whose logins registered before the change (see registerLogin).
 */
export async function changePasswordHash(
  userKey: UserKey,
  oldHash: string,
  newHash: string,
): Promise<string[] | undefined> {
  return updateProfileIf(userKey, oldHash, { set: 'passwordHash = :new', values: { ':new': newHash } });
}

/**
 * Replaces the profile by a tombstone (DELETE_ACCOUNT), only if the password hash is still `oldHash`: no password,
 * no name or country, only the name as spelled and until when it stays reserved. AUTH then fails as for an unknown
 * user, SEND answers unknown_recipient, and HISTORY with the name still shows the conversation. Returns what
 * changePasswordHash returns.
 */
export async function tombstoneUser(
  userKey: UserKey,
  oldHash: string,
  now: number,
): Promise<string[] | undefined> {
  return updateProfileIf(userKey, oldHash, {
    set: 'deleted = :yes, deletedAt = :at, reservedUntil = :until',
    remove: 'passwordHash, country, #name, groupCursor',
    names: { '#name': 'name' },
    values: {
      ':yes': true,
      ':at': new Date(now).toISOString(),
      ':until': epochSeconds(now + NAME_RESERVED_MS),
    },
  });
}

/**
 * The profile change, only while the password hash is `oldHash`. The change carries a token of its own: when the
 * SDK retried it after it had in fact been made (the answer was lost), the retry's condition fails on our own
 * change, and the token, read back strongly, shows that it was made — so PASSWORD and DELETE_ACCOUNT answer what
 * happened (as putOnce does for REGISTER and GROUP_CREATE). Made: the logins registered before it (from the item
 * as it was, or as read back: none registers after the change, and only lapsed ones are swept); else undefined.
 */
async function updateProfileIf(
  userKey: UserKey,
  oldHash: string,
  update: { set: string; remove?: string; names?: Record<string, string>; values: Record<string, unknown> },
): Promise<string[] | undefined> {
  const token = randomUUID();
  const made = await unlessConditionFails(
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.user(userKey),
        // The epoch moves with the change, atomically: a binding made with the old credential is refused from here on.
        UpdateExpression: `SET ${update.set}, writeToken = :token, epoch = if_not_exists(epoch, :zero) + :one${update.remove ? ` REMOVE ${update.remove}` : ''}`,
        ConditionExpression: 'passwordHash = :old',
        ExpressionAttributeNames: update.names,
        ExpressionAttributeValues: {
          ...update.values,
          ':old': oldHash,
          ':token': token,
          ':zero': 0,
          ':one': 1,
        },
        ReturnValues: 'ALL_OLD',
      }),
    ),
  );
  if (made) return loginsOf(made.Attributes, Date.now());
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.user(userKey), ConsistentRead: true }),
  );
  return Item?.writeToken === token ? loginsOf(Item, Date.now()) : undefined;
}

/** The user's side of a group membership (`USER#u` / `GROUP#g`). */
export interface Membership {
  /** The group's key. */
  groupKey: GroupKey;
  /** The group's name as created. */
  name: string;
  /** Messages with ids above this are the member's (set at joining). */
  from: string;
}

export interface Account {
  /** Undefined for no account, and for a deleted one (see `deleted`). */
  profile: Profile | undefined;
  /** The name belongs to a deleted account (its tombstone). */
  deleted: boolean;
  connections: Connection[];
  /** The keys of the user's groups (read only with `withGroups`). */
  groups: GroupKey[];
  memberships: Membership[];
  /** Group key → how far an unfinished catch-up delivered its messages (read only with `withGroups`). */
  progress: Map<GroupKey, string>;
}

/** The profile alone (one GetItem), undefined for no account and for a deleted one. */
export async function readProfile(userKey: UserKey): Promise<Profile | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: TABLE, Key: keys.user(userKey) }));
  return Item === undefined || Item.deleted === true ? undefined : (Item as unknown as Profile);
}

/** One Query: the profile, the live connections and (with `withGroups`) the group keys of a user. */
export async function readAccount(
  userKey: UserKey,
  now: number,
  withGroups = false,
  consistent = false,
): Promise<Account> {
  const items = await queryAll(keys.user(userKey).pk, {
    ...(withGroups ? {} : { beginsWith: prefixes.userHead }),
    ...(consistent ? { consistent } : {}),
  });
  return accountFrom(userKey, items, now);
}

function accountFrom(userKey: UserKey, items: Item[], now: number): Account {
  const profileSk = keys.user(userKey).sk;
  const found = items.find((item) => item.sk === profileSk);
  const deleted = found?.deleted === true;
  const profile = deleted ? undefined : (found as unknown as Profile | undefined);
  const connections = liveConnections(
    items
      .filter((item) => item.sk.startsWith(prefixes.userConnection))
      .map((item) => connectionOf(userKey, item.sk.slice(prefixes.userConnection.length), item)),
    now,
  );
  const memberships = items.filter((item) => item.sk.startsWith(prefixes.group)).map(membershipOf);
  const saved = items.find((item) => item.sk === keys.catchUpProgress(userKey).sk);
  const progress = new Map<GroupKey, string>();
  for (const [name, value] of Object.entries(saved ?? {}))
    if (name.startsWith(PROGRESS_ATTRIBUTE) && typeof value === 'string')
      progress.set(storedGroupKey(name.slice(PROGRESS_ATTRIBUTE.length)), value);
  return { profile, deleted, connections, groups: memberships.map((m) => m.groupKey), memberships, progress };
}

/** The progress item holds one attribute per group, named after the group's key. */
const PROGRESS_ATTRIBUTE = 'g:';

export function membershipOf(item: Item): Membership {
  return {
    groupKey: storedGroupKey(item.sk.slice(prefixes.group.length)),
    name: String(item.group),
    from: String(item.from ?? ''),
  };
}

/**
 * Records how far a catch-up has delivered each group it just pushed from: one UpdateItem per frame (per 100 groups),
 * whatever the number of groups the frame touched. A frame's ids only grow, and one run at a time writes.
 */
export async function advanceProgress(
  userKey: UserKey,
  progress: ReadonlyMap<GroupKey, string>,
): Promise<void> {
  await Promise.all(
    chunk([...progress], 100).map((entries) => {
      const names: Record<string, string> = {};
      const values: Record<string, string> = {};
      const sets = entries.map(([group, id], i) => {
        names[`#g${i}`] = `${PROGRESS_ATTRIBUTE}${group}`;
        values[`:g${i}`] = id;
        return `#g${i} = :g${i}`;
      });
      return db.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: keys.catchUpProgress(userKey),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    }),
  );
}

/** A completed catch-up leaves nothing behind: the group cursor covers every group now. */
export async function clearProgress(userKey: UserKey): Promise<void> {
  await db.send(new DeleteCommand({ TableName: TABLE, Key: keys.catchUpProgress(userKey) }));
}

export async function advanceGroupCursor(userKey: UserKey, cursor: string): Promise<void> {
  await conditionally(
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.user(userKey),
        UpdateExpression: 'SET groupCursor = :cursor',
        ConditionExpression:
          'attribute_exists(pk) AND (attribute_not_exists(groupCursor) OR groupCursor < :cursor)',
        ExpressionAttributeValues: { ':cursor': cursor },
      }),
    ),
  );
}
