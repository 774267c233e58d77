/** Groups: the group item, its members, and its members' live connections, all in one partition. */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { db, TABLE } from './client.js';
import { type Connection, liveConnections, publishPresence, withdrawPresence } from './connections.js';
import { keys, prefixes } from './keys.js';
import { isConditionFailure, queryAll } from './table.js';

export interface Group {
  name: string;
  owner: string;
  /** Member key → the username as its owner spells it. */
  members: Map<string, string>;
  /** Live connections of members, found without one read per member. */
  connections: Connection[];
}

export async function createGroup(
  groupKey: string,
  name: string,
  owner: string,
  now: number,
): Promise<boolean> {
  try {
    await db.send(
      new PutCommand({
        TableName: TABLE,
        Item: { ...keys.group(groupKey), name, owner, createdAt: new Date(now).toISOString() },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** One Query (paged for very large groups): the group, its members and their live connections. */
export async function readGroup(groupKey: string, now: number): Promise<Group | undefined> {
  const items = await queryAll(keys.group(groupKey).pk);
  const meta = items.find((item) => item.sk === keys.group(groupKey).sk);
  if (!meta) return undefined;
  const members = new Map<string, string>();
  const connections: Connection[] = [];
  for (const item of items) {
    if (item.sk.startsWith(prefixes.member))
      members.set(item.sk.slice(prefixes.member.length), String(item.username));
    else if (item.sk.startsWith(prefixes.presence))
      connections.push({
        user: String(item.user),
        connectionId: String(item.connectionId),
        expiresAt: Number(item.expiresAt),
      });
  }
  return {
    name: String(meta.name),
    owner: String(meta.owner),
    members,
    connections: liveConnections(connections, now).filter((c) => members.has(c.user)),
  };
}

export async function addMember(
  groupKey: string,
  groupName: string,
  userKey: string,
  username: string,
  connections: readonly Connection[],
  now: number,
): Promise<void> {
  const joinedAt = new Date(now).toISOString();
  await publishPresence(groupKey, connections, [
    { ...keys.groupMember(groupKey, userKey), username, joinedAt },
    { ...keys.userGroup(userKey, groupKey), group: groupName, joinedAt },
  ]);
}

export async function removeMember(
  groupKey: string,
  userKey: string,
  connectionIds: readonly string[],
): Promise<void> {
  await withdrawPresence(groupKey, userKey, connectionIds, [
    keys.groupMember(groupKey, userKey),
    keys.userGroup(userKey, groupKey),
  ]);
}

/** The caller's groups, as they are spelled. */
export async function listUserGroups(userKey: string): Promise<string[]> {
  const items = await queryAll(keys.user(userKey).pk, { beginsWith: prefixes.group });
  return items.map((item) => String(item.group));
}
