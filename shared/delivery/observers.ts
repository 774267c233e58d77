/**
 * Who may see whose presence (WATCH, STATUS, and every PRESENCE event sent, since the right can end after a WATCH):
 * a user sees themselves, and anyone they share a group or a private conversation with, unless either blocked the
 * other. The items it reads are shared/data/'s (presence.ts, blocks.ts, groups.ts, users.ts).
 */
import { mapLimit } from '../concurrency.js';
import { blockedAmong, eitherBlocked } from '../data/blocks.js';
import { userGroupKeys } from '../data/groups.js';
import { prefixes } from '../data/keys.js';
import { newestMessages } from '../data/presence.js';
import { type GroupKey, type UserKey, userKeyOf } from '../protocol/names.js';
import { conversationStart } from './name-reuse.js';

/** How many of a conversation's newest messages decide whether it counts for presence (haveConversation). */
export const CONVERSATION_LOOKBACK = 20;

/**
 * Whether `viewer` and `target` have a private conversation that lets the viewer see the target's presence: among
 * its CONVERSATION_LOOKBACK newest messages since both accounts exist (conversationStart, so a reused name does not
 * inherit its earlier owner's conversations), one the target sent, or one that was not deleted (the target received
 * it, or will at their next login). A message deleted by its sender counts for nobody but its sender's side: a
 * stranger who sends one and deletes it before it arrives gains nothing. One Query (Limit CONVERSATION_LOOKBACK,
 * newest first) beside one BatchGetItem of the two profiles.
 */
async function haveConversation(viewer: UserKey, target: UserKey): Promise<boolean> {
  const [items, start] = await Promise.all([
    newestMessages(viewer, target, CONVERSATION_LOOKBACK),
    conversationStart(viewer, target),
  ]);
  const floor = `${prefixes.message}${start}`;
  return items.some(
    (item) =>
      typeof item.sk === 'string' &&
      item.sk >= floor &&
      (item.deleted !== true || (typeof item.from === 'string' && userKeyOf(item.from) === target)),
  );
}

/**
 * Who may see whose presence: a user may see themselves, and anyone they share a group or a conversation with —
 * unless either of the two blocked the other. `viewerGroups` (the viewer's group keys, read once per request) and
 * `targetGroups` (when already read) spare their Queries; the conversation is read only when no group is shared.
 */
export async function mayObserve(
  viewer: UserKey,
  target: UserKey,
  viewerGroups: ReadonlySet<GroupKey>,
  targetGroups?: readonly GroupKey[],
): Promise<boolean> {
  if (viewer === target) return true;
  const [blocked, theirs] = await Promise.all([
    eitherBlocked(viewer, target),
    targetGroups ?? userGroupKeys(target),
  ]);
  return !blocked && shareOrConverse(viewer, target, viewerGroups, theirs);
}

async function shareOrConverse(
  viewer: UserKey,
  target: UserKey,
  viewerGroups: ReadonlySet<GroupKey>,
  targetGroups: readonly GroupKey[],
): Promise<boolean> {
  return targetGroups.some((group) => viewerGroups.has(group)) || haveConversation(viewer, target);
}

export async function viewerGroupsOf(userKey: UserKey): Promise<Set<GroupKey>> {
  return new Set(await userGroupKeys(userKey));
}

/**
 * Of the users watching `target`, those who may still see its presence (the right can end after a WATCH: a kick, a
 * leave, a block). Read when a PRESENCE event is sent, once per distinct watcher of the page: the target's groups
 * once, the blocks of the whole page in one BatchGetItem, then each watcher's groups (and, without a shared group,
 * the conversation).
 */
export async function observersAmong(target: UserKey, watchers: readonly UserKey[]): Promise<Set<UserKey>> {
  const distinct = [...new Set(watchers)];
  if (distinct.length === 0) return new Set();
  const [theirs, blocked] = await Promise.all([userGroupKeys(target), blockedAmong(target, distinct)]);
  const candidates = distinct.filter((watcher) => !blocked.has(watcher));
  const allowed = await mapLimit(
    candidates,
    16,
    async (watcher) =>
      watcher === target || shareOrConverse(watcher, target, await viewerGroupsOf(watcher), theirs),
  );
  return new Set(candidates.filter((_, i) => allowed[i]));
}
