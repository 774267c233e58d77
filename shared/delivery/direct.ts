/**
 * A private message or file: stored first (a failed store is never pushed), then pushed to every live device of the
 * recipient; if none took it, it waits in their inbox for the next login. Beside it, both users' conversation lists
 * move when the message is the conversation's first of its hour (./conversations.ts).
 */
import type { Connection } from '../data/connections.js';
import { type StoredEvent, storeDirectMessage } from '../data/messages.js';
import { metrics } from '../metrics.js';
import { pushToAll } from '../push/deliver.js';
import { noteActivity } from './conversations.js';
import { renderEvent } from './render.js';
import { leaveWaiting } from './waiting.js';

export async function deliverDirect(
  endpoint: string,
  fromKey: string,
  toKey: string,
  connections: readonly Connection[],
  event: StoredEvent,
  now: number,
  heads?: ReadonlyMap<string, string>,
): Promise<void> {
  const pair = { fromKey, toKey, from: String(event.from), to: String(event.to) };
  await Promise.all([
    storeAndPush(endpoint, fromKey, toKey, connections, event, now),
    noteActivity(pair, event.id, heads),
  ]);
}

async function storeAndPush(
  endpoint: string,
  fromKey: string,
  toKey: string,
  connections: readonly Connection[],
  event: StoredEvent,
  now: number,
): Promise<void> {
  const message = await storeDirectMessage(fromKey, toKey, event);
  const push = await renderEvent(event, now);
  metrics.sample('FanOutSize', 1);
  if (connections.length > 0 && !(await pushToAll(endpoint, connections, push)).has(toKey)) return;
  metrics.count('MessagesQueued');
  const tried = new Set(connections.map((c) => c.connectionId));
  await leaveWaiting(endpoint, toKey, message, event, push, now, tried);
}
