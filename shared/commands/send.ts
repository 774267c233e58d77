/**
 * SEND penerima pesan — a private message. Stored durably before the OK; pushed to every device of the
 * recipient; kept in their inbox when no device took it.
 */
import { queueForLater, storeDirectMessage } from '../data/messages.js';
import { readAccount } from '../data/users.js';
import { newId } from '../ids.js';
import { CommandError, ok } from '../protocol/replies.js';
import { keyOf } from '../protocol/validation.js';
import { pushToAll } from '../push/deliver.js';
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

    const id = newId(ctx.now);
    const sentAt = new Date(ctx.now).toISOString();
    const event = {
      event: 'MESSAGE',
      id,
      from: caller.name,
      to: recipient.profile.username,
      message,
      sentAt,
    };
    const [, unreached] = await Promise.all([
      storeDirectMessage(caller.key, toKey, event),
      pushToAll(ctx.endpoint, recipient.connections, event),
    ]);
    if (recipient.connections.length === 0 || unreached.has(toKey)) await queueForLater(toKey, event);
    return ok('pesan terkirim');
  },
});
