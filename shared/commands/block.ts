/**
 * BLOCK pengguna / UNBLOCK pengguna / BLOCKED — a user the caller blocked reaches them no more in private: to that
 * user's SEND, SEND_ID, SEND_FILE, TYPING, READ and GROUP_INVITE the caller is a user who does not exist
 * (`unknown_recipient`), and their STATUS and WATCH of the caller answer `not_allowed`, as for a name nobody has. The
 * two stop seeing each other's presence (either way; running watches end at the next change). Groups are not
 * blocked: in a group both still see each other's messages, as in the messengers people know. At most MAX_BLOCKS
 * blocks per user (`too_many_blocks`); blocking twice, or unblocking someone not blocked, answers OK and changes
 * nothing.
 */
import { addBlock, listBlocks, MAX_BLOCKS, removeBlock } from '../data/blocks.js';
import { readProfile } from '../data/users.js';
import { CommandError, ok } from '../protocol/replies.js';
import { isUsername, keyOf } from '../protocol/validation.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';
import { parseOneName } from './one-name.js';

export { MAX_BLOCKS };

export const block = defineCommand({
  failure: 'blokir gagal',
  parse: (rest) => parseOneName(rest, isUsername),
  async run({ name }, ctx) {
    const targetKey = keyOf(name);
    const [caller, profile] = await Promise.all([requireUser(ctx), readProfile(targetKey)]);
    if (targetKey === caller.key) throw new CommandError('bad_request');
    if (!profile) throw new CommandError('unknown_recipient');
    if ((await addBlock(caller.key, targetKey, profile.username, ctx.now)) === 'full')
      throw new CommandError('too_many_blocks');
    return ok('pengguna diblokir');
  },
});

export const unblock = defineCommand({
  failure: 'buka blokir gagal',
  parse: (rest) => parseOneName(rest, isUsername),
  async run({ name }, ctx) {
    const caller = await requireUser(ctx);
    await removeBlock(caller.key, keyOf(name));
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
