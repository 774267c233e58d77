/** GROUP_JOIN nama — joins a group; joining one you are in already changes nothing and answers OK. */
import { addMember, readGroup } from '../data/groups.js';
import { readAccount } from '../data/users.js';
import { CommandError, ok } from '../protocol/replies.js';
import { keyOf } from '../protocol/validation.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';
import { parseGroupName } from './group-name.js';

export const groupJoin = defineCommand({
  failure: 'gagal bergabung ke grup',
  parse: parseGroupName,
  async run({ name }, ctx) {
    const groupKey = keyOf(name);
    const [caller, group] = await Promise.all([requireUser(ctx), readGroup(groupKey, ctx.now)]);
    if (!group) throw new CommandError('unknown_group');
    if (!group.members.has(caller.key)) {
      const account = await readAccount(caller.key, ctx.now);
      await addMember(groupKey, group.name, caller.key, caller.name, account.connections, ctx.now);
    }
    return ok('berhasil bergabung ke grup');
  },
});
