/**
 * TYPING penerima / TYPING_GROUP grup — tells the other side that the caller is typing:
 * `{"event":"TYPING","from":…,"to"|"group":…}` to the recipient's live devices (by the worker, after the answer: TYPING
 * answers the same, as fast, whether the recipient is online or not), or to the group's online members (not the
 * caller's own devices). Never stored. At most once per 3 s per conversation per connection: a repeat
 * within that time is answered OK and dropped, at no cost.
 */
import { readProfile } from '../data/users.js';
import { signal } from '../delivery/signals.js';
import { newId } from '../ids.js';
import { OncePer } from '../limits/once-per.js';
import { groupKeyOf, userKeyOf } from '../protocol/names.js';
import { CommandError, ok, type PushEvent } from '../protocol/replies.js';
import { isGroupName, isUsername } from '../protocol/validation.js';
import { enqueue } from '../queue/jobs.js';
import { refuseIfBlocked } from './blocking.js';
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
    throttled(ctx, `u:${userKeyOf(name)}`, async () => {
      const toKey = userKeyOf(name);
      const user = requireUser(ctx);
      // The profile alone (not the devices), and the push handed to the worker: what TYPING reads and waits for is
      // the same whether the recipient is online or not, so neither its answer nor its timing tells.
      const [caller, profile] = await Promise.all([user, readProfile(toKey), refuseIfBlocked(user, toKey)]);
      if (!profile) throw new CommandError('unknown_recipient');
      const event: PushEvent = {
        event: 'TYPING',
        id: newId(ctx.now),
        from: caller.name,
        to: profile.username,
      };
      await enqueue({
        kind: 'signal',
        to: 'user',
        key: toKey,
        skip: '',
        except: ctx.connectionId,
        after: '',
        event,
      });
    }),
});

export const typingGroup = defineCommand({
  failure: 'status mengetik gagal',
  parse: (rest) => parseOneName(rest, isGroupName),
  run: ({ name }, ctx) =>
    throttled(ctx, `g:${groupKeyOf(name)}`, async () => {
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
