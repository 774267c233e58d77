/**
 * HISTORY nama [sebelum-id] and GROUP_HISTORY grup [sebelum-id] — a page of a conversation, newest first: the
 * private conversation between the caller and a user, or a group's (members only). Pass the answer's `next` as
 * `sebelum-id` for the page before it. Files come with fresh links.
 */
import { directPk } from '../data/keys.js';
import { directHistory, fromStart, groupHistory, type HistoryPage, readCursorOf } from '../data/messages.js';
import { readAccount } from '../data/users.js';
import { conversationStart } from '../delivery/name-reuse.js';
import { renderEvent } from '../delivery/render.js';
import { splitParams } from '../protocol/codec.js';
import { userKeyOf } from '../protocol/names.js';
import { CommandError, type Json, ok, prefixThatFits, type Reply } from '../protocol/replies.js';
import { isGroupName, isUsername } from '../protocol/validation.js';
import { defineCommand } from './command.js';
import { type CommandContext, requireUser } from './context.js';
import { requireMember } from './membership.js';

/** Messages per page, at most; a page of long messages is cut further to fit one answer frame. */
export const HISTORY_PAGE = 50;

function parseHistory(rest: string, isName: (name: string) => boolean) {
  const params = splitParams(rest, 2) ?? splitParams(rest, 1);
  if (!params) return;
  const [name, before] = params;
  if (!isName(name)) return;
  if (before !== undefined && !/^[0-9A-Z]{26}$/.test(before)) return;
  return { name, before };
}

/** The page as sent: links signed now, cut to one frame; `next` names the oldest shown when older ones exist. */
async function answer(
  page: HistoryPage,
  ctx: CommandContext,
  extra: Record<string, Json> = {},
): Promise<Reply> {
  const events = prefixThatFits(await Promise.all(page.events.map((event) => renderEvent(event, ctx.now))));
  const more = page.more || events.length < page.events.length;
  const oldest = events.at(-1)?.id;
  return more && oldest ? ok(events, { next: oldest, ...extra }) : ok(events, extra);
}

export const history = defineCommand({
  failure: 'riwayat gagal',
  parse: (rest) => parseHistory(rest, isUsername),
  async run({ name, before }, ctx) {
    const otherKey = userKeyOf(name);
    const [caller, other] = await Promise.all([requireUser(ctx), readAccount(otherKey, ctx.now)]);
    // A deleted account's conversation stays readable for the other side (docs/PROTOCOL.md, DELETE_ACCOUNT).
    if (!other.profile && !other.deleted) throw new CommandError('unknown_recipient');
    // Read beside the page: the other side's read cursor (READ; absent while they have marked nothing read), and
    // where the conversation starts for these two accounts (a reused name's earlier owner's messages stay out).
    const [page, cursor, start] = await Promise.all([
      directHistory(caller.key, otherKey, before, HISTORY_PAGE),
      readCursorOf(directPk(caller.key, otherKey), otherKey),
      conversationStart(caller.key, otherKey),
    ]);
    const readUpTo = cursor !== null && cursor >= start ? cursor : null;
    return answer(fromStart(page, start), ctx, readUpTo === null ? {} : { readUpTo });
  },
});

export const groupHistoryCommand = defineCommand({
  failure: 'riwayat gagal',
  parse: (rest) => parseHistory(rest, isGroupName),
  async run({ name, before }, ctx) {
    const { groupKey } = await requireMember(ctx, name);
    return answer(await groupHistory(groupKey, before, HISTORY_PAGE), ctx);
  },
});
