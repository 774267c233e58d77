/**
 * SEND penerima pesan — a private message. Stored durably before the OK; pushed to every device of the
 * recipient; kept in their inbox when no device took it. The answer carries the message's `id`.
 */
import { readAccount } from '../data/users.js';
import { deliverToUser } from '../delivery/direct.js';
import { userKeyOf } from '../protocol/names.js';
import { CommandError } from '../protocol/replies.js';
import { refuseIfBlockedReadHeads } from './blocking.js';
import { defineCommand } from './command.js';
import type { CommandContext } from './context.js';
import { requireUser } from './context.js';
import { type Outgoing, sendNow } from './outgoing.js';
import { parseTarget } from './target.js';

export const SEND_FAILURE = 'pesan tidak terkirim';

/** Checks a private message (caller logged in, recipient exists and did not block the caller) and says how to deliver it under a given id. */
export async function prepareDirect(
  ctx: CommandContext,
  { target, message }: { target: string; message: string },
): Promise<Outgoing> {
  const toKey = userKeyOf(target);
  const user = requireUser(ctx);
  const [caller, recipient, heads] = await Promise.all([
    user,
    readAccount(toKey, ctx.now),
    refuseIfBlockedReadHeads(user, toKey),
  ]);
  if (!recipient.profile) throw new CommandError('unknown_recipient');
  const to = recipient.profile.username;
  return {
    caller,
    audience: `user:${toKey}`,
    message,
    deliver: (id, at) =>
      deliverToUser(
        {
          endpoint: ctx.endpoint,
          fromKey: caller.key,
          toKey,
          connections: recipient.connections,
          event: { event: 'MESSAGE', id, from: caller.name, to, message, sentAt: new Date(at).toISOString() },
          now: ctx.now,
        },
        heads,
      ),
  };
}

export const send = defineCommand({
  failure: SEND_FAILURE,
  parse: (rest) => parseTarget(rest, 'user'),
  run: async (params, ctx) => sendNow(ctx, await prepareDirect(ctx, params)),
});
