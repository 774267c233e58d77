/**
 * Every answer the service gives: the spec's Indonesian `data` strings and the stable `reason` codes.
 * docs/PROTOCOL.md lists the same table for client authors.
 */

export const REASONS = [
  'unknown_request',
  'bad_request',
  'not_authenticated',
  'invalid_credentials',
  'too_many_attempts',
  'rate_limited',
  'username_taken',
  'unknown_recipient',
  'unknown_group',
  'unknown_file',
  'not_a_member',
  'group_exists',
  'group_full',
  'too_many_groups',
  'too_large',
  'not_available',
  'internal_error',
  'not_allowed',
  'too_many_watches',
  'not_owner',
  'not_invited',
  'unknown_message',
  'too_late',
  'not_editable',
  'client_id_reused',
  'login_conflict',
  'too_many_watchers',
  'too_many_blocks',
] as const;

export type Reason = (typeof REASONS)[number];

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };

export type Reply =
  | { status: 'OK'; data: Json; [extra: string]: Json | undefined }
  | { status: 'ERROR'; data: string; reason: Reason; retryAfter?: number; tag?: string };

export const FRAME_END = '\r\n\r\n';

/**
 * API Gateway's limit for one message (128 KB), in either direction: the most one answer or one push may hold.
 * API Gateway sends a longer message than MAX_CLIENT_FRAME_BYTES as several frames, so this is the bound for what
 * the service sends.
 */
export const MAX_FRAME_BYTES = 128 * 1024;

/**
 * API Gateway's limit for one WebSocket frame (32 KB). A client frame over it closes the connection with 1009, and
 * browsers, Node's WebSocket and `ws` send every message as one frame: this is the most a client may send.
 * HELP tells clients (`maxFrameBytes`).
 */
export const MAX_CLIENT_FRAME_BYTES = 32 * 1024;

export const UNKNOWN_REQUEST = 'request tidak dikenali';

export function ok(data: Json, extra: Record<string, Json> = {}): Reply {
  return { status: 'OK', data, ...extra };
}

export function fail(data: string, reason: Reason, extra: { retryAfter?: number } = {}): Reply {
  return { status: 'ERROR', data, reason, ...extra };
}

/** A typed failure a command throws; the dispatcher turns it into the command's failure reply. */
export class CommandError extends Error {
  constructor(
    readonly reason: Reason,
    /** Seconds after which trying again may succeed (limits). */
    readonly extra: { retryAfter?: number } = {},
  ) {
    super(reason);
    this.name = 'CommandError';
  }
}

/** The answer to a tagged request carries its tag, as the last field (docs/PROTOCOL.md, *Request tags*). */
export function withTag(reply: Reply, tag: string | undefined): Reply {
  return tag === undefined ? reply : { ...reply, tag };
}

/** One response frame: JSON, then CR LF CR LF. JSON.stringify escapes every control character, so the terminator can never appear inside. */
export function encodeReply(reply: Reply): string {
  return JSON.stringify(reply) + FRAME_END;
}

export function fitsInFrame(reply: Reply): boolean {
  // Stryker disable next-line StringLiteral: UTF-8 is also what Buffer.byteLength counts without an encoding.
  return Buffer.byteLength(encodeReply(reply), 'utf8') <= MAX_FRAME_BYTES;
}

/** Room for a list in one answer frame, leaving space for the envelope around it. */
export const LIST_BUDGET_BYTES = 120 * 1024;

/** The longest prefix of `items` whose JSON fits in `budget` bytes: lists are cut, never split mid-item. */
export function prefixThatFits<T>(items: readonly T[], budget = LIST_BUDGET_BYTES): T[] {
  const kept: T[] = [];
  let bytes = 0;
  for (const item of items) {
    bytes += Buffer.byteLength(JSON.stringify(item), 'utf8') + 1;
    if (bytes > budget) break;
    kept.push(item);
  }
  return kept;
}

/** Pushes carry `event`; responses never do. */
export type PushEvent = { event: string; id: string; [field: string]: Json | undefined };

export function encodePush(push: PushEvent): string {
  return JSON.stringify(push) + FRAME_END;
}
