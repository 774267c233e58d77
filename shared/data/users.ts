/** Accounts: create one (exactly once per name), and read one together with its live devices. */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, TABLE } from './client.js';
import { type Connection, liveConnections } from './connections.js';
import { keys, prefixes } from './keys.js';
import { type Item, isConditionFailure, queryAll } from './table.js';

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
}

/** Returns false when the name (ignoring case) is taken: the conditional write makes concurrent REGISTERs safe. */
export async function createUser(userKey: string, profile: Profile): Promise<boolean> {
  try {
    await db.send(
      new PutCommand({
        TableName: TABLE,
        Item: { ...keys.user(userKey), ...profile },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** The user's side of a group membership (`USER#u` / `GROUP#g`). */
export interface Membership {
  /** The group's key. */
  group: string;
  /** The group's name as created. */
  name: string;
  /** Messages with ids above this are the member's (set at joining). */
  from: string;
  /** How far a catch-up has delivered this group's messages, when it stopped half way. */
  progress: string | undefined;
}

export interface Account {
  profile: Profile | undefined;
  connections: Connection[];
  /** The keys of the user's groups (read only with `withGroups`). */
  groups: string[];
  memberships: Membership[];
}

/** One Query: the profile, the live connections and (with `withGroups`) the group keys of a user. */
export async function readAccount(userKey: string, now: number, withGroups = false): Promise<Account> {
  const items = await queryAll(keys.user(userKey).pk, withGroups ? {} : { beginsWith: prefixes.userHead });
  return accountFrom(userKey, items, now);
}

function accountFrom(userKey: string, items: Item[], now: number): Account {
  const profileSk = keys.user(userKey).sk;
  const profile = items.find((item) => item.sk === profileSk) as unknown as Profile | undefined;
  const connections = liveConnections(
    items
      .filter((item) => item.sk.startsWith(prefixes.userConnection))
      .map((item) => ({
        user: userKey,
        connectionId: item.sk.slice(prefixes.userConnection.length),
        expiresAt: Number(item.expiresAt),
      })),
    now,
  );
  const memberships = items.filter((item) => item.sk.startsWith(prefixes.group)).map(membershipOf);
  return { profile, connections, groups: memberships.map((m) => m.group), memberships };
}

export function membershipOf(item: Item): Membership {
  return {
    group: item.sk.slice(prefixes.group.length),
    name: String(item.group),
    from: String(item.from ?? ''),
    progress: typeof item.progress === 'string' ? item.progress : undefined,
  };
}

/** Records how far a catch-up has delivered one group's messages (never backwards). */
export async function advanceProgress(userKey: string, groupKey: string, id: string): Promise<void> {
  await db
    .send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.userGroup(userKey, groupKey),
        UpdateExpression: 'SET progress = :id',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(progress) OR progress < :id)',
        ExpressionAttributeValues: { ':id': id },
      }),
    )
    .catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
}

export async function advanceGroupCursor(userKey: string, cursor: string): Promise<void> {
  await db
    .send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.user(userKey),
        UpdateExpression: 'SET groupCursor = :cursor',
        ConditionExpression:
          'attribute_exists(pk) AND (attribute_not_exists(groupCursor) OR groupCursor < :cursor)',
        ExpressionAttributeValues: { ':cursor': cursor },
      }),
    )
    .catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
}
