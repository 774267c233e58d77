/**
 * Paged listings: HISTORY / GROUP_HISTORY (newest first, `next` for older), GROUP_MEMBERS and CONVERSATIONS (`next`
 * for more).
 */
import type { Answer, Conversation, ConversationSummary, Push } from './types.js';

/** Anything that sends a protocol line and resolves with its answer (an ObrolClient, or a verify's FirstRequest). */
export type Requester = (line: string) => Promise<Answer>;

export class ListingError extends Error {
  constructor(readonly answer: Answer) {
    super(`${String(answer.data)} (${answer.reason ?? 'error'})`);
    this.name = 'ListingError';
  }
}

export function historyCommand(conversation: Conversation, before?: string): string {
  const head =
    'group' in conversation ? `GROUP_HISTORY ${conversation.group}` : `HISTORY ${conversation.user}`;
  return before ? `${head} ${before}` : head;
}

/** The last `count` messages of a conversation, **oldest first**, fetching as many pages as needed. */
export async function lastMessages(
  request: Requester,
  conversation: Conversation,
  count: number,
): Promise<Push[]> {
  const newestFirst: Push[] = [];
  let before: string | undefined;
  while (newestFirst.length < count) {
    const answer = await request(historyCommand(conversation, before));
    if (answer.status !== 'OK' || !Array.isArray(answer.data)) throw new ListingError(answer);
    newestFirst.push(...(answer.data as Push[]));
    before = answer.next;
    if (!before || answer.data.length === 0) break;
  }
  return newestFirst.slice(0, count).reverse();
}

/** Every member of a group, following `next` page by page. */
export async function allMembers(request: Requester, group: string): Promise<string[]> {
  const members: string[] = [];
  let after: string | undefined;
  for (;;) {
    const answer = await request(after ? `GROUP_MEMBERS ${group} ${after}` : `GROUP_MEMBERS ${group}`);
    if (answer.status !== 'OK' || !Array.isArray(answer.data)) throw new ListingError(answer);
    members.push(...(answer.data as string[]));
    if (!answer.next || answer.next === after || answer.data.length === 0) return members;
    after = answer.next;
  }
}

/**
 * The caller's most recent private conversations (CONVERSATIONS), newest first, up to `count`, following `next`
 * page by page. A pair listed twice across pages (a move under way) is kept once, at its newest.
 */
export async function recentConversations(request: Requester, count: number): Promise<ConversationSummary[]> {
  const byName = new Map<string, ConversationSummary>();
  let after: string | undefined;
  while (byName.size < count) {
    const answer = await request(after ? `CONVERSATIONS ${after}` : 'CONVERSATIONS');
    if (answer.status !== 'OK' || !Array.isArray(answer.data)) throw new ListingError(answer);
    for (const item of answer.data as ConversationSummary[]) {
      const known = byName.get(item.with.toLowerCase());
      if (!known || known.id < item.id) byName.set(item.with.toLowerCase(), item);
    }
    if (!answer.next || answer.next === after) break;
    after = answer.next;
  }
  return [...byName.values()].sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, count);
}

/** How far the server's clock may be behind this one, for sentMessageVerifier. */
export const CLOCK_SKEW_MS = 2_000;

/**
 * A `verify` for a SEND / SEND_GROUP whose answer was lost: true if the newest page of the conversation holds a
 * message from `me` with exactly this text, sent at or after `since` (ms; take it just before the request).
 * Limit: the same text sent twice within a couple of seconds cannot be told apart (then it counts as landed, so a
 * message may be missing but is never doubled). Issue 12's SEND_ID will make this exact.
 */
export function sentMessageVerifier(me: string, conversation: Conversation, text: string, since: number) {
  return async (request: Requester): Promise<boolean> => {
    const answer = await request(historyCommand(conversation));
    if (answer.status !== 'OK' || !Array.isArray(answer.data)) return false;
    return (answer.data as Push[]).some((push) => {
      const item = push as { from?: unknown; message?: unknown; sentAt?: unknown };
      return (
        typeof item.from === 'string' &&
        item.from.toLowerCase() === me.toLowerCase() &&
        item.message === text &&
        typeof item.sentAt === 'string' &&
        Date.parse(item.sentAt) >= since - CLOCK_SKEW_MS
      );
    });
  };
}
