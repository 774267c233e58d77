/**
 * A private message's activity in both users' conversation lists (CONVERSATIONS): each side whose head is older than
 * the message's hour moves (shared/data/conversations.ts). SEND hands in the heads it read beside the block, so a
 * message in a conversation already moved this hour costs no request at all.
 */
import { bucketOf, type Move, moveConversation, readHeads } from '../data/conversations.js';
import { idTime } from '../ids.js';
import { log } from '../log.js';
import type { UserKey } from '../protocol/names.js';

/** The two users of a private message: their keys (lower case) and their names as spelled in the event. */
export interface ConversationPair {
  fromKey: UserKey;
  toKey: UserKey;
  from: string;
  to: string;
}

/** The moves a message from `from` to `to` (names as spelled in the event) needs, given the heads read. */
export function movesFor(pair: ConversationPair, id: string, heads: ReadonlyMap<UserKey, string>): Move[] {
  const bucket = bucketOf(idTime(id));
  const sides: Move[] = [{ user: pair.fromKey, other: pair.toKey, username: pair.to, bucket }];
  if (pair.toKey !== pair.fromKey)
    sides.push({ user: pair.toKey, other: pair.fromKey, username: pair.from, bucket });
  return sides.filter((side) => (heads.get(side.user) ?? '') < bucket);
}

/**
 * Moves both sides as needed (`heads`: as read with the block; undefined: read here). A failure is logged and does not
 * fail the send: the message is stored and pushed, and the conversation moves with its next message.
 */
export async function noteActivity(
  pair: ConversationPair,
  id: string,
  heads: ReadonlyMap<UserKey, string> | undefined,
): Promise<void> {
  try {
    const read = heads ?? (await readHeads(pair.fromKey, pair.toKey));
    await Promise.all(movesFor(pair, id, read).map(moveConversation));
  } catch (error) {
    log.warn('conversations: could not move a conversation', { from: pair.fromKey, to: pair.toKey, error });
  }
}
