/**
 * BLOCK pengguna / UNBLOCK pengguna / BLOCKED — a user the caller blocked reaches them no more in private: to that
 * user's SEND, SEND_ID, SEND_FILE (and an upload landing later), TYPING, READ, GROUP_INVITE and EDIT of an earlier
 * message the caller is a user who does not exist (`unknown_recipient`), their DELETE is not pushed to the caller, and
 * their STATUS and WATCH of the caller answer `not_allowed`, as for a name nobody has. The two stop seeing each
 * other's presence (either way: STATUS, WATCH, PRESENCE and WHO; running watches end at the next change). Groups are
 * not blocked: in a group both still see each other's messages, as in the messengers people know. Any valid name can
 * be blocked, registered or not, with one answer for both. At most MAX_BLOCKS blocks per user (`too_many_blocks`);
 * blocking twice, or unblocking someone not blocked, answers OK and changes nothing.
 */
import { addBlock, listBlocks, MAX_BLOCKS, removeBlock } from '../data/blocks.js';
import { userKeyOf } from '../protocol/names.js';
import { CommandError, ok } from '../protocol/replies.js';
import { isUsername } from '../protocol/validation.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';
import { parseOneName } from './one-name.js';

export { MAX_BLOCKS };

export const block = defineCommand({
  failure: 'blokir gagal',
  parse: (rest) => parseOneName(rest, isUsername),
  async run({ name }, ctx) {
    const targetKey = userKeyOf(name);
    const caller = await requireUser(ctx);
    if (targetKey === caller.key) throw new CommandError('bad_request');
    // No profile is read: a name nobody has is blocked like any other (and stays blocked for whoever registers it),
    // taking a slot of the same bound, and kept as the caller wrote it, so neither the answer nor BLOCKED tells
    // whether the name exists.
    if ((await addBlock(caller.key, targetKey, name, ctx.now)) === 'full')
      throw new CommandError('too_many_blocks');
    return ok('pengguna diblokir');
  },
});

export const unblock = defineCommand({
  failure: 'buka blokir gagal',
  parse: (rest) => parseOneName(rest, isUsername),
  async run({ name }, ctx) {
    const caller = await requireUser(ctx);
    await removeBlock(caller.key, userKeyOf(name));
    return ok('blokir dibuka');
  },
});

export const blocked = defineCommand({
  failure: 'daftar blokir gagal',
  parse: (rest) => (rest === '' ? {} : undefined),
  async run(_params, ctx) {
    const caller = await requireUser(ctx);
    return ok(await listBlocks(caller.key));
  },
});
