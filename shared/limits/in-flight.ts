/**
 * How many password hashes one source address may have running at once (AUTH, REGISTER, PASSWORD, DELETE_ACCOUNT
 * each run scrypt, ~100 ms of a core). The hourly budgets (addresses.ts) bound how many an address makes; this
 * bounds how many of the shared handlers' concurrency (on AWS, the `$default` function's) it holds at one moment.
 * It does not decide who goes first inside one process: there scrypt runs first come, first served, so the local
 * runtime measured a bystander's AUTH 16.9x slower while one address held its 16 slots (docs/PERFORMANCE.md).
 * `hashInTurn` does that: every hash waits in the process's fair queue (./hash-queue.ts), served by address
 * in turns, at most `hashConcurrency` at once.
 *
 * One counter item per address (an IPv6 /64, as addresses.ts counts them): a hash takes a slot with a single
 * conditional UpdateItem, `ADD count 1` only while `count < cap`, and gives it back in `finally` with `ADD count -1`.
 * Past the cap the command answers `rate_limited` with `retryAfter` 1 and nothing runs.
 *
 * A handler that dies between the two (a crash, a timeout) would leak its slot. Every taking of a slot moves the
 * item's `leaseUntil` to now + the lease (three times the handler's timeout), so once `leaseUntil` has passed, no slot
 * was taken for a whole lease and every holder has ended, alive or not: the next taker then starts the count again
 * at 1 in a new `generation`, and releases from the old generation change nothing. An address whose slots all
 * leaked is refused for at most one lease. Unknown addresses (see addresses.ts) are not counted.
 */
import { config } from '../config.js';
import { keys } from '../data/keys.js';
import { giveBackLeasedSlot, restartLeasedSlots, takeLeasedSlot } from '../data/slots.js';
import { epochSeconds } from '../data/table.js';
import { log } from '../log.js';
import { CommandError } from '../protocol/replies.js';
import { addressKey } from './addresses.js';
import { FairQueue, QueueFull } from './hash-queue.js';

/** A slot held: give it back with releaseHashSlot. Undefined when the address is unknown (nothing was counted). */
export type HashSlot = { address: string; generation: number } | undefined;

/** Takes a slot for `sourceIp`: the slot, or the seconds to wait when the address has `cap` hashes running. */
export async function takeHashSlot(
  sourceIp: string | undefined,
  now: number,
): Promise<{ slot: HashSlot } | { retryAfter: number }> {
  const address = addressKey(sourceIp);
  if (address === undefined) return { slot: undefined };
  const key = keys.hashSlots(address);
  const until = now + config.hashLeaseSeconds * 1000;
  // Kept a lease past its last use, then removed by the table's TTL.
  const lease = { until, expiresAt: epochSeconds(until) + config.hashLeaseSeconds };
  const generation =
    (await takeLeasedSlot(key, config.hashesInFlightPerIp, lease)) ??
    // Full, but no slot was taken for a whole lease: whoever holds them has ended. A new generation starts at 1.
    (await restartLeasedSlots(key, now, lease));
  return generation === undefined ? { retryAfter: 1 } : { slot: { address, generation } };
}

/**
 * Gives a slot back (in `finally`); a slot of a generation that was started again meanwhile changes nothing. Never
 * throws: a failure is logged.
 */
export async function releaseHashSlot(slot: HashSlot): Promise<void> {
  if (slot === undefined) return;
  try {
    await giveBackLeasedSlot(keys.hashSlots(slot.address), slot.generation);
  } catch (error) {
    // Not the command's failure: the hash ran. A slot not given back is taken again once a lease passes unused.
    log.warn('in-flight: could not give back a hash slot', { error });
  }
}

/** Runs `hash` holding a slot of `sourceIp`'s; `rate_limited` with `retryAfter` when the address has none free. */
export async function withHashSlot<T>(
  sourceIp: string | undefined,
  now: number,
  hash: () => Promise<T>,
): Promise<T> {
  const taken = await takeHashSlot(sourceIp, now);
  if ('retryAfter' in taken) throw new CommandError('rate_limited', { retryAfter: taken.retryAfter });
  try {
    return await hashInTurn(sourceIp, hash);
  } finally {
    await releaseHashSlot(taken.slot);
  }
}

let queue: FairQueue | undefined;

/** This process's password hashes running and waiting in the fair queue (tests, diagnostics). */
export function hashQueueSize(): { running: number; waiting: number } {
  return { running: queue?.running ?? 0, waiting: queue?.waiting ?? 0 };
}

/**
 * Runs `hash` (one scrypt) in `sourceIp`'s turn in this process's fair queue; `rate_limited` with `retryAfter` 1,
 * without hashing, when the address already has `hashesInFlightPerIp` hashes waiting here. Unknown addresses share
 * one turn.
 */
export function hashInTurn<T>(sourceIp: string | undefined, hash: () => Promise<T>): Promise<T> {
  queue ??= new FairQueue(config.hashConcurrency, config.hashesInFlightPerIp);
  return queue.run(addressKey(sourceIp) ?? '', hash).catch((error: unknown) => {
    if (error instanceof QueueFull) throw new CommandError('rate_limited', { retryAfter: 1 });
    throw error;
  });
}
