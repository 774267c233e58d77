/**
 * Logging a user out of their devices from elsewhere (PASSWORD, DELETE_ACCOUNT): each device still bound to the
 * user is unbound the way LOGOUT unbinds (shared/login/unbind.ts), then told why with a LOGGED_OUT push. The
 * push follows the unbinding, so a device that reads the event and sends a request is answered not_authenticated.
 */
import { mapLimit } from '../concurrency.js';
import { readConnection, readUserConnections } from '../data/connections.js';
import { newId } from '../ids.js';
import { unbindConnection } from '../login/index.js';
import { encodePush } from '../protocol/replies.js';
import { pushOne } from '../push/deliver.js';

export type LogoutReason = 'password_changed' | 'account_deleted';

/** Logs every device of `userKey` out except `keep` (the one that asked); returns how many were logged out. */
export async function logOutOtherDevices(
  endpoint: string,
  userKey: string,
  keep: string,
  reason: LogoutReason,
  now: number,
): Promise<number> {
  const devices = (await readUserConnections(userKey, now)).filter((c) => c.connectionId !== keep);
  const done = await mapLimit(devices, 8, async (device) => {
    if (!(await unbindWhileBound(device.connectionId, userKey, now))) return false;
    await pushOne(endpoint, device, encodePush({ event: 'LOGGED_OUT', id: newId(now), reason }));
    return true;
  });
  return done.filter(Boolean).length;
}

/** How often a device whose binding is being changed meanwhile (an AUTH or LOGOUT under way) is tried again. */
const UNBIND_ATTEMPTS = 5;

/**
 * Unbinds the connection while it is bound to `userKey`: false when it is not (gone, or logged in as someone else).
 * A change under way on it (login_conflict) is waited out and tried again, so no device keeps the old login.
 */
async function unbindWhileBound(connectionId: string, userKey: string, now: number): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    // Read strongly: a device that meanwhile logged in as someone else is not touched.
    const state = await readConnection(connectionId, now, true);
    if (state.user !== userKey) return false;
    // An AUTH of this user holds it: it reads the account's credential again once its lock is gone (so after this
    // change) and takes itself back (commands/auth.ts); waiting it out would only delay the answer.
    if (state.lock !== undefined && state.lockUser === userKey) return false;
    if (await unbindConnection(connectionId, userKey, state, now)) return true;
    if (attempt >= UNBIND_ATTEMPTS) throw new Error('a device stayed busy with another login change');
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
}
