/** GROUP_LEAVE nama — leaves a group. The group stays, with its name and history, even when empty. */
import { readGroupMeta, readMembership, removeMember } from '../data/groups.js';
import { readAccount } from '../data/users.js';
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
    // The membership is read first, so the answer says what happened even when the SDK retried the delete after
    // it had succeeded (the retry finds nothing to delete).
    const [account, membership] = await Promise.all([
      readAccount(caller.key, ctx.now),
      readMembership(caller.key, groupKey),
    ]);
    const devices = account.connections.map((c) => c.connectionId);
    if (membership) {
      await removeMember(groupKey, caller.key, devices);
      return ok('berhasil keluar dari grup');
    }
    const meta = await readGroupMeta(groupKey);
    // A leave that failed after its membership went left the member's presence behind: this one clears it.
    if (meta) await removeMember(groupKey, caller.key, devices);
    throw new CommandError(meta ? 'not_a_member' : 'unknown_group');
  },
});
