/**
 * Messages: the durable copy of every message (the conversation history, which is also the group's delivery log),
 * and the inbox: pointers to messages that wait for one user. No item names more than one recipient.
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { db, TABLE } from './client.js';
import { directPk, keys, prefixes } from './keys.js';
import { batchGet, batchWrite, type Item, type Key, queryRange } from './table.js';

/** What a push says, stored as it will be sent (files add a fresh link when sent; see shared/push). */
export type StoredEvent = { event: string; id: string; [field: string]: unknown };

export async function storeDirectMessage(from: string, to: string, event: StoredEvent): Promise<Key> {
  const key = keys.directMessage(from, to, event.id);
  await db.send(new PutCommand({ TableName: TABLE, Item: { ...key, ...event } }));
  return key;
}

/** Stores a group message once, for every member: nothing in it grows with the group. */
export async function storeGroupMessage(groupKey: string, event: StoredEvent): Promise<Key> {
  const key = keys.groupMessage(groupKey, event.id);
  await db.send(new PutCommand({ TableName: TABLE, Item: { ...key, ...event } }));
  return key;
}

/** A stored group message, read strongly (fan-out must see the message its job names). */
export async function readGroupMessage(groupKey: string, id: string): Promise<StoredEvent | undefined> {
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
export async function putInbox(userKey: string, message: Key, id: string): Promise<void> {
  await db.send(
    new PutCommand({
      TableName: TABLE,
      Item: { ...keys.inbox(userKey, id), ref: { pk: message.pk, sk: message.sk } },
    }),
  );
}

export async function deleteInbox(userKey: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 1) {
    await db.send(new DeleteCommand({ TableName: TABLE, Key: keys.inbox(userKey, ids[0] as string) }));
  } else if (ids.length > 1) {
    await batchWrite(
      [],
      ids.map((id) => keys.inbox(userKey, id)),
    );
  }
}

export interface Waiting {
  id: string;
  /** The stored message, or undefined when it no longer exists. */
  event: StoredEvent | undefined;
}

/** One page of the user's inbox (oldest first, after `after`), with the messages it points to. */
export async function inboxPage(userKey: string, after: string | undefined, limit: number) {
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
    return { id: item.sk.slice(prefixes.message.length), event: found ? eventOf(found) : undefined };
  });
  return { waiting, more: page.next !== undefined };
}

/** One page of a group's messages with ids in (after, upTo], oldest first, read strongly. */
export async function groupLogPage(groupKey: string, after: string, upTo: string, limit: number) {
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
  return { events: events.slice(0, limit), more: events.length > limit };
}

export function directHistory(a: string, b: string, before: string | undefined, limit: number) {
  return historyOf(directPk(a, b), before, limit);
}

export function groupHistory(groupKey: string, before: string | undefined, limit: number) {
  return historyOf(keys.groupMessage(groupKey, '').pk, before, limit);
}
