/**
 * GROUP_INVITE grup pengguna — the owner invites a user (the way into a private group; allowed for open ones too).
 * The invitation is stored in the group and holds the GROUP_INVITED push: it reaches the user's online devices now,
 * or waits in their inbox for their next login (the inbox points at the invitation, so one that was used or has
 * expired is no longer delivered). It lasts INVITE_TTL_MS; a pending one is not sent again.
 */
import { hasInvite, putInvite, readMembership } from '../data/groups.js';
import { keys } from '../data/keys.js';
import { epochSeconds } from '../data/table.js';
import { readAccount } from '../data/users.js';
import { leaveWaiting } from '../delivery/waiting.js';
import { newId } from '../ids.js';
import { userKeyOf } from '../protocol/names.js';
import { CommandError, ok, type PushEvent } from '../protocol/replies.js';
import { refuseIfBlocked } from './blocking.js';
import { defineCommand } from './command.js';
import { parseGroupUser } from './group-name.js';
import { requireOwner } from './membership.js';

/** How long an invitation can be used: a week. */
export const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;

export const groupInvite = defineCommand({
  failure: 'undangan gagal dikirim',
  parse: parseGroupUser,
  async run({ name, user }, ctx) {
    const { caller, groupKey, meta } = await requireOwner(ctx, name);
    const userKey = userKeyOf(user);
    const [invitee, membership] = await Promise.all([
      readAccount(userKey, ctx.now),
      readMembership(userKey, groupKey),
      refuseIfBlocked(Promise.resolve(caller), userKey),
    ]);
    if (!invitee.profile) throw new CommandError('unknown_recipient');
    // A member needs no invitation; a pending one is not sent twice. Both answer OK: the user can join.
    if (membership || (await hasInvite(groupKey, userKey, ctx.now))) return ok('undangan berhasil dikirim');
    const until = ctx.now + INVITE_TTL_MS;
    const event = {
      event: 'GROUP_INVITED',
      id: newId(ctx.now),
      group: meta.name,
      by: caller.name,
      until: new Date(until).toISOString(),
    } satisfies PushEvent;
    if (await putInvite(groupKey, userKey, event, epochSeconds(until), ctx.now)) {
      await leaveWaiting(ctx.endpoint, userKey, keys.groupInvite(groupKey, userKey), event, event, ctx.now);
    }
    return ok('undangan berhasil dikirim');
  },
});
