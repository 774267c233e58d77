/** GROUP_MEMBERS nama — the members' usernames, sorted; only members may look. */
import { readGroup } from '../data/groups.js';
import { CommandError, ok } from '../protocol/replies.js';
import { keyOf } from '../protocol/validation.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';
import { parseGroupName } from './group-name.js';

export const groupMembers = defineCommand({
  failure: 'daftar anggota grup gagal',
  parse: parseGroupName,
  async run({ name }, ctx) {
    const [caller, group] = await Promise.all([requireUser(ctx), readGroup(keyOf(name), ctx.now)]);
    if (!group) throw new CommandError('unknown_group');
    if (!group.members.has(caller.key)) throw new CommandError('not_a_member');
    return ok([...group.members.values()].sort());
  },
});
