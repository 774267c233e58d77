/**
 * SEND_GROUP grup pesan — a group message. Stored once, whatever the group's size; pushed to every device of
 * every other member; members no device of whom took it wait for it (see shared/messaging.ts).
 */
import { readGroup } from '../data/groups.js';
import { newId } from '../ids.js';
import { deliverToGroup } from '../messaging.js';
import { CommandError, ok } from '../protocol/replies.js';
import { keyOf } from '../protocol/validation.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';
import { parseTarget } from './target.js';

export const sendGroup = defineCommand({
  failure: 'pesan tidak terkirim',
  parse: (rest) => parseTarget(rest, 'group'),
  async run({ target, message }, ctx) {
    const groupKey = keyOf(target);
    const [caller, group] = await Promise.all([requireUser(ctx), readGroup(groupKey, ctx.now)]);
    if (!group) throw new CommandError('unknown_group');
    if (!group.members.has(caller.key)) throw new CommandError('not_a_member');

    const event = {
      event: 'GROUP_MESSAGE',
      id: newId(ctx.now),
      group: group.name,
      from: caller.name,
      message,
      sentAt: new Date(ctx.now).toISOString(),
    };
    await deliverToGroup(ctx.endpoint, groupKey, group, caller.key, event, ctx.now);
    return ok('pesan terkirim');
  },
});
