/**
 * Offline delivery packs several pushes into one frame: `{"event":"BATCH","id":<first id>,"events":[…]}`, at most
 * 32 KB (API Gateway bills a message per 32 KB, and fewer frames mean fewer sequential posts). A single push goes as
 * itself. Clients tell a batch apart by its `event`.
 */
import { encodePush, type PushEvent } from '../protocol/replies.js';

export const BATCH_FRAME_BYTES = 32 * 1024;

export function frameOf(pushes: readonly PushEvent[]): string {
  const [first] = pushes;
  if (!first) throw new Error('a frame needs at least one push');
  if (pushes.length === 1) return encodePush(first);
  return encodePush({ event: 'BATCH', id: first.id, events: [...pushes] });
}

/** Bytes a push adds to a batch frame (its JSON and a comma). */
export function batchBytes(push: PushEvent): number {
  return Buffer.byteLength(JSON.stringify(push), 'utf8') + 1;
}

/** The envelope of a batch frame around its events. */
export const BATCH_OVERHEAD_BYTES = 80;
