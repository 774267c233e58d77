/**
 * Turns a stored event into the push a client receives, at the moment it is sent. A file event is stored with its
 * object key and sent with a freshly signed link instead, so a push delivered late never carries a stale link.
 */
import { signDownload } from '../bucket/s3.js';
import type { StoredEvent } from '../data/messages.js';
import type { PushEvent } from '../protocol/replies.js';

export async function renderEvent(event: StoredEvent, now: number): Promise<PushEvent> {
  // A stored `expiresAt` is the table's TTL (an invitation's), never part of the push.
  const { objectKey, expiresAt: _ttl, ...visible } = event;
  // A deleted file's tombstone keeps its key (to finish an interrupted DELETE) but has no file to link to.
  if (typeof objectKey !== 'string' || event.deleted === true) return visible as PushEvent;
  const link = await signDownload(objectKey, String(event.filename), now);
  return { ...visible, url: link.url, expiresAt: link.expiresAt } as PushEvent;
}
