/**
 * Messages: the durable copy of every message (the conversation history), and what still waits for a user.
 * A private message waits as an inbox item; a group message is stored once and waits through its `pending` set.
 */
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { idFloor } from '../ids.js';
import { db, TABLE } from './client.js';
import { directPk, keys, prefixes } from './keys.js';
import { batchWrite, type Item, queryAll } from './table.js';

/** What a push says, stored as it will be sent (files add a fresh link when sent; see shared/push). */
export type StoredEvent = { event: string; id: string; [field: string]: unknown };

/** How far back an AUTH looks for group messages that were written while the previous AUTH ran. */
export const GROUP_CURSOR_SLACK_MS = 60_000;

export async function storeDirectMessage(from: string, to: string, event: StoredEvent): Promise<void> {
  await db.send(
    new PutCommand({ TableName: TABLE, Item: { ...keys.directMessage(from, to, event.id), ...event } }),
  );
}

/** Stores a group message once; `pending` names the members it could not be pushed to. */
export async function storeGroupMessage(groupKey: string, event: StoredEvent, pending: readonly string[]) {
  await db.send(
    new PutCommand({
      TableName: TABLE,
      Item: {
        ...keys.groupMessage(groupKey, event.id),
        ...event,
        ...(pending.length ? { pending: new Set(pending) } : {}),
      },
    }),
  );
}

/** Members whose every push came back 410 wait for the message too: one write, whatever their number. */
export async function addPending(groupKey: string, id: string, users: readonly string[]): Promise<void> {
  if (users.length === 0) return;
  await db.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: keys.groupMessage(groupKey, id),
      UpdateExpression: 'ADD pending :users',
      ExpressionAttributeValues: { ':users': new Set(users) },
    }),
  );
}

export async function queueForLater(userKey: string, event: StoredEvent): Promise<void> {
  await db.send(new PutCommand({ TableName: TABLE, Item: { ...keys.inbox(userKey, event.id), event } }));
}

export interface Waiting {
  event: StoredEvent;
  /** Where it waits, so it can be marked delivered. */
  source: { kind: 'inbox'; userKey: string } | { kind: 'group'; groupKey: string };
}

/** Everything waiting for a user, oldest first: the inbox, and group messages still pending for them. */
export async function readWaiting(
  userKey: string,
  groupKeys: readonly string[],
  groupCursor: string | undefined,
) {
  const after = `${prefixes.message}${groupCursor ?? ''}`;
  const [inbox, ...groups] = await Promise.all([
    queryAll(keys.inbox(userKey, '').pk, { beginsWith: prefixes.message }),
    ...groupKeys.map((groupKey) =>
      queryAll(keys.groupMessage(groupKey, '').pk, {
        after,
        filter: { FilterExpression: 'contains(pending, :me)', ExpressionAttributeValues: { ':me': userKey } },
      }),
    ),
  ]);
  const waiting: Waiting[] = [
    ...(inbox ?? []).map((item) => ({
      event: item.event as StoredEvent,
      source: { kind: 'inbox' as const, userKey },
    })),
    ...groups.flatMap((items, i) =>
      items.map((item) => ({
        event: eventOf(item),
        source: { kind: 'group' as const, groupKey: groupKeys[i] as string },
      })),
    ),
  ];
  return waiting.sort((a, b) => (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0));
}

function eventOf(item: Item): StoredEvent {
  const { pk: _pk, sk: _sk, pending: _pending, ...event } = item;
  return event as StoredEvent;
}

/** Marks waiting messages as delivered to `userKey`, so no later AUTH sends them again. */
export async function markDelivered(userKey: string, delivered: readonly Waiting[]): Promise<void> {
  const inboxKeys = delivered
    .filter((w) => w.source.kind === 'inbox')
    .map((w) => keys.inbox(userKey, w.event.id));
  await Promise.all([
    batchWrite([], inboxKeys),
    ...delivered.flatMap((w) =>
      w.source.kind === 'group'
        ? [
            db.send(
              new UpdateCommand({
                TableName: TABLE,
                Key: keys.groupMessage(w.source.groupKey, w.event.id),
                UpdateExpression: 'DELETE pending :me',
                ExpressionAttributeValues: { ':me': new Set([userKey]) },
              }),
            ),
          ]
        : [],
    ),
  ]);
}

/** The cursor an AUTH leaves behind: group messages older than this were already looked at. */
export function nextGroupCursor(now: number): string {
  return idFloor(now - GROUP_CURSOR_SLACK_MS);
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
