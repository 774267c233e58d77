/**
 * Which requests may be sent again when the connection dropped while they were in flight (the answer lost, so
 * nobody knows whether the server acted). Read-only and idempotent requests are resent; the rest (a message, an
 * inline file, REGISTER, GROUP_CREATE, GROUP_LEAVE, anything unknown) are never resent blindly.
 */

const SAFE_TO_RESEND = new Set([
  'PING',
  // Read-only; ObrolClient.limits() asks it before a file is sent.
  'HELP',
  'AUTH',
  'LOGOUT',
  'GROUPS',
  'CONVERSATIONS',
  'GROUP_MEMBERS',
  'GROUP_JOIN',
  'HISTORY',
  'GROUP_HISTORY',
  'INBOX',
  'FILE_URL',
  // Issue 12: a send carrying the client's own id is idempotent by design.
  'SEND_ID',
  'SEND_GROUP_ID',
  // Issue 12: an invitation still pending is not sent again.
  'GROUP_INVITE',
  // Issue 22: blocking twice or unblocking twice changes nothing the second time; BLOCKED only reads.
  'BLOCK',
  'UNBLOCK',
  'BLOCKED',
]);

/** The request word of a protocol line, upper-cased (`send bob hi` → `SEND`). */
export function commandWord(line: string): string {
  return (line.trim().split(/\s+/, 1)[0] ?? '').toUpperCase();
}

/**
 * Requests that change who this connection is logged in as: the client sends them alone, after every earlier answer
 * and before any later request, since API Gateway may run two requests of one connection side by side.
 */
// RESUME logs in as AUTH does (by token), and SESSION_END comes just before a LOGOUT: neither overtakes nor is overtaken.
const CHANGES_LOGIN = new Set(['AUTH', 'RESUME', 'SESSION_END', 'LOGOUT', 'DELETE_ACCOUNT']);

/** Requests that only read: they may overtake, and be overtaken by, any other request but a login change. */
const READ_ONLY = new Set([
  'PING',
  'HELP',
  'GROUPS',
  'CONVERSATIONS',
  'GROUP_MEMBERS',
  'HISTORY',
  'GROUP_HISTORY',
  'INBOX',
  'FILE_URL',
  'WHO',
  'STATUS',
]);

/**
 * How a request goes out beside others: `alone` (a login change), `ordered` (it acts: sends, edits, group changes;
 * such requests go one after the other, so two messages are stored in the order they were sent), or `free` (it
 * only reads: it is sent at once, so a slow HISTORY page never holds up a SEND).
 */
export type Lane = 'alone' | 'ordered' | 'free';

export function laneOf(line: string): Lane {
  const word = commandWord(line);
  if (CHANGES_LOGIN.has(word)) return 'alone';
  return READ_ONLY.has(word) ? 'free' : 'ordered';
}

/** True when sending `line` twice does no more than sending it once. */
export function safeToResend(line: string): boolean {
  const word = commandWord(line);
  if (SAFE_TO_RESEND.has(word)) return true;
  // SEND_FILE / SEND_GROUP_FILE without content only asks for an upload form; an unused form is forgotten.
  if (word === 'SEND_FILE' || word === 'SEND_GROUP_FILE') return line.trim().split(/ +/).length === 3;
  return false;
}

/** The request was in flight when the connection dropped and is not safe to resend: it may or may not have acted. */
export class LostRequestError extends Error {
  /** Only the request word is kept (a REGISTER line holds a password). */
  readonly command: string;
  constructor(line: string) {
    super('the connection dropped before the answer came; the request may or may not have taken effect');
    this.command = commandWord(line);
    this.name = 'LostRequestError';
  }
}

/**
 * The request is larger than the largest frame the server takes (API Gateway closes the connection with 1009 on a
 * larger one), so it was not sent. Only the request word is kept.
 */
export class FrameTooLargeError extends Error {
  readonly command: string;
  constructor(
    line: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`the request is ${bytes} bytes, over the ${maxBytes}-byte frame limit: not sent`);
    this.command = commandWord(line);
    this.name = 'FrameTooLargeError';
  }
}

/** The client was closed (close()) before the request was answered. */
export class ClientClosedError extends Error {
  constructor() {
    super('the client is closed');
    this.name = 'ClientClosedError';
  }
}
