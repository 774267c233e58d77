/**
 * A password checked against the guessing limits (./attempts.ts) and the address's hashes in flight
 * (../limits/in-flight.ts). In order: the account and what it knows of this source are read; a hash slot is taken
 * (`rate_limited` when the address has too many running); a slot is taken on each failure counter that applies
 * (`too_many_attempts`, unchecked, when one is full); only then is the password compared, in the address's turn in
 * the process's fair queue (../limits/hash-queue.ts). A wrong password stays
 * counted; a right one gives the slots back and, for AUTH, is remembered with its address (and device, when the
 * client asked for one). AUTH, PASSWORD and DELETE_ACCOUNT all check passwords this way; PASSWORD and DELETE_ACCOUNT
 * count per logged-in connection only, so strangers' failures never refuse them, and a stolen session cannot
 * guess faster than AUTH allows.
 */

import type { Account, Profile } from '../data/users.js';
import { addressKey } from '../limits/addresses.js';
import { hashInTurn, releaseHashSlot, takeHashSlot } from '../limits/in-flight.js';
import { log } from '../log.js';
import { metrics } from '../metrics.js';
import type { UserKey } from '../protocol/names.js';
import { CommandError } from '../protocol/replies.js';
import { cancelCheck, checkSucceeded, countersFor, reserveCheck } from './attempts.js';
import { deviceDigest, isKnown, NO_DEVICE, newDeviceToken, readKnown, rememberLogin } from './known.js';
import { verifyPassword } from './password.js';

/** Who asks, beyond the address: AUTH's device parameter, or the logged-in connection checking its own password. */
export interface CheckSource {
  /** AUTH's third parameter (a token, or `-`); absent for a two-parameter AUTH. */
  device?: string | undefined;
  /** The connection id, for PASSWORD and DELETE_ACCOUNT (already logged in as this account). */
  session?: string | undefined;
}

/**
 * The account if `password` is its password; else `too_many_attempts`, `rate_limited` or `invalid_credentials`.
 * `device` is the token to give the client, when it sent a device parameter: the same one when the account knows
 * it, else a new one.
 */
export async function checkPassword(
  userKey: UserKey,
  password: string,
  account: Promise<Account>,
  sourceIp: string | undefined,
  now: number,
  source: CheckSource = {},
): Promise<Account & { profile: Profile; device?: string }> {
  const address = addressKey(sourceIp);
  const session = source.session;
  const presented = source.device !== undefined && source.device !== NO_DEVICE ? source.device : undefined;
  const digest = presented === undefined ? undefined : deviceDigest(presented);
  const [found, known] = await Promise.all([account, session === undefined ? readKnown(userKey) : undefined]);
  const seen = known ? isKnown(known, address, digest, now) : { address: false, device: false };

  const taken = await takeHashSlot(sourceIp, now);
  if ('retryAfter' in taken) throw new CommandError('rate_limited', { retryAfter: taken.retryAfter });
  try {
    const counters = countersFor({
      userKey,
      address,
      device: seen.device ? digest : undefined,
      session,
      known: seen.address || seen.device,
    });
    const reserved = await reserveCheck(counters, now);
    if ('retryAfter' in reserved)
      throw new CommandError('too_many_attempts', { retryAfter: reserved.retryAfter });
    let valid: boolean;
    try {
      // Unknown (or deleted) user and wrong password are one answer, and take the same time (one scrypt), run in
      // the address's turn (a refusal there gives the reservation back: nothing was compared).
      valid = await hashInTurn(sourceIp, () => verifyPassword(password, found.profile?.passwordHash));
    } catch (error) {
      await cancelCheck(reserved.reservation);
      throw error;
    }
    const right = valid && found.profile !== undefined;
    // Every comparison that ran, so a flood's share of the hashes shows (docs/OPERATIONS.md).
    metrics.count('PasswordChecks', 1, { outcome: right ? 'right' : 'wrong' });
    // A wrong password keeps its slots: that is the failure counted.
    if (!right || !found.profile) throw new CommandError('invalid_credentials');
    // Best-effort: a give-back that failed leaves a count one too high until the window ends (the safe side).
    await checkSucceeded(reserved.reservation).catch((error: unknown) =>
      log.warn('auth: could not give back a check', { user: userKey, error }),
    );
    if (!known) return found as Account & { profile: Profile };
    const device =
      source.device === undefined ? undefined : seen.device && presented ? presented : newDeviceToken();
    // Best-effort: a login that could not be remembered still stands (its source is a stranger next time).
    await rememberLogin(userKey, known, address, device && deviceDigest(device), now).catch(
      (error: unknown) => log.warn('auth: could not remember a login', { user: userKey, error }),
    );
    return { ...(found as Account & { profile: Profile }), ...(device === undefined ? {} : { device }) };
  } finally {
    await releaseHashSlot(taken.slot);
  }
}
