/**
 * A member leaves a group — by GROUP_LEAVE, by GROUP_KICK, or with their account (DELETE_ACCOUNT): one path for all.
 * The membership, its group-side items and the user's group connections go at once (no more pushes, history or file
 * links of the group); the last member's departure deletes the group; an owner's departure passes ownership to the
 * longest-standing member.
 */
import { removeMember } from '../data/groups.js';
import type { GroupKey, UserKey } from '../protocol/names.js';
import { deleteGroup } from './delete.js';
import { ensureOwner } from './owner.js';

export type LeaveOutcome = 'left' | 'deleted' | 'not_member';

/**
 * Removes `userKey` (a user's key) from `groupKey`; `devices` are the user's live connection ids (their group
 * connections go too). `not_member` when they were not a member.
 */
export async function leaveGroup(
  groupKey: GroupKey,
  userKey: UserKey,
  devices: readonly string[],
  now: number,
): Promise<LeaveOutcome> {
  const removal = await removeMember(groupKey, userKey, devices);
  if (!removal) return 'not_member';
  // Exactly one of several concurrent removals sees the count reach 0; a join that raced it keeps the group alive.
  if (removal.remaining === 0 && (await deleteGroup(groupKey, undefined, now))) return 'deleted';
  await ensureOwner(groupKey);
  return 'left';
}
