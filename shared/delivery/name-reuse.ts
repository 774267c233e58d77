/**
 * Where a reused name's messages start. Conversations are keyed by names, and a deleted account's name is free again
 * after NAME_RESERVED_MS (shared/data/users.ts): each account incarnation owns only the ids from its creation on.
 */
import { creationTimes } from '../data/users.js';
import { idFloor } from '../ids.js';
import type { UserKey } from '../protocol/names.js';

/**
 * Slack below an account's creation for clocks of different Lambda containers: a message sent right after REGISTER
 * may carry an id a little older than `createdAt`. Far below NAME_RESERVED_MS, so an earlier owner's messages (all
 * sent before their deletion, at least 30 days before the name could be registered again) stay out.
 */
const NAME_REUSE_SLACK_MS = 3600 * 1000;

/**
 * Where the private conversation of two users begins: the smallest message id it shows. Conversations are keyed by
 * names (`DM#a#b`), and a deleted account's name is free again after NAME_RESERVED_MS; bounding the conversation by
 * both accounts' creation keeps a name's earlier owner's messages (and read cursor) from the new owner and from the
 * other side's view of the new account. One BatchGetItem of the two profiles (a tombstone keeps its `createdAt`).
 */
export async function conversationStart(a: UserKey, b: UserKey): Promise<string> {
  return startFrom(await creationTimes(a === b ? [a] : [a, b]));
}

/**
 * The id floor of the latest of the creation times (ISO strings; anything else is ignored), less the name-reuse
 * slack.
 */
export function startFrom(createdAts: readonly unknown[]): string {
  const times = createdAts.filter((at) => typeof at === 'string').map((at) => Date.parse(at));
  const latest = Math.max(0, ...times.filter((ms) => Number.isFinite(ms)));
  return idFloor(latest - NAME_REUSE_SLACK_MS);
}
