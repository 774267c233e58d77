/**
 * TYPING penerima / TYPING_GROUP grup — tells the other side that the caller is typing:
 * `{"event":"TYPING","from":…,"to"|"group":…}` to the recipient's live devices, or to the group's online members
 * (not the caller's own devices). Never stored. At most once per 3 s per conversation per connection: a repeat
 * within that time is answered OK and dropped, at no cost.
 */
import { readAccount } from '../data/users.js';
import { signal } from '../delivery/signals.js';
import { newId } from '../ids.js';
import { OncePer } from '../limits/once-per.js';
import { CommandError, ok, type PushEvent } from '../protocol/replies.js';
import { isGroupName, isUsername, keyOf } from '../protocol/validation.js';
import { pushToAll } from '../push/deliver.js';
import { defineCommand } from './command.js';
import type { CommandContext } from './context.js';
import { requireUser } from './context.js';
import { requireMember } from './membership.js';
import { parseOneName } from './one-name.js';

export const TYPING_INTERVAL_MS = 3000;
const recently = new OncePer(TYPING_INTERVAL_MS);

const SENT = 'status mengetik terkirim';

/** Runs `push` unless this connection signalled the same conversation within the interval. */
async function throttled(ctx: CommandContext, conversation: string, push: () => Promise<void>) {
  const key = `${ctx.connectionId}\n${conversation}`;
  if (recently.isRecent(key, ctx.now)) return ok(SENT);
  await push();
  recently.mark(key, ctx.now);
  return ok(SENT);
}

export const typing = defineCommand({
  failure: 'status mengetik gagal',
  parse: (rest) => parseOneName(rest, isUsername),
  run: ({ name }, ctx) =>
    throttled(ctx, `u:${keyOf(name)}`, async () => {
      const [caller, recipient] = await Promise.all([requireUser(ctx), readAccount(keyOf(name), ctx.now)]);
      if (!recipient.profile) throw new CommandError('unknown_recipient');
      const event: PushEvent = {
        event: 'TYPING',
        id: newId(ctx.now),
        from: caller.name,
        to: recipient.profile.username,
      };
      const targets = recipient.connections.filter((c) => c.connectionId !== ctx.connectionId);
      if (targets.length > 0) await pushToAll(ctx.endpoint, targets, event);
    }),
});

export const typingGroup = defineCommand({
  failure: 'status mengetik gagal',
  parse: (rest) => parseOneName(rest, isGroupName),
  run: ({ name }, ctx) =>
    throttled(ctx, `g:${keyOf(name)}`, async () => {
      const { caller, groupKey, membership } = await requireMember(ctx, name);
      const event: PushEvent = {
        event: 'TYPING',
        id: newId(ctx.now),
        from: caller.name,
        group: membership.name,
      };
      await signal(
        ctx.endpoint,
        { kind: 'signal', to: 'group', key: groupKey, skip: caller.key, after: '', event },
        ctx.now,
      );
    }),
});
