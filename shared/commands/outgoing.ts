/**
 * The one way SEND, SEND_GROUP, SEND_ID and SEND_GROUP_ID deliver a message: a checked message (`Outgoing`, from
 * prepareDirect / prepareGroup) is delivered under an id, and the answer carries that id. The _ID variants only add
 * the claim of the client's id (sendOnce), so a retried send ends as exactly one message:
 *  1. the id and time are chosen up front and claimed with a conditional put (`SENDID#<user>#<clientId>`, 24 h);
 *  2. the claimant stores and pushes under that id, then marks the claim done;
 *  3. a later attempt finds the claim: done → it answers the same id and does nothing; not done → the first attempt
 *     is still running or died half-way, so it waits a moment for it and then re-runs the store and push itself
 *     under the claimed id and time (the store writes the same item again; a push may then reach a device twice,
 *     with the same id, which clients drop as they drop every repeated push).
 * The same client id with another recipient or text is refused (`client_id_reused`): answering OK would
 * acknowledge a message that is never stored.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { config } from '../config.js';
import { claimClientId, markClaimDone, readClaim, type SendClaim } from '../data/send-claims.js';
import { newId } from '../ids.js';
import type { UserKey } from '../protocol/names.js';
import { CommandError, ok, type Reply } from '../protocol/replies.js';
import type { Caller, CommandContext } from './context.js';

export interface Outgoing {
  caller: Caller;
  /** `user:<key>` or `group:<key>`: whom the message is for. */
  audience: string;
  message: string;
  /**
   * Stores and pushes the message under `id`, sent at `at` (epoch ms). Doing it twice stores one message. A private
   * message resolves true when a device of the recipient took it before the answer (SEND_ID's `delivered`).
   */
  deliver(id: string, at: number): Promise<unknown>;
}

export const SENT = 'pesan terkirim';

export async function sendNow(ctx: CommandContext, outgoing: Outgoing): Promise<Reply> {
  const id = newId(ctx.now);
  await outgoing.deliver(id, ctx.now);
  return ok(SENT, { id });
}

/** A client id: 8 to 64 of A–Z, a–z, 0–9, `_` and `-`. */
export function isClientId(value: string): boolean {
  return /^[A-Za-z0-9_-]{8,64}$/.test(value);
}

/**
 * How many times a retry reads an unfinished claim while it waits for the first attempt (config.sendIdWaitMs, 2 s:
 * every 100 ms) before it finishes the work itself. A count rather than an interval, so a test that lowers the wait
 * polls exactly as production does, only sooner.
 */
export const TAKEOVER_POLLS = 20;

export async function sendOnce(ctx: CommandContext, clientId: string, outgoing: Outgoing): Promise<Reply> {
  const user = outgoing.caller.key;
  const fingerprint = createHash('sha256').update(`${outgoing.audience}\n${outgoing.message}`).digest('hex');
  const mine = { id: newId(ctx.now), at: ctx.now, fingerprint };
  let claim: SendClaim | undefined = await claimClientId(user, clientId, mine, ctx.now);
  if (claim === undefined) claim = { ...mine, done: false };
  else if (claim.fingerprint !== fingerprint) throw new CommandError('client_id_reused');
  else claim = await settled(user, clientId, claim, ctx.now);

  let delivered = false;
  if (!claim.done) {
    delivered = (await outgoing.deliver(claim.id, claim.at)) === true;
    await markClaimDone(user, clientId, claim.id);
  }
  // SEND_ID (an extension: SEND's seed-form answer never changes) tells when the message already reached a device of
  // its recipient; a retry of a finished send does not know, and says nothing.
  return ok(SENT, delivered ? { id: claim.id, delivered: true } : { id: claim.id });
}

/** Past this age an unfinished claim's attempt has certainly ended (the request handler's timeout is 10 s). */
export const ABANDONED_MS = 15_000;

/** Gives an unfinished claim a moment to be finished by the attempt that made it, if it may still be running. */
async function settled(user: UserKey, clientId: string, claim: SendClaim, now: number): Promise<SendClaim> {
  if (now - claim.at > ABANDONED_MS) return claim;
  let current = claim;
  for (let poll = 0; !current.done && poll < TAKEOVER_POLLS; poll++) {
    await sleep(config.sendIdWaitMs / TAKEOVER_POLLS);
    current = (await readClaim(user, clientId, now)) ?? current;
  }
  return current;
}
