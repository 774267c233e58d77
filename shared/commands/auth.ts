/**
 * AUTH username password — binds this connection to the user and answers at once; what waited for them follows
 * as pushes from the worker (shared/delivery/catchup.ts), however much it is.
 * Unknown user and wrong password are one answer, and take the same time.
 */
import { checkPassword } from '../auth/check.js';
import { bindConnection, unbindConnection } from '../data/connections.js';
import { readAccount } from '../data/users.js';
import { cameOnline } from '../delivery/presence.js';
import { spendAddress } from '../limits/addresses.js';
import { splitParams } from '../protocol/codec.js';
import { CommandError, ok } from '../protocol/replies.js';
import { keyOf } from '../protocol/validation.js';
import { enqueue } from '../queue/jobs.js';
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
    // Too many AUTHs of any outcome from this address (each costs a hash, and a success a write per group): refused
    // before the password is checked.
    const withinBudget = Promise.all([
      readAccount(userKey, ctx.now, true),
      spendAddress('auth', ctx.sourceIp, ctx.now),
    ]).then(([found, wait]) => {
      if (wait !== undefined) throw new CommandError('rate_limited', { retryAfter: wait });
      return found;
    });
    const [account, current] = await Promise.all([
      checkPassword(userKey, password, withinBudget, ctx.sourceIp, ctx.now),
      ctx.session(),
    ]);

    // A connection speaks for one login at a time: the previous one (anyone's, or this user's) ends first.
    if (current.user !== undefined) await unbindConnection(ctx.connectionId, current.user, current, ctx.now);
    const connection = { user: userKey, connectionId: ctx.connectionId, expiresAt: current.expiresAt };
    const boundary = await bindConnection(connection, account.profile.username, account.groups);
    await Promise.all([
      enqueue({ kind: 'catchup', user: userKey, connectionId: ctx.connectionId, boundary }),
      cameOnline(ctx.endpoint, userKey, account.profile.username, connection.expiresAt, ctx.now),
    ]);
    return ok('autentikasi berhasil');
  },
});
