/**
 * GROUP_CREATE nama [private] — a new group; its creator is its owner and first member. `private` makes it
 * invite-only (GROUP_INVITE); without it anyone may join.
 */
import { randomUUID } from 'node:crypto';
import { config } from '../config.js';
import { abandonGroup, createGroup } from '../data/groups.js';
import { readAccount } from '../data/users.js';
import { resumeStaleDeletion } from '../groups/delete.js';
import { addMember } from '../groups/join.js';
import { requireAddressBudget } from '../limits/addresses.js';
import { splitParams } from '../protocol/codec.js';
import { groupKeyOf } from '../protocol/names.js';
import { CommandError, ok } from '../protocol/replies.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';
import { parseGroupName } from './group-name.js';
import { keepOnlyIfCurrent } from './membership.js';

function parseCreate(rest: string): { name: string; isPrivate: boolean } | undefined {
  const params = splitParams(rest, 2);
  if (params?.[1].toLowerCase() === 'private') {
    const parsed = parseGroupName(params[0]);
    return parsed && { name: parsed.name, isPrivate: true };
  }
  const parsed = parseGroupName(rest);
  return parsed && { name: parsed.name, isPrivate: false };
}

export const groupCreate = defineCommand({
  failure: 'grup gagal dibuat',
  parse: parseCreate,
  async run({ name, isPrivate }, ctx) {
    const caller = await requireUser(ctx);
    const groupKey = groupKeyOf(name);
    // Groups are never freed: creations are counted per source address too (with the account read, no latency).
    const [account] = await Promise.all([
      readAccount(caller.key, ctx.now, true),
      requireAddressBudget('create', ctx.sourceIp, ctx.now),
    ]);
    if (account.memberships.length >= config.maxGroupsPerUser) throw new CommandError('too_many_groups');
    // A group without its creator is never left behind: when the creator cannot be added (addMember undoes its own
    // half), or the creation's outcome is unknown, this creation is taken back and the name is free again.
    const token = randomUUID();
    try {
      if (!(await createGroup(groupKey, name, caller.name, ctx.now, isPrivate, token))) {
        // A name still held by a deletion whose clean-up was lost gets its clean-up started again.
        await resumeStaleDeletion(groupKey, ctx.now);
        throw new CommandError('group_exists');
      }
      await addMember(groupKey, name, caller.key, caller.name, account.connections, ctx.now);
    } catch (error) {
      if (!(error instanceof CommandError)) await abandonGroup(groupKey, token);
      throw error;
    }
    // Left (and so deleted) again when the account went meanwhile: the name's next owner inherits nothing.
    await keepOnlyIfCurrent(ctx, caller, groupKey);
    return ok('grup berhasil dibuat');
  },
});
