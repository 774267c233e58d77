/**
 * Groups: the group item (with its member count), each membership (twice: under the group for GROUP_MEMBERS and
 * under the user for GROUPS and the membership check), the members' live connections (the group's connections) and
 * their departure marks.
 * Nothing here reads a whole group: every read is one item or one bounded page.
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { GroupKey, UserKey } from '../protocol/names.js';
import { db, TABLE } from './client.js';
import { type Connection, connectionOf, liveConnections, withdrawGroupConnections } from './connections.js';
import { keys, prefixEnd, prefixes, storedGroupKey, storedUserKey } from './keys.js';
import {
  batchGet,
  batchWrite,
  conditionally,
  epochSeconds,
  type Item,
  type Key,
  putOnce,
  queryAll,
  queryRange,
  unlessConditionFails,
} from './table.js';
import { type Membership, membershipOf } from './users.js';

export interface GroupMeta {
  name: string;
  /**
   * The owner's username as spelled (stored as `owner`; userKeyOf gives their key): a name, where a connection's
   * `user` is a key.
   */
  ownerName: string;
  members: number;
  /** Invite-only (GROUP_CREATE nama private). */
  private: boolean;
}

/**
 * Creates the group item (its creator is then added as its first member); false when the name is taken. `token`
 * marks the item as this call's own (putOnce), so abandonGroup can take back exactly this creation.
 */
export async function createGroup(
  groupKey: GroupKey,
  name: string,
  ownerName: string,
  now: number,
  isPrivate = false,
  token?: string,
): Promise<boolean> {
  return putOnce(
    {
      ...keys.group(groupKey),
      name,
      owner: ownerName,
      members: 0,
      private: isPrivate,
      createdAt: new Date(now).toISOString(),
    },
    token,
  );
}

/**
 * Takes back a creation whose creator could not be added (or whose outcome is unknown): deletes the group item only
 * if it is the one written with `token`, so no group is left without its creator and the name is free again.
 */
export async function abandonGroup(groupKey: GroupKey, token: string): Promise<void> {
  await conditionally(
    db.send(
      new DeleteCommand({
        TableName: TABLE,
        Key: keys.group(groupKey),
        ConditionExpression: 'writeToken = :token',
        ExpressionAttributeValues: { ':token': token },
      }),
    ),
  );
}

/** The group, or undefined when there is none — or it is being deleted (it is gone for everyone at once). */
export async function readGroupMeta(groupKey: GroupKey, consistent = false): Promise<GroupMeta | undefined> {
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.group(groupKey), ConsistentRead: consistent }),
  );
  if (!Item || Item.deleting !== undefined) return undefined;
  return {
    name: String(Item.name),
    ownerName: String(Item.owner),
    members: Number(Item.members ?? 0),
    private: Item.private === true,
  };
}

/** The caller's membership of a group, or undefined: one GetItem, whatever the group's size. */
export async function readMembership(
  userKey: UserKey,
  groupKey: GroupKey,
  consistent = false,
): Promise<Membership | undefined> {
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.userGroup(userKey, groupKey), ConsistentRead: consistent }),
  );
  return Item ? membershipOf(Item as Parameters<typeof membershipOf>[0]) : undefined;
}

/** The group's side of a membership: the member item (by name) and the join-order item. */
export function memberItems(
  groupKey: GroupKey,
  userKey: UserKey,
  username: string,
  joinedAt: string,
): Item[] {
  return [
    { ...keys.groupMember(groupKey, userKey), username, joinedAt },
    { ...keys.groupJoined(groupKey, joinedAt, userKey), user: userKey, username },
  ];
}

/**
 * Writes the user's side of a membership (`USER#u` / `GROUP#g`) if absent: false when the user is a member already
 * (putOnce: a put the SDK retried after it succeeded still counts as this call's own).
 */
export function putMembership(
  groupKey: GroupKey,
  groupName: string,
  userKey: UserKey,
  joinedAt: string,
  from: string,
): Promise<boolean> {
  return putOnce({ ...keys.userGroup(userKey, groupKey), group: groupName, joinedAt, from });
}

/** Deletes the user's side of a membership (one DeleteItem). */
export async function deleteMembership(groupKey: GroupKey, userKey: UserKey): Promise<void> {
  await db.send(new DeleteCommand({ TableName: TABLE, Key: keys.userGroup(userKey, groupKey) }));
}

export interface Removal {
  /** Members left after this one, or undefined when the group item is already gone. */
  remaining: number | undefined;
}

/**
 * Removes a member, their join-order item and their live connections from the group; undefined when they were not a
 * member. The count comes back, so exactly one of several concurrent removals sees the group emptied. The member item
 * and group connections go whether or not the membership was still there (idempotent): a leave that failed half-way, or
 * whose delete the SDK retried after it had succeeded, is finished by the next one. The count moves only for a
 * membership this call deleted.
 */
export async function removeMember(
  groupKey: GroupKey,
  userKey: UserKey,
  connectionIds: readonly string[],
): Promise<Removal | undefined> {
  const { Attributes } = await db.send(
    new DeleteCommand({ TableName: TABLE, Key: keys.userGroup(userKey, groupKey), ReturnValues: 'ALL_OLD' }),
  );
  const joined =
    typeof Attributes?.joinedAt === 'string'
      ? [keys.groupJoined(groupKey, Attributes.joinedAt, userKey)]
      : [];
  const [remaining] = await Promise.all([
    Attributes ? changeCount(groupKey, -1) : undefined,
    withdrawGroupConnections(groupKey, userKey, connectionIds, [
      keys.groupMember(groupKey, userKey),
      ...joined,
    ]),
  ]);
  // After the membership went: every copy of the user's devices in the group, also one an AUTH under way wrote
  // after the caller read the devices (read strongly, so a copy written before the delete is found here, and one
  // written after it is never pushed to: fan-out pushes only to members, see membersOnly).
  await withdrawAllGroupConnections(groupKey, userKey);
  return Attributes ? { remaining } : undefined;
}

/** Deletes every group connection of `userKey` in the group, whichever devices they are (one strong Query). */
export async function withdrawAllGroupConnections(groupKey: GroupKey, userKey: UserKey): Promise<void> {
  const items = await queryAll(keys.group(groupKey).pk, {
    beginsWith: `${prefixes.groupConnection}${userKey}#`,
    consistent: true,
  });
  if (items.length > 0)
    await batchWrite(
      [],
      items.map(({ pk, sk }) => ({ pk, sk })),
    );
}

/**
 * The connections of a page of the group's connections whose users are members of the live group now: one strongly
 * consistent BatchGetItem of the group item and each distinct user's membership (100 keys a request), read before
 * the push. A copy that outlived its membership (an AUTH that read the groups before a removal wrote it afterwards)
 * or its group (deleted, or deleted and created again) is passed over, so a removal is exact from its answer on.
 */
export async function membersOnly<T extends { user: UserKey; connectionId?: string }>(
  groupKey: GroupKey,
  connections: readonly T[],
  { copies = false }: { copies?: boolean } = {},
): Promise<T[]> {
  if (connections.length === 0) return [];
  const users = [...new Set(connections.map((c) => c.user))];
  // With `copies` (a fenced push deciding again: shared/push/deliver.ts), each connection's copy in the group's
  // connections is read in the same request: a device logged out or removed since is passed over too.
  const present = copies
    ? connections.map((c) => keys.groupConnection(groupKey, c.user, String(c.connectionId)))
    : [];
  const found = await batchGet(
    [keys.group(groupKey), ...users.map((user) => keys.userGroup(user, groupKey)), ...present],
    true,
  );
  const still = new Set(
    found.filter((item) => item.sk.startsWith(prefixes.groupConnection)).map((item) => item.sk),
  );
  const meta = found.find((item) => item.pk === keys.group(groupKey).pk);
  if (!meta || meta.deleting !== undefined) return [];
  const members = new Set(
    found
      .filter((item) => item.sk === `${prefixes.group}${groupKey}`)
      .map((item) => storedUserKey(item.pk.slice(keys.user('').pk.length))),
  );
  return connections.filter(
    (c) =>
      members.has(c.user) &&
      (!copies || still.has(keys.groupConnection(groupKey, c.user, String(c.connectionId)).sk)),
  );
}

/**
 * Of `groups`, those the user is a member of now and that still live (strongly consistent; one BatchGetItem of the
 * memberships and group items, 50 groups a request).
 */
export async function memberOf(userKey: UserKey, groups: readonly GroupKey[]): Promise<Set<GroupKey>> {
  if (groups.length === 0) return new Set();
  const found = await batchGet(
    groups.flatMap((group) => [keys.userGroup(userKey, group), keys.group(group)]),
    true,
  );
  const live = new Set(
    found
      .filter((item) => item.sk === keys.group('').sk && item.deleting === undefined)
      .map((item) => storedGroupKey(item.pk.slice(keys.group('').pk.length))),
  );
  return new Set(
    found
      .filter((item) => item.sk.startsWith(prefixes.group))
      .map((item) => storedGroupKey(item.sk.slice(prefixes.group.length)))
      .filter((group) => live.has(group)),
  );
}

/** Moves the member count; the count after, or undefined when the group is gone or being deleted. */
export async function changeCount(groupKey: GroupKey, by: number): Promise<number | undefined> {
  const moved = await unlessConditionFails(
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.group(groupKey),
        UpdateExpression: 'ADD members :by',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deleting)',
        ExpressionAttributeValues: { ':by': by },
        ReturnValues: 'UPDATED_NEW',
      }),
    ),
  );
  return moved && Number(moved.Attributes?.members ?? 0);
}

export interface MemberPage {
  /** Usernames as spelled, in key order. */
  names: string[];
  /** The key of the last member shown, when more follow. */
  next: UserKey | undefined;
}

/** One page of a group's members, after the member key `after`. */
export async function membersPage(groupKey: GroupKey, after: UserKey | undefined, limit: number) {
  const start = after === undefined ? prefixes.member : `${prefixes.member}${after}`;
  const page = await queryRange(
    keys.group(groupKey).pk,
    { after: start, upTo: prefixEnd(prefixes.member) },
    { limit },
  );
  return {
    names: page.items.map((item) => String(item.username)),
    next: page.next === undefined ? undefined : storedUserKey(page.next.slice(prefixes.member.length)),
  } satisfies MemberPage;
}

export interface GroupConnectionsPage {
  connections: Connection[];
  /** The sort key to continue after, when the group has more online connections. */
  next: string | undefined;
}

/** One page of the group's live connections (strongly consistent), after the group connection key `after`. */
export async function groupConnectionsPage(
  groupKey: GroupKey,
  after: string | undefined,
  limit: number,
  now: number,
): Promise<GroupConnectionsPage> {
  const page = await queryRange(
    keys.group(groupKey).pk,
    { after: after ?? prefixes.groupConnection, upTo: prefixEnd(prefixes.groupConnection) },
    { limit, consistent: true },
  );
  const connections = page.items.map((item) =>
    connectionOf(storedUserKey(String(item.user)), String(item.connectionId), item),
  );
  return { connections: liveConnections(connections, now), next: page.next };
}

/** Members who left (a caught-up device went away) after the message `id` was made: strongly consistent. */
export async function departuresAfter(groupKey: GroupKey, id: string): Promise<Set<UserKey>> {
  const items = await queryAll(keys.group(groupKey).pk, {
    after: `${prefixes.departure}${id}`,
    before: prefixEnd(prefixes.departure),
    consistent: true,
  });
  return new Set(items.map((item) => storedUserKey(String(item.user))));
}

/**
 * The groups a user belongs to, from their side of each membership (`USER#u` / `GROUP#g`): one eventually consistent
 * Query of at most the per-user cap of small items. GROUPS lists their names; a login, a departure and who may see
 * whose presence use their keys (`groupKey`).
 */
export async function userGroups(userKey: UserKey): Promise<Membership[]> {
  const items = await queryAll(keys.user(userKey).pk, { beginsWith: prefixes.group });
  return items.map(membershipOf);
}

/**
 * One page of the user's groups, read strongly (DELETE_ACCOUNT's clean-up leaves them page by page): their keys, and
 * whether more remain.
 */
export async function userGroupsPage(
  userKey: UserKey,
  limit: number,
): Promise<{ groupKeys: GroupKey[]; more: boolean }> {
  const page = await queryRange(
    keys.user(userKey).pk,
    { after: prefixes.group, upTo: prefixEnd(prefixes.group) },
    { limit, consistent: true },
  );
  return {
    groupKeys: page.items.map((item) => storedGroupKey(item.sk.slice(prefixes.group.length))),
    more: page.next !== undefined,
  };
}

/**
 * Of `users`, those who are members of the group now: one strongly consistent BatchGetItem of their memberships (a
 * message waits only for those still members; shared/delivery/group.ts).
 */
export async function stillMembers(groupKey: GroupKey, users: readonly UserKey[]): Promise<UserKey[]> {
  const found = await batchGet(
    users.map((user) => keys.userGroup(user, groupKey)),
    true,
  );
  return found.map((item) => storedUserKey(item.pk.slice(keys.user('').pk.length)));
}

/** The keys of the user's groups (userGroups' one Query): where a login's copies are, and who shares a group. */
export async function userGroupKeys(userKey: UserKey): Promise<GroupKey[]> {
  return (await userGroups(userKey)).map((group) => group.groupKey);
}

// ── Owners, invitations and deletion (issue 12) ──────────────────────────────────────────────────────────────────

export interface Candidate {
  user: UserKey;
  username: string;
}

/**
 * The longest-standing members, oldest first (strongly consistent): one Query of the join-order items, `limit`
 * of them, whatever the group's size. Groups from before join-order items existed have none; then the first members
 * by name stand in.
 */
export async function longestMembers(groupKey: GroupKey, limit: number): Promise<Candidate[]> {
  const pk = keys.group(groupKey).pk;
  const joined = await queryRange(
    pk,
    { after: prefixes.joined, upTo: prefixEnd(prefixes.joined) },
    { limit, consistent: true },
  );
  const items =
    joined.items.length > 0
      ? joined.items
      : (
          await queryRange(
            pk,
            { after: prefixes.member, upTo: prefixEnd(prefixes.member) },
            { limit, consistent: true },
          )
        ).items.map((item): Item => ({ ...item, user: item.sk.slice(prefixes.member.length) }));
  return items.map((item) => ({ user: storedUserKey(String(item.user)), username: String(item.username) }));
}

/** A member's name as spelled, from the group's side (strongly consistent); undefined for a non-member. */
export async function readMemberName(groupKey: GroupKey, userKey: UserKey): Promise<string | undefined> {
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.groupMember(groupKey, userKey), ConsistentRead: true }),
  );
  return Item ? String(Item.username) : undefined;
}

/** Hands ownership from `from` to `to` (usernames as spelled), only if `from` still owns the live group. */
export async function setOwner(groupKey: GroupKey, from: string, to: string): Promise<boolean> {
  return conditionally(
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.group(groupKey),
        UpdateExpression: 'SET #owner = :to',
        ConditionExpression: '#owner = :from AND attribute_not_exists(deleting)',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':from': from, ':to': to },
      }),
    ),
  );
}

/**
 * Marks the group deleted, with a token the clean-up carries: from this write on the group is gone for everyone
 * (readGroupMeta answers undefined, joins and member counts fail). Only the owner `ownerName` may (GROUP_DELETE), or,
 * with `ownerName` undefined, only while the group has no members (the last one left). False when the condition fails.
 */
export async function markDeleting(
  groupKey: GroupKey,
  token: string,
  ownerName: string | undefined,
  now: number,
): Promise<boolean> {
  return conditionally(
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.group(groupKey),
        UpdateExpression: 'SET deleting = :token, deletingSince = :since',
        // By the owner only (GROUP_DELETE), or only while nobody is left (the last member's leaving).
        ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(deleting) AND ${ownerName === undefined ? 'members <= :who' : '#owner = :who'}`,
        ExpressionAttributeNames: ownerName === undefined ? undefined : { '#owner': 'owner' },
        ExpressionAttributeValues: {
          ':token': token,
          ':since': new Date(now).toISOString(),
          ':who': ownerName ?? 0,
        },
      }),
    ),
  );
}

/** The deletion mark of a group being deleted (strongly consistent), its name and since when; else undefined. */
export async function readDeletion(
  groupKey: GroupKey,
): Promise<{ token: string; name: string; since: number } | undefined> {
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.group(groupKey), ConsistentRead: true }),
  );
  if (typeof Item?.deleting !== 'string') return undefined;
  return {
    token: Item.deleting,
    name: String(Item.name),
    since: Date.parse(String(Item.deletingSince)) || 0,
  };
}

/** The last step of a deletion: the group item goes, and with it the name is free. Only for this deletion. */
export async function deleteGroupMeta(groupKey: GroupKey, token: string): Promise<void> {
  await conditionally(
    db.send(
      new DeleteCommand({
        TableName: TABLE,
        Key: keys.group(groupKey),
        ConditionExpression: 'deleting = :token',
        ExpressionAttributeValues: { ':token': token },
      }),
    ),
  );
}

/**
 * Stores an invitation holding its push, unless one is pending already (then false: it is not sent twice). An
 * expired one (`expiresAt`, epoch seconds, also the table's TTL) is replaced.
 */
export async function putInvite(
  groupKey: GroupKey,
  userKey: UserKey,
  event: { event: string; id: string; [field: string]: unknown },
  expiresAt: number,
  now: number,
): Promise<boolean> {
  return conditionally(
    db.send(
      new PutCommand({
        TableName: TABLE,
        Item: { ...keys.groupInvite(groupKey, userKey), ...event, expiresAt },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
        ExpressionAttributeValues: { ':now': epochSeconds(now) },
      }),
    ),
  );
}

/** Whether the user holds an unexpired invitation to the group (one strongly consistent GetItem). */
export async function hasInvite(groupKey: GroupKey, userKey: UserKey, now: number): Promise<boolean> {
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.groupInvite(groupKey, userKey), ConsistentRead: true }),
  );
  return Item !== undefined && Number(Item.expiresAt) > epochSeconds(now);
}

/** An invitation is used up by joining (its inbox pointer, if any, then points at nothing and is skipped). */
export async function deleteInvite(groupKey: GroupKey, userKey: UserKey): Promise<void> {
  await db.send(new DeleteCommand({ TableName: TABLE, Key: keys.groupInvite(groupKey, userKey) }));
}

/**
 * Takes back a pending invitation (GROUP_UNINVITE): deleted only while unexpired (a condition), so true means an
 * invitation that could still be used is gone. A GROUP_JOIN racing it either joined first (the invitation was used
 * up: false here) or finds none.
 */
export async function revokeInvite(groupKey: GroupKey, userKey: UserKey, now: number): Promise<boolean> {
  return conditionally(
    db.send(
      new DeleteCommand({
        TableName: TABLE,
        Key: keys.groupInvite(groupKey, userKey),
        ConditionExpression: 'expiresAt > :now',
        ExpressionAttributeValues: { ':now': epochSeconds(now) },
      }),
    ),
  );
}

/**
 * Uses an invitation up (GROUP_JOIN of a private group), atomically: deleted only while unexpired, so of a join and
 * a GROUP_UNINVITE racing, exactly one finds it. The invitation as it was, to put back if the join then fails; or
 * undefined when there was none.
 */
export async function takeInvite(
  groupKey: GroupKey,
  userKey: UserKey,
  now: number,
): Promise<Item | undefined> {
  const taken = await unlessConditionFails(
    db.send(
      new DeleteCommand({
        TableName: TABLE,
        Key: keys.groupInvite(groupKey, userKey),
        ConditionExpression: 'expiresAt > :now',
        ExpressionAttributeValues: { ':now': epochSeconds(now) },
        ReturnValues: 'ALL_OLD',
      }),
    ),
  );
  return taken?.Attributes as Item | undefined;
}

/** Puts back an invitation a failed join took, unless another was written meanwhile. */
export async function restoreInvite(invite: Item): Promise<void> {
  await conditionally(
    db.send(
      new PutCommand({ TableName: TABLE, Item: invite, ConditionExpression: 'attribute_not_exists(pk)' }),
    ),
  );
}

/** One page of every item of a partition, in key order, after the sort key `after` (strongly consistent). */
function partitionPage(pk: string, after: string | undefined, limit: number) {
  return queryRange(pk, { after: after ?? ' ', upTo: '\uffff' }, { limit, consistent: true });
}

// ── A deleted group's pages (shared/groups/delete.ts): each page read, then deleted ──────────────────────────────

/** Removes these connections' copies from the group's connections (GROUP_DELETE, once they were told). */
export async function removeGroupConnections(
  groupKey: GroupKey,
  connections: readonly Pick<Connection, 'user' | 'connectionId'>[],
): Promise<void> {
  await batchWrite(
    [],
    connections.map((c) => keys.groupConnection(groupKey, c.user, c.connectionId)),
  );
}

/**
 * Deletes one page of the group's partition but its group item (members, join order, invitations, connections,
 * departure marks), and each member's own membership item; the sort key to continue after, if more remain.
 */
export async function deleteGroupItemsPage(
  groupKey: GroupKey,
  after: string | undefined,
  limit: number,
): Promise<string | undefined> {
  const page = await partitionPage(keys.group(groupKey).pk, after, limit);
  const doomed: Key[] = [];
  for (const { pk, sk } of page.items) {
    if (sk === keys.group(groupKey).sk) continue;
    doomed.push({ pk, sk });
    if (sk.startsWith(prefixes.member))
      doomed.push(keys.userGroup(storedUserKey(sk.slice(prefixes.member.length)), groupKey));
  }
  await batchWrite([], doomed);
  return page.next;
}

/** One page of a group's messages: their keys, the files among them, and the sort key to continue after. */
export interface GroupLogPage {
  messages: Key[];
  files: { id: string; objectKey: string }[];
  next: string | undefined;
}

export async function groupLogPage(
  groupKey: GroupKey,
  after: string | undefined,
  limit: number,
): Promise<GroupLogPage> {
  const page = await partitionPage(keys.groupMessage(groupKey, '').pk, after, limit);
  return {
    messages: page.items.map(({ pk, sk }) => ({ pk, sk })),
    files: page.items
      .filter((item) => typeof item.objectKey === 'string')
      .map((item) => ({ id: String(item.id), objectKey: String(item.objectKey) })),
    next: page.next,
  };
}

/** Deletes a page of a group's messages and the records of its files (their objects go first: the caller's). */
export async function forgetGroupLogPage(page: GroupLogPage): Promise<void> {
  await batchWrite([], [...page.messages, ...page.files.map((file) => keys.file(file.id))]);
}

/**
 * Marks that `user` left each of `groups` at `cursor` (a caught-up device went away), until `expiresAt` (epoch
 * seconds): a group message made before it and not pushed to them waits for them (departuresAfter).
 */
export async function markDepartures(
  groups: readonly GroupKey[],
  cursor: string,
  user: UserKey,
  expiresAt: number,
): Promise<void> {
  await batchWrite(groups.map((group) => ({ ...keys.groupDeparture(group, cursor, user), user, expiresAt })));
}
