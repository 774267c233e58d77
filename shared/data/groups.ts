/**
 * Groups: the group item (with its member count), each membership (twice: under the group for GROUP_MEMBERS and
 * under the user for GROUPS and the membership check), the members' live connections and their departure marks.
 * Nothing here reads a whole group: every read is one item or one bounded page.
 */
import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { idCeil } from '../ids.js';
import { db, TABLE } from './client.js';
import {
  type Connection,
  connectionOf,
  liveConnections,
  publishPresence,
  withdrawPresence,
} from './connections.js';
import { keys, prefixEnd, prefixes } from './keys.js';
import { putOnce, queryAll, queryRange } from './table.js';
import { type Membership, membershipOf } from './users.js';

export interface GroupMeta {
  name: string;
  owner: string;
  members: number;
}

/** Creates the group item (its creator is then added as its first member); false when the name is taken. */
export async function createGroup(
  groupKey: string,
  name: string,
  owner: string,
  now: number,
): Promise<boolean> {
  return putOnce({
    ...keys.group(groupKey),
    name,
    owner,
    members: 0,
    createdAt: new Date(now).toISOString(),
  });
}

export async function readGroupMeta(groupKey: string): Promise<GroupMeta | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: TABLE, Key: keys.group(groupKey) }));
  if (!Item) return undefined;
  return { name: String(Item.name), owner: String(Item.owner), members: Number(Item.members ?? 0) };
}

/** The caller's membership of a group, or undefined: one GetItem, whatever the group's size. */
export async function readMembership(userKey: string, groupKey: string): Promise<Membership | undefined> {
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.userGroup(userKey, groupKey) }),
  );
  return Item ? membershipOf(Item as Parameters<typeof membershipOf>[0]) : undefined;
}

/** How many groups the user belongs to (a count of their membership items: at most the per-user cap). */
export async function countUserGroups(userKey: string): Promise<number> {
  const result = await db.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.user(userKey).pk, ':prefix': prefixes.group },
      Select: 'COUNT',
    }),
  );
  return result.Count ?? 0;
}

/**
 * Adds a member: the user's membership first (conditional, so a repeated join counts once), then the group's
 * count, the group-side member item and the user's live connections. Messages sent before `now` are not theirs.
 * Returns false when the user was a member already.
 */
export async function addMember(
  groupKey: string,
  groupName: string,
  userKey: string,
  username: string,
  connections: readonly Connection[],
  now: number,
): Promise<boolean> {
  const joinedAt = new Date(now).toISOString();
  const membership = { ...keys.userGroup(userKey, groupKey), group: groupName, joinedAt, from: idCeil(now) };
  if (!(await putOnce(membership))) return false;
  await Promise.all([
    changeCount(groupKey, 1),
    publishPresence(groupKey, connections, [{ ...keys.groupMember(groupKey, userKey), username, joinedAt }]),
  ]);
  return true;
}

/** Removes a member and their live connections from the group; false when they were not a member. */
export async function removeMember(
  groupKey: string,
  userKey: string,
  connectionIds: readonly string[],
): Promise<boolean> {
  const { Attributes } = await db.send(
    new DeleteCommand({ TableName: TABLE, Key: keys.userGroup(userKey, groupKey), ReturnValues: 'ALL_OLD' }),
  );
  if (!Attributes) return false;
  await Promise.all([
    changeCount(groupKey, -1),
    withdrawPresence(groupKey, userKey, connectionIds, [keys.groupMember(groupKey, userKey)]),
  ]);
  return true;
}

async function changeCount(groupKey: string, by: number): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: keys.group(groupKey),
      UpdateExpression: 'ADD members :by',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':by': by },
    }),
  );
}

export interface MemberPage {
  /** Usernames as spelled, in key order. */
  names: string[];
  /** The key of the last member shown, when more follow. */
  next: string | undefined;
}

/** One page of a group's members, after the member key `after`. */
export async function membersPage(groupKey: string, after: string | undefined, limit: number) {
  const start = after === undefined ? prefixes.member : `${prefixes.member}${after}`;
  const page = await queryRange(
    keys.group(groupKey).pk,
    { after: start, upTo: prefixEnd(prefixes.member) },
    { limit },
  );
  return {
    names: page.items.map((item) => String(item.username)),
    next: page.next?.slice(prefixes.member.length),
  } satisfies MemberPage;
}

export interface PresencePage {
  connections: Connection[];
  /** The sort key to continue after, when the group has more online connections. */
  next: string | undefined;
}

/** One page of the group's live connections (strongly consistent), after the presence key `after`. */
export async function presencePage(
  groupKey: string,
  after: string | undefined,
  limit: number,
  now: number,
): Promise<PresencePage> {
  const page = await queryRange(
    keys.group(groupKey).pk,
    { after: after ?? prefixes.presence, upTo: prefixEnd(prefixes.presence) },
    { limit, consistent: true },
  );
  const connections = page.items.map((item) =>
    connectionOf(String(item.user), String(item.connectionId), item),
  );
  return { connections: liveConnections(connections, now), next: page.next };
}

/** Members who left (a caught-up device went away) after the message `id` was made: strongly consistent. */
export async function departuresAfter(groupKey: string, id: string): Promise<Set<string>> {
  const items = await queryAll(keys.group(groupKey).pk, {
    after: `${prefixes.departure}${id}`,
    before: prefixEnd(prefixes.departure),
    consistent: true,
  });
  return new Set(items.map((item) => String(item.user)));
}

/** The caller's groups, as they are spelled. */
export async function listUserGroups(userKey: string): Promise<string[]> {
  const items = await queryAll(keys.user(userKey).pk, { beginsWith: prefixes.group });
  return items.map((item) => String(item.group));
}
