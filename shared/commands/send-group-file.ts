/**
 * SEND_GROUP_FILE grup namafile [isi-base64] — a file for a group: pushed as GROUP_FILE to every member but the
 * sender, stored once. Without content it starts an upload, as SEND_FILE does.
 */
import { deliverToGroup } from '../delivery/group.js';
import { fileEvent, startUpload, storeInline } from '../files/transfer.js';
import { ok } from '../protocol/replies.js';
import { defineCommand } from './command.js';
import { FILE_FAILURE, parseFileParams } from './file-params.js';
import { requireMember } from './membership.js';

export const sendGroupFile = defineCommand({
  failure: FILE_FAILURE,
  parse: (rest) => parseFileParams(rest, 'group'),
  async run({ target, filename, bytes }, ctx) {
    const { caller, groupKey, membership } = await requireMember(ctx, target);
    const audience = { group: groupKey, groupName: membership.name };
    if (!bytes) return startUpload(caller, audience, filename, ctx.now);

    const file = await storeInline(caller, audience, filename, bytes, ctx.now);
    await deliverToGroup(ctx.endpoint, groupKey, caller.key, fileEvent(file), ctx.now);
    return ok('file terkirim', { id: file.id });
  },
});
