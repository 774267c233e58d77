/**
 * SEND penerima pesan — a private message. Stored durably before the OK; pushed to every device of the
 * recipient; kept in their inbox when no device took it.
 */
import { readAccount } from '../data/users.js';
import { deliverDirect } from '../delivery/direct.js';
import { newId } from '../ids.js';
import { CommandError, ok } from '../protocol/replies.js';
import { keyOf } from '../protocol/validation.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';
import { parseTarget } from './target.js';

export const send = defineCommand({
  failure: 'pesan tidak terkirim',
  parse: (rest) => parseTarget(rest, 'user'),
  async run({ target, message }, ctx) {
    const toKey = keyOf(target);
    const [caller, recipient] = await Promise.all([requireUser(ctx), readAccount(toKey, ctx.now)]);
    if (!recipient.profile) throw new CommandError('unknown_recipient');

    const event = {
      event: 'MESSAGE',
      id: newId(ctx.now),
      from: caller.name,
      to: recipient.profile.username,
      message,
      sentAt: new Date(ctx.now).toISOString(),
    };
    await deliverDirect(ctx.endpoint, caller.key, toKey, recipient.connections, event, ctx.now);
    return ok('pesan terkirim');
  },
});
