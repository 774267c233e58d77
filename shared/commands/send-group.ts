/**
 * SEND_GROUP grup pesan — a group message. Stored once, whatever the group's size; pushed to every online device
 * of every other member (a large group's pages on the worker); offline members get it at their next login
 * (see shared/delivery/group.ts). The answer carries the message's `id`.
 */
import { deliverToGroup } from '../delivery/group.js';
import { defineCommand } from './command.js';
import type { CommandContext } from './context.js';
import { requireMember } from './membership.js';
import { type Outgoing, sendNow } from './outgoing.js';
import { SEND_FAILURE } from './send.js';
import { parseTarget } from './target.js';

/** Checks a group message (caller logged in and a member) and says how to deliver it under a given id. */
export async function prepareGroup(
  ctx: CommandContext,
  { target, message }: { target: string; message: string },
): Promise<Outgoing> {
  const { caller, groupKey, membership } = await requireMember(ctx, target);
  return {
    caller,
    audience: `group:${groupKey}`,
    message,
    deliver: (id, at) =>
      deliverToGroup(
        ctx.endpoint,
        groupKey,
        caller.key,
        {
          event: 'GROUP_MESSAGE',
          id,
          group: membership.name,
          from: caller.name,
          message,
          sentAt: new Date(at).toISOString(),
        },
        ctx.now,
      ),
  };
}

export const sendGroup = defineCommand({
  failure: SEND_FAILURE,
  parse: (rest) => parseTarget(rest, 'group'),
  run: async (params, ctx) => sendNow(ctx, await prepareGroup(ctx, params)),
});
