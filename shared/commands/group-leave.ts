/**
 * GROUP_LEAVE nama — leaves a group. An owner's leaving passes ownership to the longest-standing member; the last
 * member's leaving deletes the group (shared/groups/leave.ts).
 */
import { readGroupMeta, readMembership, removeMember } from '../data/groups.js';
import { readAccount } from '../data/users.js';
import { leaveGroup } from '../groups/leave.js';
import { groupKeyOf } from '../protocol/names.js';
import { CommandError, ok } from '../protocol/replies.js';
import { fenceFrom } from '../push/deliver.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';
import { parseGroupName } from './group-name.js';

export const groupLeave = defineCommand({
  failure: 'gagal keluar dari grup',
  parse: parseGroupName,
  async run({ name }, ctx) {
    const groupKey = groupKeyOf(name);
    const caller = await requireUser(ctx);
    // The membership is read first, so the answer says what happened even when the SDK retried the delete after
    // it had succeeded (the retry finds nothing to delete).
    const [account, membership] = await Promise.all([
      readAccount(caller.key, ctx.now),
      readMembership(caller.key, groupKey),
    ]);
    const devices = account.connections.map((c) => c.connectionId);
    if (membership) {
      await leaveGroup(groupKey, caller.key, devices, ctx.now);
      // No push of the group decided before the copies went is started after the answer (the fence).
      await fenceFrom(performance.now());
      return ok('berhasil keluar dari grup');
    }
    const meta = await readGroupMeta(groupKey);
    // A leave that failed after its membership went left the member's group connections behind: this one clears it.
    if (meta) await removeMember(groupKey, caller.key, devices);
    throw new CommandError(meta ? 'not_a_member' : 'unknown_group');
  },
});
