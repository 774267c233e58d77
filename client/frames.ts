/**
 * The wire format as small pure pieces: frames end in CR LF CR LF, an answer has `status`, a push has `event`,
 * a BATCH push carries several pushes (oldest first), and the same push may arrive twice (drop it by `id`).
 */
import type { Answer, Push } from './types.js';

export const FRAME_END = '\r\n\r\n';

/**
 * Collects received chunks (strings, or bytes cut anywhere, even inside a UTF-8 character) and hands out the
 * complete frames; the unfinished tail waits for the next chunk.
 */
export class FrameSplitter {
  private buffer = '';
  private readonly decoder = new TextDecoder();

  push(chunk: string | ArrayBuffer | Uint8Array): string[] {
    this.buffer +=
      typeof chunk === 'string'
        ? chunk
        : this.decoder.decode(chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk), { stream: true });
    const parts = this.buffer.split(FRAME_END);
    this.buffer = parts.pop() ?? '';
    return parts.filter((part) => part.trim() !== '');
  }

  reset(): void {
    this.buffer = '';
  }
}

export type Decoded = { kind: 'answer'; answer: Answer } | { kind: 'pushes'; pushes: Push[] } | undefined;

/** One frame: an answer, or the pushes it carries (a BATCH unpacked); undefined if it is neither. */
export function decodeFrame(text: string): Decoded {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  if (typeof value.event === 'string') return { kind: 'pushes', pushes: unpack(value) };
  if (value.status === 'OK' || value.status === 'ERROR')
    return { kind: 'answer', answer: value as unknown as Answer };
  // API Gateway's own failure frame ({"message":"Internal server error"}) answers the request too.
  if (typeof value.message === 'string') {
    return { kind: 'answer', answer: { status: 'ERROR', data: value.message, reason: 'internal_error' } };
  }
  return undefined;
}

function unpack(frame: Record<string, unknown>): Push[] {
  if (frame.event !== 'BATCH') return isPush(frame) ? [frame] : [];
  const events = Array.isArray(frame.events) ? frame.events : [];
  return events.filter(isPush);
}

function isPush(value: unknown): value is Push {
  return isRecord(value) && typeof value.event === 'string' && typeof value.id === 'string';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What tells two pushes apart: their `id`, except for the pushes that name a message they change (they carry that
 * message's id): an edit is new for each `editedAt`, a deletion once.
 */
export function pushIdentity(push: { event: string; id: string }): string {
  if (push.event === 'MESSAGE_EDITED')
    return `${push.id} edited ${String((push as { editedAt?: unknown }).editedAt)}`;
  if (push.event === 'MESSAGE_DELETED') return `${push.id} deleted`;
  return push.id;
}

/** Remembers the last `capacity` push ids; `fresh(id)` is true only the first time an id is seen. */
export class SeenIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity = 10_000) {}

  fresh(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    return true;
  }
}
