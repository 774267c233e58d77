/**
 * The dispatch table: request word → command. Every command's failure is answered with its own spec string;
 * a typed CommandError names the reason, anything else is logged (without a stack) and answered `internal_error`.
 */
import { spend } from '../limits/budgets.js';
import { log } from '../log.js';
import { metrics } from '../metrics.js';
import { parseRequest, splitTag } from '../protocol/codec.js';
import { userKeyOf } from '../protocol/names.js';
import {
  CommandError,
  fail,
  fitsInFrame,
  type Reply,
  UNKNOWN_REQUEST,
  withTag,
} from '../protocol/replies.js';
import { auth } from './auth.js';
import { block, blocked, unblock } from './block.js';
import type { Command } from './command.js';
import type { CommandContext } from './context.js';
import { conversations } from './conversations.js';
import { deleteAccount } from './delete-account.js';
import { deleteMessage, edit } from './edit.js';
import { fileUrl } from './file-url.js';
import { groupCreate } from './group-create.js';
import { groupDelete } from './group-delete.js';
import { groupInvite } from './group-invite.js';
import { groupJoin } from './group-join.js';
import { groupKick } from './group-kick.js';
import { groupLeave } from './group-leave.js';
import { groupMembers } from './group-members.js';
import { groupOwner } from './group-owner.js';
import { groupUninvite } from './group-uninvite.js';
import { groups } from './groups.js';
import { help } from './help.js';
import { groupHistoryCommand, history } from './history.js';
import { inbox } from './inbox.js';
import { logout } from './logout.js';
import { password } from './password.js';
import { ping } from './ping.js';
import { read, readGroup } from './read.js';
import { register } from './register.js';
import { send } from './send.js';
import { sendFile } from './send-file.js';
import { sendGroup } from './send-group.js';
import { sendGroupFile } from './send-group-file.js';
import { sendGroupId, sendId } from './send-id.js';
import { resume, session, sessionEnd } from './session.js';
import { status } from './status.js';
import { typing, typingGroup } from './typing.js';
import { unwatch, watch } from './watch.js';
import { who } from './who.js';

// biome-ignore lint/suspicious/noExplicitAny: each command's parameters are its own; the table only routes.
type AnyCommand = Command<any>;

export const COMMANDS: Readonly<Record<string, AnyCommand>> = Object.freeze({
  AUTH: auth,
  LOGOUT: logout,
  REGISTER: register,
  SEND: send,
  SEND_GROUP: sendGroup,
  SEND_FILE: sendFile,
  SEND_GROUP_FILE: sendGroupFile,
  GROUP_CREATE: groupCreate,
  GROUP_JOIN: groupJoin,
  GROUP_LEAVE: groupLeave,
  GROUP_MEMBERS: groupMembers,
  GROUPS: groups,
  CONVERSATIONS: conversations,
  INBOX: inbox,
  FILE_URL: fileUrl,
  HISTORY: history,
  GROUP_HISTORY: groupHistoryCommand,
  PING: ping,
  WHO: who,
  STATUS: status,
  WATCH: watch,
  UNWATCH: unwatch,
  TYPING: typing,
  TYPING_GROUP: typingGroup,
  HELP: help,
  GROUP_INVITE: groupInvite,
  GROUP_KICK: groupKick,
  GROUP_OWNER: groupOwner,
  GROUP_DELETE: groupDelete,
  READ: read,
  READ_GROUP: readGroup,
  EDIT: edit,
  DELETE: deleteMessage,
  SEND_ID: sendId,
  SEND_GROUP_ID: sendGroupId,
  PASSWORD: password,
  DELETE_ACCOUNT: deleteAccount,
  BLOCK: block,
  UNBLOCK: unblock,
  BLOCKED: blocked,
  GROUP_UNINVITE: groupUninvite,
  SESSION: session,
  RESUME: resume,
  SESSION_END: sessionEnd,
});

/** One frame: an optional request tag (echoed in the answer, whatever it is), then the request. */
export async function dispatch(frame: string, ctx: CommandContext): Promise<Reply> {
  const { tag, text } = splitTag(frame);
  const { word, rest } = parseRequest(text);
  const started = performance.now();
  const reply = withTag(await answer(word, rest, ctx, tag), tag);
  // Unknown words are counted under one name: a client cannot create metrics by sending garbage.
  const command = Object.hasOwn(COMMANDS, word) ? word : 'UNKNOWN';
  metrics.count('Commands', 1, { command });
  metrics.duration('CommandDuration', performance.now() - started, { command });
  if (reply.status === 'ERROR') {
    metrics.count('CommandErrors', 1, { command, reason: reply.reason });
    if (reply.reason === 'internal_error') metrics.count('InternalErrors');
  }
  return reply;
}

async function answer(word: string, rest: string, ctx: CommandContext, tag?: string): Promise<Reply> {
  const command = Object.hasOwn(COMMANDS, word) ? COMMANDS[word] : undefined;
  if (!command) return fail(UNKNOWN_REQUEST, 'unknown_request');
  try {
    const params = command.parse(rest);
    if (params === undefined) return fail(command.failure, 'bad_request');
    // Flood control before any work: a connection past its budget for this kind of request waits.
    const retryAfter = spend(word, ctx.connectionId, ctx.now);
    if (retryAfter !== undefined) {
      metrics.count('RateLimited', 1, { command: word });
      return fail(command.failure, 'rate_limited', { retryAfter });
    }
    const reply = await command.run(params, ctx);
    // The one line that ties a user to a connection: docs/OPERATIONS.md finds a user's lines through it.
    if ((word === 'AUTH' || word === 'RESUME') && reply.status === 'OK') {
      log.info('signed in', { connectionId: ctx.connectionId, user: userKeyOf(String(params.username)) });
    }
    // An answer API Gateway could not deliver is answered as too large, never dropped (the tag counts too).
    return fitsInFrame(withTag(reply, tag)) ? reply : fail(command.failure, 'too_large');
  } catch (error) {
    if (error instanceof CommandError) return fail(command.failure, error.reason, error.extra);
    log.error('command failed', { command: word, connectionId: ctx.connectionId, error });
    return fail(command.failure, 'internal_error');
  }
}
