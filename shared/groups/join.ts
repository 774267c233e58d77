/**
 * Joining a group (GROUP_JOIN, and GROUP_CREATE's creator): the membership, the count, the member items and the
 * user's live connections, each written by shared/data/, and the undoing of those written when a later one fails.
 */
import { type Connection, publishGroupConnections, withdrawGroupConnections } from '../data/connections.js';
import { changeCount, deleteMembership, memberItems, putMembership } from '../data/groups.js';
import { idCeil } from '../ids.js';
import type { GroupKey, UserKey } from '../protocol/names.js';

export type AddOutcome = 'added' | 'already' | 'gone';

/**
 * Adds a member: the user's membership first (conditional, so a repeated join counts once), then the group's
 * count, the group-side member items (by name and by join time) and the user's live connections. Messages sent
 * before `now` are not theirs. `already` when the user was a member; `gone` when the group was deleted meanwhile
 * (what was written is taken back). A join that fails half-way is undone (the membership first) before the error
 * goes up: a membership whose connections are not in the group's connections would miss live messages that a later
 * departure then skips for good.
 */
export async function addMember(
  groupKey: GroupKey,
  groupName: string,
  userKey: UserKey,
  username: string,
  connections: readonly Connection[],
  now: number,
): Promise<AddOutcome> {
  const joinedAt = new Date(now).toISOString();
  if (!(await putMembership(groupKey, groupName, userKey, joinedAt, idCeil(now)))) return 'already';
  const items = memberItems(groupKey, userKey, username, joinedAt);
  const [counted, published] = await Promise.allSettled([
    changeCount(groupKey, 1),
    publishGroupConnections(groupKey, connections, items),
  ]);
  const added = counted.status === 'fulfilled' && counted.value !== undefined;
  if (added && published.status === 'fulfilled') return 'added';
  // Taken back: the group was deleted meanwhile (nothing counted), or a write failed.
  await deleteMembership(groupKey, userKey);
  await Promise.all([
    added ? changeCount(groupKey, -1) : undefined,
    withdrawGroupConnections(
      groupKey,
      userKey,
      connections.map((c) => c.connectionId),
      items.map(({ pk, sk }) => ({ pk, sk })),
    ),
  ]);
  if (counted.status === 'rejected') throw counted.reason;
  if (published.status === 'rejected') throw published.reason;
  return 'gone';
}
