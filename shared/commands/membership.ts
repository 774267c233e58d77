/**
 * The checks group commands make: the caller is logged in and a member (one GetItem of the membership and one of the
 * group item, side by side, whatever the group size), or the group's owner.
 */
import { type GroupMeta, readGroupMeta, readMembership } from '../data/groups.js';
import type { Membership } from '../data/users.js';
import { leaveGroup } from '../groups/leave.js';
import { type GroupKey, groupKeyOf, userKeyOf } from '../protocol/names.js';
import { CommandError } from '../protocol/replies.js';
import { type Caller, type CommandContext, requireUser, stillCurrent } from './context.js';

export interface Member {
  caller: Caller;
  groupKey: GroupKey;
  membership: Membership;
  meta: GroupMeta;
}

/**
 * The caller's membership of `name`, or `unknown_group` / `not_a_member`. The group item is read too: a group being
 * deleted is gone for everyone at once, before its memberships are taken apart.
 */
export async function requireMember(ctx: CommandContext, name: string): Promise<Member> {
  const caller = await requireUser(ctx);
  const groupKey = groupKeyOf(name);
  const [membership, meta] = await Promise.all([
    readMembership(caller.key, groupKey),
    readGroupMeta(groupKey),
  ]);
  if (!meta) throw new CommandError('unknown_group');
  if (!membership) throw new CommandError('not_a_member');
  return { caller, groupKey, membership, meta };
}

export interface Owner {
  caller: Caller;
  groupKey: GroupKey;
  meta: GroupMeta;
}

/** The caller owns `name` (read strongly: ownership may have just changed hands), or `unknown_group` / `not_owner`. */
export async function requireOwner(ctx: CommandContext, name: string): Promise<Owner> {
  const caller = await requireUser(ctx);
  const groupKey = groupKeyOf(name);
  const meta = await readGroupMeta(groupKey, true);
  if (!meta) throw new CommandError('unknown_group');
  if (userKeyOf(meta.ownerName) !== caller.key) throw new CommandError('not_owner');
  return { caller, groupKey, meta };
}

/**
 * After a membership was written in the caller's name: kept only if the account is still the one that asked
 * (stillCurrent); otherwise the caller leaves again (GROUP_LEAVE's path) and is answered `not_authenticated`.
 */
export async function keepOnlyIfCurrent(
  ctx: CommandContext,
  caller: Caller,
  groupKey: GroupKey,
): Promise<void> {
  if (await stillCurrent(ctx, caller)) return;
  await leaveGroup(groupKey, caller.key, [], ctx.now);
  throw new CommandError('not_authenticated');
}
