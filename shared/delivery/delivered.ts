/**
 * "Delivered" receipts (issue 23): a private message that waited for its recipient reached one of their devices when
 * a catch-up frame carrying it was pushed and marked. The frame's senders are then told, on their live devices:
 * `{"event":"DELIVERED","id":"<new>","by":"<recipient>","upTo":"<newest of their messages in the frame>"}` (READ's
 * shape). Off SEND's path, on the worker; a sender blocked either way since, or a name's earlier owner's message,
 * tells nothing. Best effort: a failed receipt is logged, and never holds up or repeats the catch-up.
 */
import { mapLimit } from '../concurrency.js';
import { blockedAmong } from '../data/blocks.js';
import type { StoredEvent } from '../data/messages.js';
import { readAccount } from '../data/users.js';
import { newId } from '../ids.js';
import { log } from '../log.js';
import { type UserKey, userKeyOf } from '../protocol/names.js';
import { pushToAll } from '../push/deliver.js';
import { startFrom } from './name-reuse.js';

/** Senders told at once (a frame of short messages can hold hundreds of senders). */
const SENDERS_AT_ONCE = 16;

/** Per sender (user key), the newest of their private messages among `events` (the recipient's own left out). */
export function newestBySender(
  user: UserKey,
  events: readonly (StoredEvent | undefined)[],
): Map<UserKey, string> {
  const newest = new Map<UserKey, string>();
  for (const event of events) {
    if (!event || (event.event !== 'MESSAGE' && event.event !== 'FILE') || typeof event.from !== 'string')
      continue;
    const sender = userKeyOf(event.from);
    if (sender !== user && event.id > (newest.get(sender) ?? '')) newest.set(sender, event.id);
  }
  return newest;
}

/**
 * Tells each sender of a delivered frame's private messages (`newest`, from newestBySender) on their live devices.
 * Requests: one BatchGetItem (s) of the blocks both ways, then per sender one Query (s) of their account head and
 * the pushes, 16 senders at a time.
 */
export async function tellDelivered(
  endpoint: string,
  recipient: { key: UserKey; name: string },
  newest: ReadonlyMap<UserKey, string>,
  now: number,
): Promise<void> {
  if (newest.size === 0) return;
  try {
    const blocked = await blockedAmong(recipient.key, [...newest.keys()], true);
    await mapLimit(
      [...newest].filter(([sender]) => !blocked.has(sender)),
      SENDERS_AT_ONCE,
      async ([sender, upTo]) => {
        const account = await readAccount(sender, now, false, true);
        // The name's present owner must own the message: an earlier owner's waiting message tells nobody.
        if (!account.profile || upTo < startFrom([account.profile.createdAt])) return;
        if (account.connections.length === 0) return;
        await pushToAll(endpoint, account.connections, {
          event: 'DELIVERED',
          id: newId(now),
          by: recipient.name,
          upTo,
        });
      },
    );
  } catch (error) {
    log.warn('delivered: could not tell the senders', { user: recipient.key, error });
  }
}
