/**
 * Messages: the durable copy of every message (the conversation history, which is also the group's delivery log),
 * and the inbox: pointers to messages that wait for one user. No item names more than one recipient.
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import { idTime } from '../ids.js';
import type { GroupKey, UserKey } from '../protocol/names.js';
import { db, TABLE } from './client.js';
import { directPk, keys, prefixEnd, prefixes, storedGroupKey, storedUserKey } from './keys.js';
import {
  batchGet,
  batchWrite,
  epochSeconds,
  type Item,
  type Key,
  queryRange,
  unlessConditionFails,
} from './table.js';

/** What a push says, stored as it will be sent (files add a fresh link when sent; see shared/push). */
export type StoredEvent = { event: string; id: string; [field: string]: unknown };

export async function storeDirectMessage(from: UserKey, to: UserKey, event: StoredEvent): Promise<Key> {
  const key = keys.directMessage(from, to, event.id);
  await storeMessage(key, from, event);
  return key;
}

/** Stores a group message once, for every member: nothing in it grows with the group. */
export async function storeGroupMessage(
  groupKey: GroupKey,
  event: StoredEvent,
  senderKey: UserKey,
): Promise<Key> {
  const key = keys.groupMessage(groupKey, event.id);
  await storeMessage(key, senderKey, event);
  return key;
}

/**
 * The message, and beside it (in parallel: one more write, no more waiting) the pointer by which its sender's EDIT or
 * DELETE finds it from the id alone. The pointer lives as long as the edit window (and an hour), then TTL takes it.
 */
async function storeMessage(key: Key, senderKey: UserKey, event: StoredEvent): Promise<void> {
  const ref: Item = {
    ...keys.messageRef(event.id),
    from: senderKey,
    ref: { pk: key.pk, sk: key.sk },
    kind: event.event,
    expiresAt: epochSeconds(idTime(event.id) + config.editWindowSeconds * 1000 + 3600_000),
  };
  await Promise.all([
    db.send(new PutCommand({ TableName: TABLE, Item: { ...key, ...event } })),
    db.send(new PutCommand({ TableName: TABLE, Item: ref })),
  ]);
}

/** Where a message lives and who sent it: what EDIT and DELETE read first. */
export interface MessageRef {
  /** The sender's key. */
  from: UserKey;
  ref: Key;
  /** The stored event's kind: MESSAGE, GROUP_MESSAGE, FILE, GROUP_FILE. */
  kind: string;
}

/** The pointer of a message id, read strongly (an edit right after the send finds it); undefined once expired. */
export async function readMessageRef(id: string, now: number): Promise<MessageRef | undefined> {
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.messageRef(id), ConsistentRead: true }),
  );
  if (!Item || (typeof Item.expiresAt === 'number' && Item.expiresAt * 1000 <= now)) return undefined;
  return { from: storedUserKey(String(Item.from)), ref: Item.ref as Key, kind: String(Item.kind) };
}

export async function deleteMessageRef(id: string): Promise<void> {
  await db.send(new DeleteCommand({ TableName: TABLE, Key: keys.messageRef(id) }));
}

/** A stored message by key (READ checks the id belongs to the conversation), tombstones included. */
export async function readMessage(key: Key): Promise<StoredEvent | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }));
  return Item ? eventOf(Item as Item) : undefined;
}

/**
 * What a deleted message keeps: who sent it where and when, so a conversation shows where it was (and a file's object
 * key, never shown, so a DELETE interrupted before the object went can be finished).
 */
const TOMBSTONE_REMOVES = ['message', 'editedAt', 'filename', 'size', 'contentType'] as const;

/**
 * A conditional UpdateItem on one item: its attributes (as `ReturnValues` asks), or undefined when the condition
 * did not hold.
 */
async function updateIf(
  input: Omit<UpdateCommandInput, 'TableName'>,
): Promise<Record<string, unknown> | undefined> {
  const updated = await unlessConditionFails(db.send(new UpdateCommand({ TableName: TABLE, ...input })));
  return updated && (updated.Attributes ?? {});
}

/**
 * Replaces a text message's text, unless it was deleted meanwhile (the condition): the edited event as now stored,
 * or undefined. Pointers to it (inbox, group log) read it as it now is.
 */
export async function editStoredMessage(key: Key, message: string, editedAt: string) {
  const item = await updateIf({
    Key: key,
    UpdateExpression: 'SET message = :message, editedAt = :at',
    ConditionExpression: 'attribute_exists(message) AND attribute_not_exists(deleted)',
    ExpressionAttributeValues: { ':message': message, ':at': editedAt },
    ReturnValues: 'ALL_NEW',
  });
  return item ? eventOf(item as Item) : undefined;
}

/**
 * Turns a message into a tombstone (`deleted: true`, no text or file), once: the event as it was before, or undefined
 * when it was already deleted (or never stored).
 */
export async function tombstoneMessage(key: Key, deletedAt: string) {
  const names = Object.fromEntries(TOMBSTONE_REMOVES.map((name, i) => [`#r${i}`, name]));
  const item = await updateIf({
    Key: key,
    UpdateExpression: `SET deleted = :yes, deletedAt = :at REMOVE ${Object.keys(names).join(', ')}`,
    ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deleted)',
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: { ':yes': true, ':at': deletedAt },
    ReturnValues: 'ALL_OLD',
  });
  return item ? eventOf(item as Item) : undefined;
}

/** What is still to be delivered of a stored message: nothing once it is a tombstone. */
export function deliverable(event: StoredEvent | undefined): StoredEvent | undefined {
  return event && event.deleted !== true ? event : undefined;
}

/**
 * Moves `user`'s read cursor in a conversation forward to `upTo` (a conditional write: never backwards). False when
 * the cursor was already there or past it.
 */
export async function advanceReadCursor(conversationPk: string, user: UserKey, upTo: string, now: number) {
  const moved = await updateIf({
    Key: keys.readCursor(conversationPk, user),
    UpdateExpression: 'SET upTo = :upTo, readAt = :at',
    ConditionExpression: 'attribute_not_exists(upTo) OR upTo < :upTo',
    ExpressionAttributeValues: { ':upTo': upTo, ':at': new Date(now).toISOString() },
  });
  return moved !== undefined;
}

/** How far `user` has read a conversation: the id of the last message they marked read, or null. */
export async function readCursorOf(conversationPk: string, user: UserKey): Promise<string | null> {
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.readCursor(conversationPk, user) }),
  );
  return typeof Item?.upTo === 'string' ? Item.upTo : null;
}

/** A stored group message, read strongly (fan-out must see the message its job names). */
export async function readGroupMessage(groupKey: GroupKey, id: string): Promise<StoredEvent | undefined> {
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.groupMessage(groupKey, id), ConsistentRead: true }),
  );
  return Item ? eventOf(Item as Item) : undefined;
}

export function eventOf(item: Item): StoredEvent {
  const { pk: _pk, sk: _sk, ...event } = item;
  return event as StoredEvent;
}

/** Leaves a pointer to a stored message for the user's next login. Idempotent: one item per message id. */
export async function putInbox(userKey: UserKey, message: Key, id: string): Promise<void> {
  await db.send(
    new PutCommand({
      TableName: TABLE,
      Item: { ...keys.inbox(userKey, id), ref: { pk: message.pk, sk: message.sk } },
    }),
  );
}

export async function deleteInbox(userKey: UserKey, ids: readonly string[]): Promise<void> {
  if (ids.length === 1) {
    await db.send(new DeleteCommand({ TableName: TABLE, Key: keys.inbox(userKey, ids[0] as string) }));
  } else if (ids.length > 1) {
    await batchWrite(
      [],
      ids.map((id) => keys.inbox(userKey, id)),
    );
  }
}

/**
 * Deletes one page of the user's inbox pointers, read strongly (DELETE_ACCOUNT's clean-up: the messages are others'
 * history, only the pointers go). True while more remain.
 */
export async function forgetInboxPage(userKey: UserKey, limit: number): Promise<boolean> {
  const page = await queryRange(
    keys.inbox(userKey, '').pk,
    { after: prefixes.message, upTo: prefixEnd(prefixes.message) },
    { limit, consistent: true },
  );
  await deleteInbox(
    userKey,
    page.items.map((item) => item.sk.slice(prefixes.message.length)),
  );
  return page.next !== undefined;
}

export interface Waiting {
  id: string;
  /** The stored message as it now is (edited or not), or undefined when it no longer exists or was deleted. */
  event: StoredEvent | undefined;
  /** The group's key, when it points to a group message (catch-up pushes it only to a member). */
  group?: GroupKey;
}

const GROUP_LOG = keys.groupMessage('', '').pk;

/** One page of the user's inbox (oldest first, after `after`), with the messages it points to. */
export async function inboxPage(userKey: UserKey, after: string | undefined, limit: number) {
  const page = await queryRange(
    keys.inbox(userKey, '').pk,
    { after: `${prefixes.message}${after ?? ''}`, upTo: `${prefixes.message}\uffff` },
    { limit, consistent: true },
  );
  const refs = page.items.map((item) => item.ref as Key | undefined);
  const stored = await batchGet(refs.filter((ref): ref is Key => ref !== undefined));
  const byKey = new Map(stored.map((item) => [`${item.pk}\n${item.sk}`, item]));
  const waiting: Waiting[] = page.items.map((item, i) => {
    const ref = refs[i];
    const found = ref ? byKey.get(`${ref.pk}\n${ref.sk}`) : undefined;
    // A deleted message waits no more: it is as if it were gone.
    const group = ref?.pk.startsWith(GROUP_LOG) ? storedGroupKey(ref.pk.slice(GROUP_LOG.length)) : undefined;
    return {
      id: item.sk.slice(prefixes.message.length),
      event: found ? deliverable(eventOf(found)) : undefined,
      ...(group === undefined ? {} : { group }),
    };
  });
  return { waiting, more: page.next !== undefined };
}

/** One page of a group's messages with ids in (after, upTo], oldest first, read strongly. */
export async function groupLogPage(groupKey: GroupKey, after: string, upTo: string, limit: number) {
  const page = await queryRange(
    keys.groupMessage(groupKey, '').pk,
    { after: `${prefixes.message}${after}`, upTo: `${prefixes.message}${upTo}` },
    { limit, consistent: true },
  );
  return { events: page.items.map(eventOf), more: page.next !== undefined };
}

export interface HistoryPage {
  /** Newest first. */
  events: StoredEvent[];
  /** Whether older messages exist beyond this page. */
  more: boolean;
  /** The id of the newest message beyond this page, when there is one (read with the page). */
  beyond?: string;
}

/** One page of a conversation, newest first, older than `before` when given: one Query (one more item tells "more"). */
async function historyOf(pk: string, before: string | undefined, limit: number): Promise<HistoryPage> {
  const page = await db.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: before ? 'pk = :pk AND sk < :bound' : 'pk = :pk AND begins_with(sk, :bound)',
      ExpressionAttributeValues: { ':pk': pk, ':bound': `${prefixes.message}${before ?? ''}` },
      ScanIndexForward: false,
      Limit: limit + 1,
    }),
  );
  const events = ((page.Items ?? []) as Item[]).map(eventOf);
  const beyond = events[limit]?.id;
  return {
    events: events.slice(0, limit),
    more: beyond !== undefined,
    ...(beyond === undefined ? {} : { beyond }),
  };
}

/** The part of a page at or after `start` (ids sort by time, and a page is newest first): nothing older follows it. */
export function fromStart(page: HistoryPage, start: string): HistoryPage {
  const events = page.events.filter((event) => event.id >= start);
  const more = page.beyond !== undefined && page.beyond >= start;
  return more ? { events, more, beyond: page.beyond } : { events, more };
}

export function directHistory(a: UserKey, b: UserKey, before: string | undefined, limit: number) {
  return historyOf(directPk(a, b), before, limit);
}

export function groupHistory(groupKey: GroupKey, before: string | undefined, limit: number) {
  return historyOf(keys.groupMessage(groupKey, '').pk, before, limit);
}
