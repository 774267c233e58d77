/**
 * GROUP_UNINVITE grup pengguna — the owner takes back a pending invitation: the invitee can no longer join with it
 * (GROUP_JOIN of a private group answers `not_invited`), and the GROUP_INVITED waiting in their inbox is no longer
 * delivered (the inbox points at the invitation, which is gone). A user with no pending invitation answers
 * `not_invited`; nothing changes for a member (GROUP_KICK removes one).
 */
import { revokeInvite } from '../data/groups.js';
import { userKeyOf } from '../protocol/names.js';
import { CommandError, ok } from '../protocol/replies.js';
import { defineCommand } from './command.js';
import { parseGroupUser } from './group-name.js';
import { requireOwner } from './membership.js';

export const groupUninvite = defineCommand({
  failure: 'undangan gagal dibatalkan',
  parse: parseGroupUser,
  async run({ name, user }, ctx) {
    const { groupKey } = await requireOwner(ctx, name);
    if (!(await revokeInvite(groupKey, userKeyOf(user), ctx.now))) throw new CommandError('not_invited');
    return ok('undangan dibatalkan');
  },
});
