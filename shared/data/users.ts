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
  /** Group messages older than this id were looked at by an earlier AUTH. */
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

export interface Account {
  profile: Profile | undefined;
  connections: Connection[];
  groups: string[];
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
  const groups = items
    .filter((item) => item.sk.startsWith(prefixes.group))
    .map((item) => item.sk.slice(prefixes.group.length));
  return { profile, connections, groups };
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
