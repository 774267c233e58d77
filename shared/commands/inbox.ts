/**
 * INBOX — the oldest messages still waiting in the caller's inbox (pushes no device took), as they would be pushed.
 * It marks nothing delivered. Group messages a member missed while offline are not in it: the next login's catch-up
 * reads them from the group.
 */
import { memberOf } from '../data/groups.js';
import { inboxPage } from '../data/messages.js';
import { conversationStart } from '../delivery/name-reuse.js';
import { renderEvent } from '../delivery/render.js';
import { ok, prefixThatFits } from '../protocol/replies.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';

const INBOX_PAGE = 100;

export const inbox = defineCommand({
  failure: 'inbox gagal',
  parse: (rest) => (rest === '' ? {} : undefined),
  async run(_params, ctx) {
    const caller = await requireUser(ctx);
    const [page, start] = await Promise.all([
      inboxPage(caller.key, undefined, INBOX_PAGE),
      conversationStart(caller.key, caller.key),
    ]);
    // As the catch-up would push them (issue 22): nothing left for the name's earlier owner, and nothing of a group
    // the caller is no longer in.
    const groups = [...new Set(page.waiting.flatMap((w) => (w.group === undefined ? [] : [w.group])))];
    const still = await memberOf(caller.key, groups);
    const stored = page.waiting
      .filter((w) => w.id >= start && (w.group === undefined || still.has(w.group)))
      .flatMap((w) => (w.event ? [w.event] : []));
    const events = await Promise.all(stored.map((event) => renderEvent(event, ctx.now)));
    // The oldest that fit in one frame; `more` says others are still there (they all arrive at the next AUTH).
    const shown = prefixThatFits(events);
    return shown.length === events.length && !page.more ? ok(shown) : ok(shown, { more: true });
  },
});
