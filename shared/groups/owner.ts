/**
 * The owner rule: a live group with members has exactly one owner, and the owner is a member. Every change that can
 * break it (a member leaves or is kicked, ownership is handed over) ends by calling ensureOwner, which repairs it with
 * conditional writes on the group item. Concurrent repairs race on the same condition (`owner = <who was read>`):
 * one wins, the others read again — so however removals and hand-overs interleave, the last of them to finish
 * leaves an owner who is a member (docs/DATA_MODEL.md, "Group owners").
 */
import { type Candidate, longestMembers, readGroupMeta, readMembership, setOwner } from '../data/groups.js';
import { log } from '../log.js';
import { type GroupKey, userKeyOf } from '../protocol/names.js';

/** Rounds of read-and-repair before giving up (each lost race is one round; more than a few means a storm). */
const ROUNDS = 8;
/** Join-order items read when looking for the heir: a few, in case the first ones are leaving right now. */
const HEIRS = 5;

/** The longest-standing member who is still one (their join-order item may outlive their membership briefly). */
async function heirOf(groupKey: GroupKey): Promise<Candidate | undefined> {
  for (const candidate of await longestMembers(groupKey, HEIRS)) {
    if (await readMembership(candidate.user, groupKey, true)) return candidate;
  }
  return undefined;
}

/** Makes the longest-standing member owner if the owner is no longer a member. Nothing to do for an empty group. */
export async function ensureOwner(groupKey: GroupKey): Promise<void> {
  for (let round = 0; round < ROUNDS; round++) {
    const meta = await readGroupMeta(groupKey, true);
    if (!meta || meta.members <= 0) return;
    if (await readMembership(userKeyOf(meta.ownerName), groupKey, true)) return;
    const heir = await heirOf(groupKey);
    if (!heir) return; // the members counted are joining or leaving right now; their own calls repair it
    await setOwner(groupKey, meta.ownerName, heir.username);
  }
  log.warn('group owner not settled', { group: groupKey });
}
