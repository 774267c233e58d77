/** GROUP_CREATE nama — a new group; its creator is its owner and first member. */
import { randomUUID } from 'node:crypto';
import { config } from '../config.js';
import { abandonGroup, addMember, createGroup } from '../data/groups.js';
import { readAccount } from '../data/users.js';
import { CommandError, ok } from '../protocol/replies.js';
import { keyOf } from '../protocol/validation.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';
import { parseGroupName } from './group-name.js';

export const groupCreate = defineCommand({
  failure: 'grup gagal dibuat',
  parse: parseGroupName,
  async run({ name }, ctx) {
    const caller = await requireUser(ctx);
    const groupKey = keyOf(name);
    const account = await readAccount(caller.key, ctx.now, true);
    if (account.memberships.length >= config.maxGroupsPerUser) throw new CommandError('too_many_groups');
    // A group without its creator is never left behind: when the creator cannot be added (addMember undoes its own
    // half), or the creation's outcome is unknown, this creation is taken back and the name is free again.
    const token = randomUUID();
    try {
      if (!(await createGroup(groupKey, name, caller.name, ctx.now, token)))
        throw new CommandError('group_exists');
      await addMember(groupKey, name, caller.key, caller.name, account.connections, ctx.now);
    } catch (error) {
      if (!(error instanceof CommandError)) await abandonGroup(groupKey, token);
      throw error;
    }
    return ok('grup berhasil dibuat');
  },
});
