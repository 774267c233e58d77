/**
 * STATUS pengguna — `{"user","online","lastSeen"}` of a user the caller shares a group or a conversation with (or
 * themselves). Anyone else, including a name nobody has, is `not_allowed`: presence is not a public directory, and
 * the answer does not tell whether the account exists.
 */

import { readAccount } from '../data/users.js';
import { mayObserve, viewerGroupsOf } from '../delivery/observers.js';
import { userKeyOf } from '../protocol/names.js';
import { CommandError, ok } from '../protocol/replies.js';
import { isUsername } from '../protocol/validation.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';
import { parseOneName } from './one-name.js';

export const status = defineCommand({
  failure: 'status pengguna gagal',
  parse: (rest) => parseOneName(rest, isUsername),
  async run({ name }, ctx) {
    const targetKey = userKeyOf(name);
    const [caller, target] = await Promise.all([requireUser(ctx), readAccount(targetKey, ctx.now, true)]);
    const { profile } = target;
    const allowed =
      profile !== undefined &&
      (caller.key === targetKey ||
        (await mayObserve(caller.key, targetKey, await viewerGroupsOf(caller.key), target.groups)));
    if (!allowed) throw new CommandError('not_allowed');
    const lastSeen = (profile as { lastSeen?: unknown }).lastSeen;
    return ok({
      user: profile.username,
      online: target.connections.length > 0,
      lastSeen: typeof lastSeen === 'string' ? lastSeen : null,
    });
  },
});
