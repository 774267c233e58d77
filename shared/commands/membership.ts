/** The check every group command makes: the caller is logged in and a member. One GetItem, whatever the group size. */
import { readGroupMeta, readMembership } from '../data/groups.js';
import type { Membership } from '../data/users.js';
import { CommandError } from '../protocol/replies.js';
import { keyOf } from '../protocol/validation.js';
import { type Caller, type CommandContext, requireUser } from './context.js';

export interface Member {
  caller: Caller;
  groupKey: string;
  membership: Membership;
}

/** The caller's membership of `name`, or `unknown_group` / `not_a_member` (the group item is read only then). */
export async function requireMember(ctx: CommandContext, name: string): Promise<Member> {
  const caller = await requireUser(ctx);
  const groupKey = keyOf(name);
  const membership = await readMembership(caller.key, groupKey);
  if (membership) return { caller, groupKey, membership };
  throw new CommandError((await readGroupMeta(groupKey)) ? 'not_a_member' : 'unknown_group');
}
