/**
 * The login itself, once the caller has proved who they are (AUTH's password, RESUME's token): one conditional switch
 * of this connection's binding (docs/DATA_MODEL.md, "The login state machine"), then the credential checks that make
 * a racing PASSWORD or DELETE_ACCOUNT exact (docs/SECURITY.md, "Credential changes are exact"). AUTH and RESUME share
 * it, so a login by token is held to every rule a login by password is.
 */
import { LOCK_MS, markAnswered, readConnection } from '../data/connections.js';
import { memberOf } from '../data/groups.js';
import { credentialOf, type Profile, readCredential, registerLogin } from '../data/users.js';
import { cameOnline } from '../delivery/presence.js';
import { log } from '../log.js';
import { bindConnection, LoginRefused, unbindConnection } from '../login/index.js';
import type { GroupKey, UserKey } from '../protocol/names.js';
import { CommandError } from '../protocol/replies.js';
import { enqueue } from '../queue/jobs.js';
import type { CommandContext } from './context.js';

/** The account as read when the caller's proof was checked: its credential then is the one the binding carries. */
export interface Proven {
  profile: Profile;
  groups: GroupKey[];
}

/** Binds this connection to `userKey`; throws `login_conflict` or `invalid_credentials` (a credential changed since). */
export async function logIn(
  ctx: CommandContext,
  userKey: UserKey,
  account: Proven,
  current: Awaited<ReturnType<typeof readConnection>>,
): Promise<void> {
  // A connection speaks for one login at a time: the previous one (anyone's, or this user's) ends with the switch.
  const connection = { user: userKey, connectionId: ctx.connectionId, expiresAt: current.expiresAt };
  const credential = credentialOf(account.profile);
  let refused = false;
  const boundary = await bindConnection(
    connection,
    account.profile.username,
    account.groups,
    current,
    ctx.now,
    // Enqueued before the switch is decided: a run that comes first waits for it, one for a switch that did not
    // happen finds the connection bound otherwise and stops.
    (bound) =>
      enqueue({
        kind: 'catchup',
        user: userKey,
        connectionId: ctx.connectionId,
        boundary: bound,
        afterAnswer: true,
      }),
    credential,
    // Right after the commit, under the connection's lock (so before any catch-up frame), read strongly: the
    // password was checked against the credential read at the start, and a PASSWORD or DELETE_ACCOUNT may have
    // changed it since; then the login is taken back at once. Groups the user left since are read too: no live
    // copy goes there (pushes check membership anyway: membersOnly in shared/data/groups.ts).
    async () => {
      const [now, still] = await Promise.all([readCredential(userKey), memberOf(userKey, account.groups)]);
      refused = now !== credential;
      return { valid: !refused, left: account.groups.filter((group) => !still.has(group)) };
    },
    // Before any copy is written, under the lock: the login registers on the account while the hash it was checked
    // against is still the account's. A PASSWORD or DELETE_ACCOUNT after this write learns of it from its own
    // write and waits for this login to end or settle (shared/account/sessions.ts); one before it refuses it here.
    () => registerLogin(userKey, account.profile, ctx.connectionId, ctx.now + LOCK_MS, ctx.now),
  ).catch((error: unknown) => {
    if (error instanceof LoginRefused) throw new CommandError('invalid_credentials');
    throw error;
  });
  if (boundary === undefined) throw new CommandError('login_conflict');
  if (refused) throw new CommandError('invalid_credentials');
  // Watchers are told best-effort: cameOnline logs its own failure, and the login stands (STATUS reads the copies).
  // Beside it, the credential is read once more, now that the lock is gone: a PASSWORD or DELETE_ACCOUNT that
  // found this connection still locked left it to this read (shared/account/sessions.ts), which comes after
  // their change; one that came later finds it bound and logs it out.
  const [still] = await Promise.all([
    readCredential(userKey),
    cameOnline(ctx.endpoint, userKey, account.profile.username, connection.expiresAt, ctx.now),
  ]);
  if (still !== credential) {
    await unbindConnection(
      ctx.connectionId,
      userKey,
      await readConnection(ctx.connectionId, ctx.now, true),
      ctx.now,
    );
    throw new CommandError('invalid_credentials');
  }
  // The last step before the answer: the catch-up waits for this mark, so the answer comes first. If the mark cannot
  // be written the login stands, and the catch-up goes ahead once ANSWER_WAIT_MS have passed (shared/delivery/catchup.ts).
  await markAnswered(ctx.connectionId, { user: userKey, boundary }).catch((error: unknown) =>
    log.warn('could not mark the login answered', { connectionId: ctx.connectionId, error }),
  );
}
