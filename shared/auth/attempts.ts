/**
 * Password guessing is bounded, exactly, whatever the concurrency, and a stranger cannot aim a lock at the owner.
 *
 * Every password check first takes a slot on each counter that applies to it, one conditional UpdateItem each:
 * `ADD count 1` only while `count < limit`. Only then is the password checked. A wrong password leaves its slots
 * taken (that is the failure counted); a right one gives them back. So N checks at once count N, and at most
 * `limit` of them ever reach the hash within a window, however they interleave. Counters live in fixed windows
 * (`AUTH_WINDOW_SECONDS`, 15 minutes, numbered since the epoch); a full counter refuses (`too_many_attempts`,
 * `retryAfter` = the seconds left in the window) until its window ends: no lock lasts longer than one window, and
 * none doubles.
 *
 * Which counters apply (docs/SECURITY.md has the table):
 *  - `pair` (account + source address, an IPv6 /64) or, when AUTH presents a device token the account issued,
 *    `device` (account + device) instead; `session` (account + connection) for PASSWORD and DELETE_ACCOUNT from a
 *    logged-in connection. Limit `AUTH_MAX_FAILURES`. A right password also clears this one.
 *  - `user` (the account) and `ip` (the address, across accounts; limits `AUTH_MAX_FAILURES`,
 *    `AUTH_MAX_FAILURES_PER_IP`) only when the source is a stranger to the account: neither an address nor a
 *    device it logged in from lately (./known.ts). So strangers' failures, from anywhere, never lock the owner
 *    out of an address or device they used before, and never a logged-in session's PASSWORD.
 *
 * Taking several slots is not one transaction (a transaction would cost twice the writes): they are taken one after
 * another, and when one counter is full the slots already taken are given back. Meanwhile a concurrent check may
 * find a counter one higher than it will be; the error is only ever towards refusing, never towards checking more.
 */
import { config } from '../config.js';
import { keys } from '../data/keys.js';
import { clearSlots, giveBackSlot, takeSlot } from '../data/slots.js';
import { epochSeconds } from '../data/table.js';
import { windowOf } from '../limits/addresses.js';
import type { UserKey } from '../protocol/names.js';

export type Scope = 'user' | 'ip' | 'pair' | 'device' | 'session';

/** One count of failed checks: what it counts, and how many it allows per window. */
export interface Counter {
  scope: Scope;
  subject: string;
  limit: number;
}

/** Who checks the password, as the counters see them. */
export interface Checker {
  userKey: UserKey;
  /** The source address as counted (addressKey: an IPv4 address or an IPv6 /64), when known. */
  address: string | undefined;
  /** The device (its token's digest), when AUTH presented a token the account issued. */
  device?: string | undefined;
  /** The logged-in connection checking its own password (PASSWORD, DELETE_ACCOUNT). */
  session?: string | undefined;
  /** The account logged in lately from this address or device. */
  known: boolean;
}

/** The counters a check by `who` takes a slot on; the first is its own source's. */
export function countersFor(who: Checker): Counter[] {
  const limit = config.authMaxFailures;
  const { userKey, address } = who;
  if (who.session !== undefined) return [{ scope: 'session', subject: `${userKey}#${who.session}`, limit }];
  const out: Counter[] = [];
  if (who.device !== undefined) out.push({ scope: 'device', subject: `${userKey}#${who.device}`, limit });
  else if (address !== undefined) out.push({ scope: 'pair', subject: `${userKey}#${address}`, limit });
  if (who.known) return out;
  out.push({ scope: 'user', subject: userKey, limit });
  if (address !== undefined) out.push({ scope: 'ip', subject: address, limit: config.authMaxFailuresPerIp });
  return out;
}

/** Slots taken for one check, in one window. */
export interface Reservation {
  counters: Counter[];
  window: number;
}

function take(counter: Counter, window: { index: number; end: number }): Promise<boolean> {
  // Kept an hour past its window, then removed by the table's TTL.
  const expiresAt = epochSeconds(window.end) + 3600;
  return takeSlot(keys.authFailures(counter.scope, counter.subject, window.index), counter.limit, expiresAt);
}

function giveBack(counter: Counter, window: number): Promise<void> {
  return giveBackSlot(keys.authFailures(counter.scope, counter.subject, window));
}

/**
 * Takes one slot on each counter, in order, before a password is checked: the reservation, or the seconds until the
 * window ends when a counter is full (then the slots taken before it are given back, and none stays taken).
 * In order, the source's own counter first: of checks from one source racing for its last slots, the losers stop
 * there and never hold (or make others lose) a slot of the account's.
 */
export async function reserveCheck(
  counters: Counter[],
  now: number,
): Promise<{ reservation: Reservation } | { retryAfter: number }> {
  const window = windowOf(now, config.authWindowSeconds);
  const taken: Counter[] = [];
  try {
    for (const counter of counters) {
      if (!(await take(counter, window))) {
        await Promise.all(taken.map((held) => giveBack(held, window.index)));
        return { retryAfter: window.retryAfter };
      }
      taken.push(counter);
    }
  } catch (error) {
    await Promise.all(taken.map((held) => giveBack(held, window.index)));
    throw error;
  }
  return { reservation: { counters, window: window.index } };
}

/** The check was not made after all (an error before the password was compared): its slots are given back. */
export async function cancelCheck(reservation: Reservation): Promise<void> {
  await Promise.all(reservation.counters.map((counter) => giveBack(counter, reservation.window)));
}

/**
 * A right password: the slots are given back, and the source's own count (the first counter) starts again. The
 * account's count of strangers' failures stays: the owner logging in does not let a guesser start over.
 */
export async function checkSucceeded(reservation: Reservation): Promise<void> {
  const [own, ...others] = reservation.counters;
  await Promise.all([
    own && clearSlots(keys.authFailures(own.scope, own.subject, reservation.window)),
    ...others.map((counter) => giveBack(counter, reservation.window)),
  ]);
}
