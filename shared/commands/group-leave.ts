/** GROUP_LEAVE nama — leaves a group. The group stays, with its name and history, even when empty. */
import { readGroup, removeMember } from '../data/groups.js';
import { CommandError, ok } from '../protocol/replies.js';
import { keyOf } from '../protocol/validation.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';
import { parseGroupName } from './group-name.js';

export const groupLeave = defineCommand({
  failure: 'gagal keluar dari grup',
  parse: parseGroupName,
  async run({ name }, ctx) {
    const groupKey = keyOf(name);
    const [caller, group] = await Promise.all([requireUser(ctx), readGroup(groupKey, ctx.now)]);
    if (!group) throw new CommandError('unknown_group');
    if (!group.members.has(caller.key)) throw new CommandError('not_a_member');
    const mine = group.connections.filter((c) => c.user === caller.key).map((c) => c.connectionId);
    await removeMember(groupKey, caller.key, mine);
    return ok('berhasil keluar dari grup');
  },
});
