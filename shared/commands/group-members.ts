/**
 * GROUP_MEMBERS nama [setelah] — a page of the members' usernames, in order of their keys (case-insensitive);
 * `next` names where the following page starts; `owner` names the group's owner. Only members may look. Each page
 * is one Query, whatever the size.
 */
import { membersPage } from '../data/groups.js';
import { splitParams } from '../protocol/codec.js';
import { userKeyOf } from '../protocol/names.js';
import { ok, prefixThatFits } from '../protocol/replies.js';
import { isGroupName, isUsername } from '../protocol/validation.js';
import { defineCommand } from './command.js';
import { requireMember } from './membership.js';

/** Names per page, at most (a page of long names is cut further to fit one answer frame). */
export const MEMBERS_PAGE = 1000;

export const groupMembers = defineCommand({
  failure: 'daftar anggota grup gagal',
  parse(rest) {
    const params = splitParams(rest, 2) ?? splitParams(rest, 1);
    if (!params) return;
    const [name, after] = params;
    if (!isGroupName(name)) return;
    if (after !== undefined && !isUsername(after)) return;
    return { name, after };
  },
  async run({ name, after }, ctx) {
    const { groupKey, meta } = await requireMember(ctx, name);
    const page = await membersPage(
      groupKey,
      after === undefined ? undefined : userKeyOf(after),
      MEMBERS_PAGE,
    );
    const shown = prefixThatFits(page.names);
    const more = page.next !== undefined || shown.length < page.names.length;
    const last = shown.at(-1);
    // The answer's `owner` is the owner's name as spelled (docs/PROTOCOL.md), as is ownerName.
    return more && last !== undefined
      ? ok(shown, { owner: meta.ownerName, next: userKeyOf(last) })
      : ok(shown, { owner: meta.ownerName });
  },
});
