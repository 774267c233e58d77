/** Turns a stored event into the push a client receives, at the moment it is sent. */
import type { StoredEvent } from '../data/messages.js';
import type { PushEvent } from '../protocol/replies.js';

export async function renderEvent(event: StoredEvent, _now: number): Promise<PushEvent> {
  return event as PushEvent;
}
