/**
 * FILE_URL id — a fresh download link for a file the caller sent or was sent (as recipient or group member). A group
 * file needs membership now, not when it was sent: a member who left or was kicked gets no more links, even to files
 * they sent there; a deleted group's files are gone.
 */
import { signDownload } from '../bucket/s3.js';
import { getFileRecord } from '../data/files.js';
import { readGroupMeta, readMembership } from '../data/groups.js';
import { conversationStart } from '../delivery/name-reuse.js';
import { splitParams } from '../protocol/codec.js';
import { CommandError, ok } from '../protocol/replies.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';

export const fileUrl = defineCommand({
  failure: 'link file gagal',
  parse(rest) {
    const params = splitParams(rest, 1);
    return params && /^[0-9A-Z]{26}$/.test(params[0]) ? { id: params[0] } : undefined;
  },
  async run({ id }, ctx) {
    const [caller, file] = await Promise.all([requireUser(ctx), getFileRecord(id)]);
    if (file?.status !== 'ready') throw new CommandError('unknown_file');
    // A private file belongs to both accounts as they were when it was sent: one sent before the caller's account
    // was created was the name's earlier owner's (names are free again after a deletion).
    let allowed =
      file.group === undefined &&
      (file.from === caller.key || file.to === caller.key) &&
      id >= (await conversationStart(file.from, file.to ?? file.from));
    if (file.group !== undefined) {
      const [membership, meta] = await Promise.all([
        readMembership(caller.key, file.group),
        readGroupMeta(file.group),
      ]);
      allowed = membership !== undefined && meta !== undefined;
    }
    // Someone else's file answers exactly as a missing one: ids reveal nothing.
    if (!allowed) throw new CommandError('unknown_file');
    const link = await signDownload(file.objectKey, file.filename, ctx.now);
    return ok({
      id,
      filename: file.filename,
      size: file.size ?? 0,
      url: link.url,
      expiresAt: link.expiresAt,
    });
  },
});
