/**
 * A password checked against the guessing limit (./attempts.ts): refused without checking while the account or the
 * address is locked out; a wrong password counts as a failure, a right one clears the account's count. AUTH,
 * PASSWORD and DELETE_ACCOUNT all check passwords this way, so a stolen session cannot guess faster than a stranger.
 */
import type { Account, Profile } from '../data/users.js';
import { CommandError } from '../protocol/replies.js';
import { checkAttempts, recordFailure, recordSuccess } from './attempts.js';
import { verifyPassword } from './password.js';

/** The account if `password` is its password; else `too_many_attempts` or `invalid_credentials`. */
export async function checkPassword(
  userKey: string,
  password: string,
  account: Promise<Account>,
  sourceIp: string | undefined,
  now: number,
): Promise<Account & { profile: Profile }> {
  const [found, attempts] = await Promise.all([account, checkAttempts(userKey, sourceIp, now)]);
  if (attempts.retryAfter !== undefined)
    throw new CommandError('too_many_attempts', { retryAfter: attempts.retryAfter });
  // Unknown (or deleted) user and wrong password are one answer, and take the same time (one scrypt).
  const valid = await verifyPassword(password, found.profile?.passwordHash);
  if (!valid || !found.profile) {
    await recordFailure(attempts, now);
    throw new CommandError('invalid_credentials');
  }
  await recordSuccess(userKey, attempts);
  return found as Account & { profile: Profile };
}
