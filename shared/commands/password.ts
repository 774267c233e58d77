/**
 * PASSWORD lama baru — changes the caller's password. The old one is checked like an AUTH (a wrong one counts
 * against the account's guessing limit), the new one follows REGISTER's rules. Every other device of the user is
 * logged out and told `{"event":"LOGGED_OUT","reason":"password_changed"}`; this connection stays logged in.
 */
import { logOutOtherDevices } from '../account/sessions.js';
import { checkPassword } from '../auth/check.js';
import { hashPassword } from '../auth/password.js';
import { refreshCredential } from '../data/connections.js';
import { changePasswordHash, readAccount, readCredential } from '../data/users.js';
import { withHashSlot } from '../limits/in-flight.js';
import { splitParams } from '../protocol/codec.js';
import { CommandError, ok } from '../protocol/replies.js';
import { isPassword } from '../protocol/validation.js';
import { fenceFrom } from '../push/deliver.js';
import { defineCommand } from './command.js';
import { type CommandContext, requireUser } from './context.js';

/** The logged-in caller's account, if `password` is theirs (checked and counted like AUTH). */
export async function requirePassword(ctx: CommandContext, password: string) {
  const caller = await requireUser(ctx);
  const account = await checkPassword(
    caller.key,
    password,
    readAccount(caller.key, ctx.now),
    ctx.sourceIp,
    ctx.now,
    // Counted per logged-in connection: strangers' failed AUTHs never refuse the owner's session.
    { session: ctx.connectionId },
  );
  return { caller, profile: account.profile };
}

export const password = defineCommand({
  failure: 'ubah kata sandi gagal',
  parse(rest) {
    const params = splitParams(rest, 2);
    if (!params) return;
    const [current, next] = params;
    if (!isPassword(next)) return;
    return { current, next };
  },
  async run({ current, next }, ctx) {
    const { caller, profile } = await requirePassword(ctx, current);
    // Only over the hash just checked: of two changes at once, the second finds the password changed. The write
    // also names every login with the old password that registered before it (commands/log-in.ts).
    const racing = await changePasswordHash(
      caller.key,
      profile.passwordHash,
      await withHashSlot(ctx.sourceIp, ctx.now, () => hashPassword(next)),
    );
    if (racing === undefined) throw new CommandError('invalid_credentials');
    // This connection moves to the new credential; every other device bound with the old one is logged out, and
    // each login still under way is waited for (it settles, or refuses itself) before the answer.
    const [state, credential] = await Promise.all([ctx.session(), readCredential(caller.key)]);
    if (state.boundary !== undefined && credential !== undefined)
      await refreshCredential(ctx.connectionId, { user: caller.key, boundary: state.boundary }, credential);
    await logOutOtherDevices(ctx.endpoint, caller.key, ctx.connectionId, 'password_changed', ctx.now, {
      racing,
      current: credential,
    });
    // Their copies are gone: a group push decided before is started before the answer, or never (the fence).
    await fenceFrom(performance.now());
    return ok('ubah kata sandi berhasil');
  },
});
