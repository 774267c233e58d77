/**
 * Logging a user out of their devices from elsewhere (PASSWORD, DELETE_ACCOUNT): each device still bound to the
 * user is unbound the way LOGOUT unbinds (shared/data/connections.ts), then told why with a LOGGED_OUT push. The
 * push follows the unbinding, so a device that reads the event and sends a request is answered not_authenticated.
 */
import { mapLimit } from '../concurrency.js';
import { readConnection, readUserConnections, unbindConnection } from '../data/connections.js';
import { newId } from '../ids.js';
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
    // Read strongly: a device that meanwhile logged in as someone else is not touched.
    const state = await readConnection(device.connectionId, now, true);
    if (state.user !== userKey) return false;
    await unbindConnection(device.connectionId, userKey, state, now);
    await pushOne(endpoint, device, encodePush({ event: 'LOGGED_OUT', id: newId(now), reason }));
    return true;
  });
  return done.filter(Boolean).length;
}
