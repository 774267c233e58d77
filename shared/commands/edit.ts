/**
 * EDIT id pesan and DELETE id — change or remove one of your own messages (private or group, text or file), within
 * the edit window (EDIT_WINDOW_SECONDS, 24 h by default, counted from the time in the id). The message id alone finds
 * the message through its pointer (`MSGREF#<id>`, written with the message). Someone else's message, an unknown id
 * and a deleted message all answer `unknown_message`: an id tells nothing about messages that are not yours.
 * The change is pushed to the message's audience online now (shared/delivery/changes.ts); whoever is offline gets
 * the message as it then is (or not at all) from their catch-up, and HISTORY shows the edit or a tombstone. A private
 * message's recipient who blocked the sender since, or no longer exists, is to EDIT a user who does not exist
 * (`unknown_recipient`, nothing changed); a DELETE is still stored but not pushed to them.
 */
import { deleteFile } from '../bucket/s3.js';
import { config } from '../config.js';
import { isBlocked } from '../data/blocks.js';
import { readUserConnections } from '../data/connections.js';
import { deleteFileRecord } from '../data/files.js';
import { readMembership } from '../data/groups.js';
import { conversationOf } from '../data/keys.js';
import {
  deleteMessageRef,
  editStoredMessage,
  type MessageRef,
  readMessage,
  readMessageRef,
  tombstoneMessage,
} from '../data/messages.js';
import { readProfile } from '../data/users.js';
import { pushToConversation } from '../delivery/changes.js';
import { startFrom } from '../delivery/name-reuse.js';
import { idTime } from '../ids.js';
import { splitParams } from '../protocol/codec.js';
import type { UserKey } from '../protocol/names.js';
import { CommandError, ok, type PushEvent } from '../protocol/replies.js';
import { isMessageId } from '../protocol/validation.js';
import { pushToAll } from '../push/deliver.js';
import { defineCommand } from './command.js';
import { type CommandContext, requireUser } from './context.js';
import { parseTarget } from './target.js';

/** Files cannot be edited (send a new one); they can be deleted. */
const FILE_KINDS = new Set(['FILE', 'GROUP_FILE']);

/**
 * Whether a private message's recipient no longer exists for its sender, as SEND would find them: the account is gone
 * (deleted, or its name registered again since the message: then it was the earlier owner's), or it blocked the
 * sender. False for a group message and for a note to oneself. Both reads at once (the block strongly, as SEND's).
 */
async function recipientGone(id: string, ref: MessageRef): Promise<boolean> {
  const conversation = conversationOf(ref.ref.pk);
  if ('group' in conversation) return false;
  const other = conversation.users.find((user) => user !== ref.from);
  if (other === undefined) return false;
  const [profile, blocked] = await Promise.all([readProfile(other), isBlocked(other, ref.from)]);
  return blocked || !profile || id < startFrom([profile.createdAt]);
}

/** The caller's own message `id`, still inside the window: its pointer, or the failure to answer. */
async function ownMessage(ctx: CommandContext, id: string): Promise<MessageRef> {
  const caller = await requireUser(ctx);
  // Decided from the id alone, before any read: the id carries its time, so this tells nobody anything new.
  if (ctx.now - idTime(id) > config.editWindowSeconds * 1000) throw new CommandError('too_late');
  const ref = await readMessageRef(id, ctx.now);
  if (!ref || ref.from !== caller.key) throw new CommandError('unknown_message');
  return ref;
}

/** `push` to the caller's other devices online now. */
async function pushToOwnDevices(ctx: CommandContext, userKey: UserKey, push: PushEvent): Promise<void> {
  const connections = await readUserConnections(userKey, ctx.now);
  await pushToAll(
    ctx.endpoint,
    connections.filter((c) => c.connectionId !== ctx.connectionId),
    push,
  );
}

export const edit = defineCommand({
  failure: 'pesan tidak diubah',
  // The id is checked as a name first (a 26-character id is one), then as an id; the text as SEND's.
  parse(rest) {
    const parsed = parseTarget(rest, 'user');
    return parsed && isMessageId(parsed.target) ? { id: parsed.target, message: parsed.message } : undefined;
  },
  async run({ id, message }, ctx) {
    const ref = await ownMessage(ctx, id);
    if (FILE_KINDS.has(ref.kind)) throw new CommandError('not_editable');
    // Only a member edits what a group reads (a kicked member cannot rewrite their old messages; DELETE stays open).
    const conversation = conversationOf(ref.ref.pk);
    if ('group' in conversation && !(await readMembership(ref.from, conversation.group)))
      throw new CommandError('not_a_member');
    // A recipient who blocked the sender (or no longer exists) is, to EDIT as to SEND, a user who does not exist:
    // the text stays as it was, in their HISTORY and in what still waits for them.
    if (await recipientGone(id, ref)) throw new CommandError('unknown_recipient');
    const editedAt = new Date(ctx.now).toISOString();
    const edited = await editStoredMessage(ref.ref, message, editedAt);
    if (!edited) throw new CommandError('unknown_message');
    const push = { event: 'MESSAGE_EDITED', id, message, editedAt };
    await pushToConversation(ctx.endpoint, ref.ref.pk, push, ctx.connectionId, ctx.now);
    return ok('pesan diubah');
  },
});

export const deleteMessage = defineCommand({
  failure: 'pesan tidak dihapus',
  parse(rest) {
    const params = splitParams(rest, 1);
    return params && isMessageId(params[0]) ? { id: params[0] } : undefined;
  },
  async run({ id }, ctx) {
    const ref = await ownMessage(ctx, id);
    // A message already a tombstone whose pointer is still here: an earlier DELETE stopped before its end (the pointer
    // goes last); this one finishes it. The tombstone keeps the file's object key for that.
    const [tombstone, gone] = await Promise.all([
      tombstoneMessage(ref.ref, new Date(ctx.now).toISOString()),
      recipientGone(id, ref),
    ]);
    const stored = tombstone ?? (await readMessage(ref.ref));
    if (!stored) throw new CommandError('unknown_message');
    // A file's object and record go (links already handed out stop working, FILE_URL answers unknown_file), then
    // the pointer: a later EDIT or DELETE of this id is unknown_message.
    const objectKey = typeof stored.objectKey === 'string' ? stored.objectKey : undefined;
    if (objectKey) await Promise.all([deleteFile(objectKey), deleteFileRecord(id)]);
    // The deletion is stored whoever the recipient is (what waited for them is not delivered, their HISTORY shows the
    // tombstone), but a recipient who blocked the sender (or no longer exists) is not pushed to: only the sender's
    // other devices are told.
    const push = { event: 'MESSAGE_DELETED', id };
    await Promise.all([
      deleteMessageRef(id),
      gone
        ? pushToOwnDevices(ctx, ref.from, push)
        : pushToConversation(ctx.endpoint, ref.ref.pk, push, ctx.connectionId, ctx.now),
    ]);
    return ok('pesan dihapus');
  },
});
