/**
 * What a block changes for the commands that reach one user: a user who blocked the caller is, for the caller's
 * SEND, SEND_ID, SEND_FILE, TYPING, READ and GROUP_INVITE, a user who does not exist (`unknown_recipient`, exactly as
 * for a name nobody has). The block's one GetItem, keyed by (recipient, caller), starts as soon as the caller's
 * session is read, beside the command's own read of the recipient.
 */
import { isBlocked } from '../data/blocks.js';
import { readPair } from '../data/conversations.js';
import type { UserKey } from '../protocol/names.js';
import { CommandError } from '../protocol/replies.js';
import type { Caller } from './context.js';

/** Fails with `unknown_recipient` when `recipientKey` blocked the caller. */
export async function refuseIfBlocked(caller: Promise<Caller>, recipientKey: UserKey): Promise<void> {
  const { key } = await caller;
  if (key !== recipientKey && (await isBlocked(recipientKey, key)))
    throw new CommandError('unknown_recipient');
}

/**
 * The same check for a private message, reading in the same BatchGetItem both users' conversation heads
 * (shared/data/conversations.ts), which the delivery needs to know whether the conversation lists move.
 */
export async function refuseIfBlockedReadHeads(
  caller: Promise<Caller>,
  recipientKey: UserKey,
): Promise<ReadonlyMap<UserKey, string>> {
  const { key } = await caller;
  const pair = await readPair(key, recipientKey);
  if (pair.blocked) throw new CommandError('unknown_recipient');
  return pair.heads;
}
