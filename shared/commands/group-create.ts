/** GROUP_CREATE nama — a new group; its creator is its owner and first member. */
import { config } from '../config.js';
import { addMember, createGroup } from '../data/groups.js';
import { readAccount } from '../data/users.js';
import { requireAddressBudget } from '../limits/addresses.js';
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
    // Groups are never freed: creations are counted per source address too (with the account read, no latency).
    const [account] = await Promise.all([
      readAccount(caller.key, ctx.now, true),
      requireAddressBudget('create', ctx.sourceIp, ctx.now),
    ]);
    if (account.memberships.length >= config.maxGroupsPerUser) throw new CommandError('too_many_groups');
    if (!(await createGroup(groupKey, name, caller.name, ctx.now))) throw new CommandError('group_exists');
    await addMember(groupKey, name, caller.key, caller.name, account.connections, ctx.now);
    return ok('grup berhasil dibuat');
  },
});
