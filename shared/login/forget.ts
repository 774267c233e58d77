/** A connection that is gone ($disconnect, or a 410 from @connections): its item goes and its logins depart. */
import { deleteConnection, readConnection } from '../data/connections.js';
import type { UserKey } from '../protocol/names.js';
import { depart } from './depart.js';

/**
 * Forgets a connection that is gone ($disconnect, or a 410 from @connections): exactly that connection id, under
 * the connection, the user it is bound to, the user a push found it for, and the user an AUTH under way may have
 * written pending copies for. It takes no lock: a change still under way finds the item gone and undoes itself, and
 * whatever copy of this id it leaves is answered 410 and forgotten again.
 */
export async function forgetConnection(
  connectionId: string,
  knownUser?: UserKey,
  now: number = Date.now(),
): Promise<void> {
  const state = await readConnection(connectionId, now, true);
  // An expired or vanished item still leaves copies to remove, under the user a push found it for.
  const user = state.user ?? knownUser;
  const others = [...new Set([knownUser, state.lockUser])].filter(
    (other): other is UserKey => other !== undefined && other !== user,
  );
  await Promise.all([
    deleteConnection(connectionId),
    user === undefined ? undefined : depart(connectionId, user, state, now),
    ...others.map((other) => depart(connectionId, other, state, now)),
  ]);
}
