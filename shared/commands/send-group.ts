/**
 * SEND_GROUP grup pesan — a group message. Stored once, whatever the group's size; pushed to every online device
 * of every other member (a large group's pages on the worker); offline members get it at their next login
 * (see shared/delivery/group.ts).
 */
import { sendToGroup } from '../delivery/group.js';
import { newId } from '../ids.js';
import { ok } from '../protocol/replies.js';
import { defineCommand } from './command.js';
import { requireMember } from './membership.js';
import { parseTarget } from './target.js';

export const sendGroup = defineCommand({
  failure: 'pesan tidak terkirim',
  parse: (rest) => parseTarget(rest, 'group'),
  async run({ target, message }, ctx) {
    const { caller, groupKey, membership } = await requireMember(ctx, target);
    const event = {
      event: 'GROUP_MESSAGE',
      id: newId(ctx.now),
      group: membership.name,
      from: caller.name,
      message,
      sentAt: new Date(ctx.now).toISOString(),
    };
    await sendToGroup(ctx.endpoint, groupKey, caller.key, event, ctx.now);
    return ok('pesan terkirim');
  },
});
