/**
 * GROUP_KICK grup pengguna — the owner removes a member, at once: their membership and their devices' group connections
 * go (no more pushes; GROUP_HISTORY answers not_a_member and FILE_URL of the group's files unknown_file from then on),
 * and their online devices are told with GROUP_KICKED. The owner leaves with GROUP_LEAVE, not by kicking themselves.
 */
import { readAccount } from '../data/users.js';
import { leaveGroup } from '../groups/leave.js';
import { newId } from '../ids.js';
import { userKeyOf } from '../protocol/names.js';
import { CommandError, ok } from '../protocol/replies.js';
import { fenceFrom, pushToAll } from '../push/deliver.js';
import { defineCommand } from './command.js';
import { parseGroupUser } from './group-name.js';
import { requireOwner } from './membership.js';

export const groupKick = defineCommand({
  failure: 'gagal mengeluarkan anggota',
  parse: parseGroupUser,
  async run({ name, user }, ctx) {
    const { caller, groupKey, meta } = await requireOwner(ctx, name);
    const userKey = userKeyOf(user);
    if (userKey === caller.key) throw new CommandError('bad_request');
    const kicked = await readAccount(userKey, ctx.now);
    const devices = kicked.connections.map((c) => c.connectionId);
    if ((await leaveGroup(groupKey, userKey, devices, ctx.now)) === 'not_member')
      throw new CommandError('not_a_member');
    // Their copies are gone: the answer waits out the fence, so no push of the group decided before is started after.
    const gone = performance.now();
    await Promise.all([
      pushToAll(ctx.endpoint, kicked.connections, {
        event: 'GROUP_KICKED',
        id: newId(ctx.now),
        group: meta.name,
        by: caller.name,
      }),
      fenceFrom(gone),
    ]);
    return ok('anggota berhasil dikeluarkan');
  },
});
