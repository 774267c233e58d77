/**
 * A message no device of the recipient took waits in their inbox. The inbox item is written first and the
 * recipient's devices are looked up again afterwards: a login that began meanwhile either finds the item when its
 * catch-up reads the inbox, or is found here and pushed to (then the item goes). Nothing falls between the two.
 * True when a device took it after all (it is delivered), false when it waits.
 */
import { readUserConnections } from '../data/connections.js';
import { deleteInbox, putInbox, type StoredEvent } from '../data/messages.js';
import type { Key } from '../data/table.js';
import type { UserKey } from '../protocol/names.js';
import type { PushEvent } from '../protocol/replies.js';
import { type Fence, pushToAll } from '../push/deliver.js';

export async function leaveWaiting(
  endpoint: string,
  userKey: UserKey,
  message: Key,
  event: StoredEvent,
  push: PushEvent,
  now: number,
  tried: ReadonlySet<string> = new Set(),
  fence?: Fence,
): Promise<boolean> {
  await putInbox(userKey, message, event.id);
  // Devices already tried for this message are not tried again (a hung one would only hang again).
  const connections = (await readUserConnections(userKey, now)).filter((c) => !tried.has(c.connectionId));
  if (connections.length === 0) return false;
  // A group message's push is fenced from the membership read that let it wait (shared/delivery/group.ts).
  const unreached = await pushToAll(endpoint, connections, push, fence);
  if (unreached.has(userKey)) return false;
  await deleteInbox(userKey, [event.id]);
  return true;
}
