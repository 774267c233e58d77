/**
 * Delivering a stored event (a message or a file) to its audience: store it durably, push it to every live device,
 * and leave it waiting for whoever no push reached. Used by SEND, SEND_GROUP, the file commands and the upload handler.
 */
import type { Connection } from './data/connections.js';
import type { Group } from './data/groups.js';
import {
  addPending,
  queueForLater,
  type StoredEvent,
  storeDirectMessage,
  storeGroupMessage,
} from './data/messages.js';
import { pushToAll } from './push/deliver.js';
import { renderEvent } from './push/render.js';

export async function deliverDirect(
  endpoint: string,
  fromKey: string,
  toKey: string,
  connections: readonly Connection[],
  event: StoredEvent,
  now: number,
): Promise<void> {
  const push = await renderEvent(event, now);
  const [, unreached] = await Promise.all([
    storeDirectMessage(fromKey, toKey, event),
    pushToAll(endpoint, connections, push),
  ]);
  if (connections.length === 0 || unreached.has(toKey)) await queueForLater(toKey, event);
}

/** Stores the event once and pushes it to every member but the sender; the rest wait in its `pending` set. */
export async function deliverToGroup(
  endpoint: string,
  groupKey: string,
  group: Group,
  senderKey: string,
  event: StoredEvent,
  now: number,
): Promise<void> {
  const targets = group.connections.filter((c) => c.user !== senderKey);
  const online = new Set(targets.map((c) => c.user));
  const offline = [...group.members.keys()].filter((user) => user !== senderKey && !online.has(user));
  const push = await renderEvent(event, now);
  const [, unreached] = await Promise.all([
    storeGroupMessage(groupKey, event, offline),
    pushToAll(endpoint, targets, push),
  ]);
  await addPending(groupKey, event.id, [...unreached]);
}
