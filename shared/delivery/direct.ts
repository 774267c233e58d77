/**
 * A private message or file: stored first (a failed store is never pushed), then pushed to every live device of the
 * recipient; if none took it, it waits in their inbox for the next login. Beside it, both users' conversation lists
 * move when the message is the conversation's first of its hour (./conversations.ts).
 */
import type { Connection } from '../data/connections.js';
import { type StoredEvent, storeDirectMessage } from '../data/messages.js';
import { metrics } from '../metrics.js';
import type { UserKey } from '../protocol/names.js';
import { pushToAll } from '../push/deliver.js';
import { type ConversationPair, noteActivity } from './conversations.js';
import { renderEvent } from './render.js';
import { leaveWaiting } from './waiting.js';

/** A private message (or file) to deliver: from whom to whom (keys), the recipient's live devices as read, when. */
export interface DirectDelivery {
  endpoint: string;
  fromKey: UserKey;
  toKey: UserKey;
  connections: readonly Connection[];
  event: StoredEvent;
  now: number;
}

/**
 * Delivers it (true when a device of the recipient took it) and moves the conversation beside it; `heads`: the
 * conversation heads as read with the block (SEND, SEND_FILE; undefined: read here). deliverToGroup (./group.ts) is
 * the same for a group.
 */
export async function deliverToUser(
  delivery: DirectDelivery,
  heads?: ReadonlyMap<UserKey, string>,
): Promise<boolean> {
  const { fromKey, toKey, event } = delivery;
  const pair: ConversationPair = { fromKey, toKey, from: String(event.from), to: String(event.to) };
  const [delivered] = await Promise.all([storeAndPush(delivery), noteActivity(pair, event.id, heads)]);
  return delivered;
}

/** Stores, then pushes: true when a device of the recipient took it (delivered), false when it waits for them. */
async function storeAndPush({
  endpoint,
  fromKey,
  toKey,
  connections,
  event,
  now,
}: DirectDelivery): Promise<boolean> {
  const message = await storeDirectMessage(fromKey, toKey, event);
  const push = await renderEvent(event, now);
  metrics.sample('FanOutSize', 1);
  // pushToAll answers the users it did not reach.
  if (connections.length > 0 && !(await pushToAll(endpoint, connections, push)).has(toKey)) return true;
  metrics.count('MessagesQueued');
  const tried = new Set(connections.map((c) => c.connectionId));
  return leaveWaiting(endpoint, toKey, message, event, push, now, tried);
}
