/**
 * CONVERSATIONS [setelah] — a page of the caller's private conversations, most recent activity first: each with the
 * other user's name and the id, sender and time of its newest message. Pass the answer's `next` as `setelah` for the
 * next page. The listing is kept by SEND at most once per conversation and hour (shared/data/conversations.ts): pages
 * follow the hour of last activity, and within a page the conversations are in the order of their newest message.
 * A conversation of a name's earlier owner (before the conversation's start, shared/delivery/name-reuse.ts) is not
 * listed. Blocks do not hide a conversation: its history stays readable to both, as HISTORY shows it.
 */
import { mapLimit } from '../concurrency.js';
import { currentHeads, forgetEntries, listPage, newestDirect } from '../data/conversations.js';
import { keys } from '../data/keys.js';
import { accountsByKey } from '../data/users.js';
import { startFrom } from '../delivery/name-reuse.js';
import { splitParams } from '../protocol/codec.js';
import type { UserKey } from '../protocol/names.js';
import { ok } from '../protocol/replies.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';

/** Conversations per page, at most (an entry is ~120 bytes: a page is far below one frame). */
export const CONVERSATIONS_PAGE = 50;

/** A page cursor: an hour and a user key (`2026-12-07T20#bob`), the `next` of an earlier page. */
const CURSOR = /^\d{4}-\d{2}-\d{2}T\d{2}#[a-z0-9_.-]{3,32}$/;

function parseConversations(rest: string): { after?: string } | undefined {
  if (rest === '') return {};
  const [after] = splitParams(rest, 1) ?? [];
  return after !== undefined && CURSOR.test(after) ? { after } : undefined;
}

export const conversations = defineCommand({
  failure: 'daftar percakapan gagal',
  parse: parseConversations,
  async run({ after }, ctx) {
    const caller = await requireUser(ctx);
    const page = await listPage(caller.key, after, CONVERSATIONS_PAGE);
    const others = [...new Set(page.entries.map((entry) => entry.other))];
    const [heads, accounts, newest] = await Promise.all([
      currentHeads(caller.key, others),
      accountsByKey([caller.key, ...others]),
      mapLimit(others, 16, async (other) => [other, await newestDirect(caller.key, other)] as const),
    ]);
    const newestOf = new Map(newest);
    // An entry older than its conversation's head was left by a move that stopped half-way: it is never valid again.
    const stale = new Set(page.entries.filter((entry) => entry.bucket < (heads.get(entry.other) ?? '')));
    await forgetEntries(
      [...stale].map((entry) => keys.conversationEntry(caller.key, entry.bucket, entry.other)),
    );
    const seen = new Set<UserKey>();
    const listed = [];
    for (const entry of page.entries) {
      if (stale.has(entry) || seen.has(entry.other)) continue;
      seen.add(entry.other);
      const last = newestOf.get(entry.other);
      const start = startFrom([accounts.get(caller.key)?.createdAt, accounts.get(entry.other)?.createdAt]);
      // No message since both accounts exist: an earlier owner's conversation (or a first message still being stored).
      if (!last || last.id < start) continue;
      listed.push({ entry, last });
    }
    listed.sort((a, b) => (a.last.id < b.last.id ? 1 : -1));
    const data = listed.map(({ entry, last }) => ({
      with: accounts.get(entry.other)?.username ?? entry.username,
      id: last.id,
      from: last.from,
      sentAt: last.sentAt,
      ...(last.deleted ? { deleted: true } : {}),
    }));
    const next = page.more ? page.entries.at(-1)?.cursor : undefined;
    return next === undefined ? ok(data) : ok(data, { next });
  },
});
