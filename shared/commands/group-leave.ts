/**
 * GROUP_LEAVE nama — leaves a group. An owner's leaving passes ownership to the longest-standing member; the last
 * member's leaving deletes the group (shared/groups/leave.ts).
 */
import { readGroupMeta } from '../data/groups.js';
import { readAccount } from '../data/users.js';
import { leaveGroup } from '../groups/leave.js';
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
    const caller = await requireUser(ctx);
    const account = await readAccount(caller.key, ctx.now);
    const devices = account.connections.map((c) => c.connectionId);
    if ((await leaveGroup(groupKey, caller.key, devices, ctx.now)) !== 'not_member')
      return ok('berhasil keluar dari grup');
    throw new CommandError((await readGroupMeta(groupKey)) ? 'not_a_member' : 'unknown_group');
  },
});
