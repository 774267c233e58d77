/**
 * READ nama id and READ_GROUP grup id — the caller has read a conversation up to the message `id`: one cursor per
 * reader and conversation, moved forward only (a conditional write). The other side is told with a READ push: in a
 * private conversation the other user's devices, in a group only the devices of the message's sender. HISTORY shows
 * the other side's cursor as `readUpTo`.
 */

import { type Connection, readUserConnections } from '../data/connections.js';
import { directPk, keys } from '../data/keys.js';
import { advanceReadCursor, readGroupMessage, readMessage } from '../data/messages.js';
import { readAccount } from '../data/users.js';
import { conversationStart } from '../delivery/name-reuse.js';
import { newId } from '../ids.js';
import { splitParams } from '../protocol/codec.js';
import { groupKeyOf, userKeyOf } from '../protocol/names.js';
import { CommandError, ok, type PushEvent } from '../protocol/replies.js';
import { isGroupName, isMessageId, isUsername } from '../protocol/validation.js';
import { pushToAll } from '../push/deliver.js';
import { refuseIfBlocked } from './blocking.js';
import { defineCommand } from './command.js';
import { type Caller, type CommandContext, requireUser } from './context.js';
import { requireMember } from './membership.js';

const FAILURE = 'pesan gagal ditandai terbaca';
const OK = 'pesan ditandai terbaca';

function parseRead(rest: string, isName: (name: string) => boolean) {
  const params = splitParams(rest, 2);
  if (!params) return;
  const [name, id] = params;
  if (!isName(name) || !isMessageId(id)) return;
  return { name, id };
}

/**
 * Moves the cursor; when it moved, tells the audience's devices online now (nobody when the reader is the audience).
 * `devices` reads them only then.
 */
async function markRead(
  ctx: CommandContext,
  conversationPk: string,
  reader: Caller,
  audience: string,
  devices: () => Promise<Connection[]>,
  push: PushEvent,
) {
  const moved = await advanceReadCursor(conversationPk, reader.key, String(push.upTo), ctx.now);
  if (moved && audience !== reader.key) await pushToAll(ctx.endpoint, await devices(), push);
  return ok(OK);
}

export const read = defineCommand({
  failure: FAILURE,
  parse: (rest) => parseRead(rest, isUsername),
  async run({ name, id }, ctx) {
    const otherKey = userKeyOf(name);
    const user = requireUser(ctx);
    const [caller, other] = await Promise.all([
      user,
      readAccount(otherKey, ctx.now),
      refuseIfBlocked(user, otherKey),
    ]);
    if (!other.profile) throw new CommandError('unknown_recipient');
    const [message, start] = await Promise.all([
      readMessage(keys.directMessage(caller.key, otherKey, id)),
      conversationStart(caller.key, otherKey),
    ]);
    // Before the conversation's start (either account's creation) it is an earlier owner's: not this conversation's.
    if (!message || id < start) throw new CommandError('unknown_message');
    const push = { event: 'READ', id: newId(ctx.now), by: caller.name, upTo: id };
    const devices = async () => other.connections;
    return markRead(ctx, directPk(caller.key, otherKey), caller, otherKey, devices, push);
  },
});

export const readGroup = defineCommand({
  failure: FAILURE,
  parse: (rest) => parseRead(rest, isGroupName),
  async run({ name, id }, ctx) {
    // The message is read beside the membership check; nothing of it is told unless the caller is a member.
    const [{ caller, groupKey, membership }, message] = await Promise.all([
      requireMember(ctx, name),
      readGroupMessage(groupKeyOf(name), id),
    ]);
    if (!message) throw new CommandError('unknown_message');
    const push = { event: 'READ', id: newId(ctx.now), by: caller.name, group: membership.name, upTo: id };
    const sender = userKeyOf(String(message.from));
    // A message sent by the name's earlier owner (deleted, the name registered again) tells its new owner nothing.
    const devices = async () =>
      id < (await conversationStart(sender, sender)) ? [] : readUserConnections(sender, ctx.now);
    return markRead(ctx, keys.groupMessage(groupKey, '').pk, caller, sender, devices, push);
  },
});
