/**
 * AUTH username password — binds this connection to the user and answers at once; what waited for them follows
 * as pushes from the worker (shared/delivery/catchup.ts), however much it is.
 * Unknown user and wrong password are one answer, and take the same time.
 * The switch of login is one conditional write on the binding's version (docs/DATA_MODEL.md, "The login state
 * machine"): of two AUTHs racing on one connection one wins, the other changes nothing and answers `login_conflict`.
 */
import { checkAttempts, recordFailure, recordSuccess } from '../auth/attempts.js';
import { verifyPassword } from '../auth/password.js';
import { bindConnection, readConnection } from '../data/connections.js';
import { readAccount } from '../data/users.js';
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
    const [account, current, attempts] = await Promise.all([
      readAccount(userKey, ctx.now, true),
      // Strongly: the switch below is conditional on the version read here.
      readConnection(ctx.connectionId, ctx.now, true),
      checkAttempts(userKey, ctx.sourceIp, ctx.now),
    ]);
    // Refused without checking the password: too many failures for this account or from this address.
    if (attempts.retryAfter !== undefined)
      throw new CommandError('too_many_attempts', { retryAfter: attempts.retryAfter });
    const valid = await verifyPassword(password, account.profile?.passwordHash);
    if (!valid || !account.profile) {
      await recordFailure(attempts, ctx.now);
      throw new CommandError('invalid_credentials');
    }
    await recordSuccess(userKey, attempts);

    // A connection speaks for one login at a time: the previous one (anyone's, or this user's) ends with the switch.
    const connection = { user: userKey, connectionId: ctx.connectionId, expiresAt: current.expiresAt };
    const boundary = await bindConnection(
      connection,
      account.profile.username,
      account.groups,
      current,
      ctx.now,
      // Enqueued before the switch is decided: a run that comes first waits for it, one for a switch that did not
      // happen finds the connection bound otherwise and stops.
      (bound) => enqueue({ kind: 'catchup', user: userKey, connectionId: ctx.connectionId, boundary: bound }),
    );
    if (boundary === undefined) throw new CommandError('login_conflict');
    return ok('autentikasi berhasil');
  },
});
