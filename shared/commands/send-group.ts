/**
 * SEND_GROUP grup pesan — a group message. Stored once, whatever the group's size; pushed to every device of
 * every other member; members no device of whom took it are named in the message's `pending` set.
 */
import { readGroup } from '../data/groups.js';
import { addPending, storeGroupMessage } from '../data/messages.js';
import { newId } from '../ids.js';
import { CommandError, ok } from '../protocol/replies.js';
import { keyOf } from '../protocol/validation.js';
import { pushToAll } from '../push/deliver.js';
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

    const id = newId(ctx.now);
    const sentAt = new Date(ctx.now).toISOString();
    const event = { event: 'GROUP_MESSAGE', id, group: group.name, from: caller.name, message, sentAt };
    const targets = group.connections.filter((c) => c.user !== caller.key);
    const online = new Set(targets.map((c) => c.user));
    const offline = [...group.members.keys()].filter((user) => user !== caller.key && !online.has(user));

    const [, unreached] = await Promise.all([
      storeGroupMessage(groupKey, event, offline),
      pushToAll(ctx.endpoint, targets, event),
    ]);
    await addPending(groupKey, id, [...unreached]);
    return ok('pesan terkirim');
  },
});
