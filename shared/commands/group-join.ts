/**
 * GROUP_JOIN nama — joins a group; joining one you are in already changes nothing and answers OK. A private group
 * needs an invitation (GROUP_INVITE), which joining uses up (atomically, before the membership is written: a
 * GROUP_UNINVITE racing the join wins or loses as a whole).
 */
import { config } from '../config.js';
import { hasInvite, readGroupMeta, readMembership, restoreInvite, takeInvite } from '../data/groups.js';
import { readAccount } from '../data/users.js';
import { addMember } from '../groups/join.js';
import { groupKeyOf } from '../protocol/names.js';
import { CommandError, ok } from '../protocol/replies.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';
import { parseGroupName } from './group-name.js';
import { keepOnlyIfCurrent } from './membership.js';

export const groupJoin = defineCommand({
  failure: 'gagal bergabung ke grup',
  parse: parseGroupName,
  async run({ name }, ctx) {
    const groupKey = groupKeyOf(name);
    const caller = await requireUser(ctx);
    const [meta, membership, account] = await Promise.all([
      readGroupMeta(groupKey),
      readMembership(caller.key, groupKey),
      readAccount(caller.key, ctx.now, true),
    ]);
    if (!meta) throw new CommandError('unknown_group');
    if (membership) return ok('berhasil bergabung ke grup');
    if (meta.private && !(await hasInvite(groupKey, caller.key, ctx.now)))
      throw new CommandError('not_invited');
    if (meta.members >= config.maxGroupMembers) throw new CommandError('group_full');
    if (account.memberships.length >= config.maxGroupsPerUser) throw new CommandError('too_many_groups');
    // The invitation is used up before the membership is written, atomically: a GROUP_UNINVITE racing this join
    // either finds it (and the join is refused) or does not (and the join goes on).
    const invite = meta.private ? await takeInvite(groupKey, caller.key, ctx.now) : undefined;
    if (meta.private && !invite) throw new CommandError('not_invited');
    let added: Awaited<ReturnType<typeof addMember>>;
    try {
      added = await addMember(groupKey, meta.name, caller.key, caller.name, account.connections, ctx.now);
    } catch (error) {
      if (invite) await restoreInvite(invite).catch(() => undefined);
      throw error;
    }
    if (added === 'gone') throw new CommandError('unknown_group');
    await keepOnlyIfCurrent(ctx, caller, groupKey);
    return ok('berhasil bergabung ke grup');
  },
});
