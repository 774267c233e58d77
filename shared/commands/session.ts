/**
 * Resuming a login without the password (issue 23: a page reload keeps you logged in).
 *  - SESSION — for a logged-in connection: a new random token (256 bits, base64url). The server keeps only its
 *    SHA-256, under `SESSION#<hash>`, with the user, a fingerprint of the account's current password hash, and an
 *    expiry (30 days, a TTL). Nothing in the table lets anyone resume: the token is needed.
 *  - RESUME username token — logs this connection in as AUTH does, when the token is the user's, not expired, not
 *    ended, and the account still has the password it had when the token was made: PASSWORD revokes every token, and
 *    DELETE_ACCOUNT too (no account). Every failure is `invalid_credentials`, as AUTH's are; it draws on AUTH's
 *    per-address budget.
 *  - SESSION_END token — ends the token (a client logging out calls it before LOGOUT); answers OK whether or not it
 *    still existed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readConnection } from '../data/connections.js';
import { deleteSession, putSession, readSession } from '../data/sessions.js';
import { epochSeconds } from '../data/table.js';
import { readAccount } from '../data/users.js';
import { spendAddress } from '../limits/addresses.js';
import { splitParams } from '../protocol/codec.js';
import { userKeyOf } from '../protocol/names.js';
import { CommandError, ok } from '../protocol/replies.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';
import { logIn } from './log-in.js';

export const SESSION_DAYS = 30;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export const session = defineCommand({
  failure: 'sesi gagal dibuat',
  parse: (rest) => (rest === '' ? {} : undefined),
  async run(_params, ctx) {
    const caller = await requireUser(ctx);
    const { profile } = await readAccount(caller.key, ctx.now);
    if (!profile) throw new CommandError('not_authenticated');
    const token = randomBytes(32).toString('base64url');
    const expiresAt = ctx.now + SESSION_DAYS * 86_400_000;
    const created = await putSession(
      sha256(token),
      { user: caller.key, credential: sha256(profile.passwordHash), expiresAt: epochSeconds(expiresAt) },
      ctx.now,
    );
    if (!created) throw new Error('a fresh session token was already taken');
    return ok({ token, expiresAt: new Date(expiresAt).toISOString() });
  },
});

export const resume = defineCommand({
  failure: 'autentikasi gagal',
  parse(rest) {
    const params = splitParams(rest, 2);
    if (!params) return;
    const [username, token] = params;
    return { username, token };
  },
  async run({ username, token }, ctx) {
    const userKey = userKeyOf(username);
    const wait = await spendAddress('auth', ctx.sourceIp, ctx.now);
    if (wait !== undefined) throw new CommandError('rate_limited', { retryAfter: wait });
    if (!TOKEN.test(token)) throw new CommandError('invalid_credentials');
    const [found, account, current] = await Promise.all([
      readSession(sha256(token)),
      readAccount(userKey, ctx.now, true),
      readConnection(ctx.connectionId, ctx.now, true),
    ]);
    const valid =
      found !== undefined &&
      found.user === userKey &&
      found.expiresAt > epochSeconds(ctx.now) &&
      account.profile !== undefined &&
      found.credential === sha256(account.profile.passwordHash);
    if (!valid || !account.profile) throw new CommandError('invalid_credentials');

    // From here on exactly as AUTH (shared/commands/log-in.ts): the same switch and the same credential checks.
    await logIn(ctx, userKey, { profile: account.profile, groups: account.groups }, current);
    return ok('autentikasi berhasil');
  },
});

export const sessionEnd = defineCommand({
  failure: 'sesi gagal diakhiri',
  parse: (rest) => (TOKEN.test(rest) ? { token: rest } : undefined),
  async run({ token }) {
    await deleteSession(sha256(token));
    return ok('sesi berakhir');
  },
});
