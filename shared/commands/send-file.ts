/**
 * SEND_FILE penerima namafile [isi-base64] — a private file. With content: stored in S3 and pushed as FILE with a
 * signed link. Without: answers with a signed upload form; the FILE push follows when the upload lands.
 */
import { readAccount } from '../data/users.js';
import { deliverToUser } from '../delivery/direct.js';
import { fileEvent, startUpload, storeInline } from '../files/transfer.js';
import { userKeyOf } from '../protocol/names.js';
import { CommandError, ok } from '../protocol/replies.js';
import { refuseIfBlockedReadHeads } from './blocking.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';
import { FILE_FAILURE, parseFileParams } from './file-params.js';

export const sendFile = defineCommand({
  failure: FILE_FAILURE,
  parse: (rest) => parseFileParams(rest, 'user'),
  async run({ target, filename, bytes }, ctx) {
    const toKey = userKeyOf(target);
    const user = requireUser(ctx);
    const [caller, recipient, heads] = await Promise.all([
      user,
      readAccount(toKey, ctx.now),
      refuseIfBlockedReadHeads(user, toKey),
    ]);
    if (!recipient.profile) throw new CommandError('unknown_recipient');
    const audience = { to: toKey, toName: recipient.profile.username };
    if (!bytes) return startUpload(caller, audience, filename, ctx.now);

    const file = await storeInline(caller, audience, filename, bytes, ctx.now);
    await deliverToUser(
      {
        endpoint: ctx.endpoint,
        fromKey: caller.key,
        toKey,
        connections: recipient.connections,
        event: fileEvent(file),
        now: ctx.now,
      },
      heads,
    );
    return ok('file terkirim', { id: file.id });
  },
});
