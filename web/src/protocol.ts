/**
 * The wire format, as pure functions: frames end in CR LF CR LF; an answer has `status`, a push has `event`;
 * a BATCH push carries several pushes; the same push may arrive twice (drop it by `id`).
 * (A thin stand-in for the shared protocol-client module in client/; docs/CLIENTS.md says what the page needs.)
 */

export const FRAME_END = '\r\n\r\n';

export interface UploadForm {
  id: string;
  url: string;
  fields: Record<string, string>;
  maxBytes: number;
  expiresAt: string;
}

export interface Answer {
  status: 'OK' | 'ERROR';
  data: unknown;
  reason?: string;
  next?: string;
  upload?: UploadForm;
  /** The stored message's id, once the server sends it (issue 12); absent today. */
  id?: string;
}

export interface Push {
  event: string;
  id: string;
  [field: string]: unknown;
}

/** Splits the text received so far into complete frames and the unfinished rest. */
export function splitFrames(buffer: string): { frames: string[]; rest: string } {
  const parts = buffer.split(FRAME_END);
  const rest = parts.pop() ?? '';
  return { frames: parts.filter((p) => p.trim() !== ''), rest };
}

export type Decoded = { kind: 'answer'; answer: Answer } | { kind: 'pushes'; pushes: Push[] } | undefined;

/** One frame: an answer, or the pushes it carries (a BATCH unpacked, oldest first); undefined if unreadable. */
export function decodeFrame(text: string): Decoded {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object') return undefined;
  const frame = value as Record<string, unknown>;
  if (typeof frame.event === 'string') return { kind: 'pushes', pushes: unpack(frame as Push) };
  if (frame.status === 'OK' || frame.status === 'ERROR')
    return { kind: 'answer', answer: frame as unknown as Answer };
  // API Gateway's own failure frame ({"message":"Internal server error"}) answers the request too.
  if (typeof frame.message === 'string') {
    return { kind: 'answer', answer: { status: 'ERROR', data: frame.message, reason: 'internal_error' } };
  }
  return undefined;
}

function unpack(push: Push): Push[] {
  if (push.event !== 'BATCH') return [push];
  const events = Array.isArray(push.events) ? push.events : [];
  return events.filter((e): e is Push => !!e && typeof e === 'object' && typeof e.event === 'string');
}

/** Remembers the last `capacity` push ids; `fresh(id)` is true only the first time an id is seen. */
export class SeenIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity = 5000) {}
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

/** Back-off before reconnect attempt `n` (0-based): 0.5 s doubling to 30 s, with up to 30% jitter. */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = Math.min(30_000, 500 * 2 ** attempt);
  return Math.round(base * (0.7 + 0.3 * random()));
}

/** A file name the protocol accepts: one token, no slashes or control characters, at most 255 bytes. */
export function safeFileName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed.
  let cleaned = name.replace(/[\u0000-\u001f\u007f/\\]/g, '').replace(/\s+/g, '_');
  if (cleaned === '' || cleaned === '.' || cleaned === '..') cleaned = 'file';
  while (new TextEncoder().encode(cleaned).length > 255) cleaned = cleaned.slice(0, -1);
  return cleaned;
}

/** Inline files (base64 in the frame) up to 90 KiB; larger and empty ones go through the upload form. */
export const INLINE_MAX_BYTES = 92_160;

export function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
