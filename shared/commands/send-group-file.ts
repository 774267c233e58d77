/**
 * SEND_GROUP_FILE grup namafile [isi-base64] — a file for a group: pushed as GROUP_FILE to every member but the
 * sender, stored once. Without content it starts an upload, as SEND_FILE does.
 */
import { readGroup } from '../data/groups.js';
import { fileEvent, startUpload, storeInline } from '../files/transfer.js';
import { deliverToGroup } from '../messaging.js';
import { CommandError, ok } from '../protocol/replies.js';
import { keyOf } from '../protocol/validation.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';
import { FILE_FAILURE, parseFileParams } from './file-params.js';

export const sendGroupFile = defineCommand({
  failure: FILE_FAILURE,
  parse: (rest) => parseFileParams(rest, 'group'),
  async run({ target, filename, bytes }, ctx) {
    const groupKey = keyOf(target);
    const [caller, group] = await Promise.all([requireUser(ctx), readGroup(groupKey, ctx.now)]);
    if (!group) throw new CommandError('unknown_group');
    if (!group.members.has(caller.key)) throw new CommandError('not_a_member');
    const audience = { group: groupKey, groupName: group.name };
    if (!bytes) return startUpload(caller, audience, filename, ctx.now);

    const file = await storeInline(caller, audience, filename, bytes, ctx.now);
    await deliverToGroup(ctx.endpoint, groupKey, group, caller.key, fileEvent(file), ctx.now);
    return ok('file terkirim');
  },
});
