/**
 * GROUP_OWNER grup pengguna — the owner hands the group to another member. The hand-over is conditional on the caller
 * still owning it; if the new owner leaves at the same moment, the owner rule repairs it (shared/groups/owner.ts).
 */
import { readMemberName, readMembership, setOwner } from '../data/groups.js';
import { ensureOwner } from '../groups/owner.js';
import { userKeyOf } from '../protocol/names.js';
import { CommandError, ok } from '../protocol/replies.js';
import { defineCommand } from './command.js';
import { parseGroupUser } from './group-name.js';
import { requireOwner } from './membership.js';

export const groupOwner = defineCommand({
  failure: 'gagal mengganti pemilik grup',
  parse: parseGroupUser,
  async run({ name, user }, ctx) {
    const { caller, groupKey, meta } = await requireOwner(ctx, name);
    const userKey = userKeyOf(user);
    if (userKey === caller.key) return ok('pemilik grup berhasil diganti');
    const [membership, username] = await Promise.all([
      readMembership(userKey, groupKey, true),
      readMemberName(groupKey, userKey),
    ]);
    if (!membership || username === undefined) throw new CommandError('not_a_member');
    if (!(await setOwner(groupKey, meta.ownerName, username))) throw new CommandError('not_owner');
    await ensureOwner(groupKey);
    return ok('pemilik grup berhasil diganti');
  },
});
