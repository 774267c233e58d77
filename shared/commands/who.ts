/**
 * WHO grup [setelah] — a page of the group's members who are online now (a member is online while one of their
 * connections is bound), in order of their keys; `next` names where the following page starts. Only members may ask.
 * Each page reads at most WHO_PAGE of the group's connections (its members' live connection copies), never its members.
 * A member between whom and the caller a block stands (either way) is left out, as STATUS hides them: one BatchGetItem
 * of both blocks per 50 names of the page, read strongly.
 */
import { blockedAmong } from '../data/blocks.js';
import { onlineMembersPage } from '../data/presence.js';
import { userKeyOf } from '../protocol/names.js';
import { ok, prefixThatFits } from '../protocol/replies.js';
import { defineCommand } from './command.js';
import { groupMembers } from './group-members.js';
import { requireMember } from './membership.js';

/** Group connections read per page (one user's several devices count once in the answer). */
export const WHO_PAGE = 1000;

export const who = defineCommand({
  failure: 'daftar pengguna online gagal',
  // The same parameters as GROUP_MEMBERS: a group, then optionally the name to continue after.
  parse: (rest) => groupMembers.parse(rest),
  async run({ name, after }, ctx) {
    const { caller, groupKey } = await requireMember(ctx, name);
    const page = await onlineMembersPage(
      groupKey,
      after === undefined ? undefined : userKeyOf(after),
      WHO_PAGE,
      ctx.now,
    );
    // A block either way hides presence here too: the pair do not see each other online, whoever made it.
    const hidden = await blockedAmong(
      caller.key,
      page.names.map((member) => userKeyOf(member)),
      true,
    );
    const names = page.names.filter((member) => !hidden.has(userKeyOf(member)));
    const shown = prefixThatFits(names);
    const cut = shown.length < names.length;
    const next = cut ? userKeyOf(shown.at(-1) ?? '') : page.next;
    return next === undefined || next === '' ? ok(shown) : ok(shown, { next });
  },
});
