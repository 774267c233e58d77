/**
 * AUTH username password — binds this connection to the user, then pushes what waited for them.
 * Unknown user and wrong password are one answer, and take the same time.
 */
import { verifyPassword } from '../auth/password.js';
import { bindConnection, unbindConnection } from '../data/connections.js';
import { readAccount } from '../data/users.js';
import { deliverWaiting } from '../delivery.js';
import { splitParams } from '../protocol/codec.js';
import { CommandError, ok } from '../protocol/replies.js';
import { keyOf } from '../protocol/validation.js';
import { defineCommand } from './command.js';

export const auth = defineCommand({
  failure: 'autentikasi gagal',
  parse(rest) {
    const [username, password] = splitParams(rest, 2) ?? [];
    if (username === undefined || password === undefined) return;
    return { username, password };
  },
  async run({ username, password }, ctx) {
    const userKey = keyOf(username);
    const [account, current] = await Promise.all([readAccount(userKey, ctx.now, true), ctx.session()]);
    const valid = await verifyPassword(password, account.profile?.passwordHash);
    if (!valid || !account.profile) throw new CommandError('invalid_credentials');

    if (current.user !== undefined && current.user !== userKey)
      await unbindConnection(ctx.connectionId, current.user);
    const connection = { user: userKey, connectionId: ctx.connectionId, expiresAt: current.expiresAt };
    await bindConnection(connection, account.profile.username, account.groups);
    await deliverWaiting(connection, account.groups, account.profile.groupCursor, ctx);
    return ok('autentikasi berhasil');
  },
});
