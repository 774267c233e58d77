/** INBOX — what still waits for the caller (pushes not yet delivered), oldest first. It marks nothing read. */
import { readWaiting } from '../data/messages.js';
import { readAccount } from '../data/users.js';
import { ok, prefixThatFits } from '../protocol/replies.js';
import { renderEvent } from '../push/render.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';

export const inbox = defineCommand({
  failure: 'inbox gagal',
  parse: (rest) => (rest === '' ? {} : undefined),
  async run(_params, ctx) {
    const caller = await requireUser(ctx);
    const account = await readAccount(caller.key, ctx.now, true);
    const waiting = await readWaiting(caller.key, account.groups, account.profile?.groupCursor);
    const events = await Promise.all(waiting.map((w) => renderEvent(w.event, ctx.now)));
    // The oldest that fit in one frame; `more` says the rest are still there (they all arrive at the next AUTH).
    const shown = prefixThatFits(events);
    return shown.length === events.length ? ok(shown) : ok(shown, { more: true });
  },
});
