/**
 * AUTH username password — binds this connection to the user and answers at once; what waited for them follows
 * as pushes from the worker (shared/delivery/catchup.ts), however much it is.
 * Unknown user and wrong password are one answer, and take the same time.
 * The switch of login is one conditional write on the binding's version (docs/DATA_MODEL.md, "The login state
 * machine"): of two AUTHs racing on one connection one wins, the other changes nothing and answers `login_conflict`.
 */
import { checkPassword } from '../auth/check.js';
import { isDeviceParam } from '../auth/known.js';
import { readConnection } from '../data/connections.js';
import { readAccount } from '../data/users.js';
import { spendAddress } from '../limits/addresses.js';
import { splitParams } from '../protocol/codec.js';
import { userKeyOf } from '../protocol/names.js';
import { CommandError, ok } from '../protocol/replies.js';
import { isUsername } from '../protocol/validation.js';
import { defineCommand } from './command.js';
import { logIn } from './log-in.js';

export const auth = defineCommand({
  failure: 'autentikasi gagal',
  parse(rest) {
    // An optional third parameter asks for a device token (docs/PROTOCOL.md, AUTH): `-`, or the token last given.
    const params = splitParams(rest, 3) ?? splitParams(rest, 2);
    if (!params) return;
    const [username, password, device] = params;
    // No account has a name outside REGISTER's rules: a longer one is refused before it becomes a key.
    if (!isUsername(username) || (device !== undefined && !isDeviceParam(device))) return;
    return { username, password, device };
  },
  async run({ username, password, device }, ctx) {
    const userKey = userKeyOf(username);
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
      checkPassword(userKey, password, withinBudget, ctx.sourceIp, ctx.now, { device }),
      // Strongly: the switch below is conditional on the version read here.
      readConnection(ctx.connectionId, ctx.now, true),
    ]);

    await logIn(ctx, userKey, account, current);
    // The device token goes only to a client that sent the third parameter: a two-parameter AUTH answers as ever.
    return ok('autentikasi berhasil', account.device === undefined ? {} : { device: account.device });
  },
});
