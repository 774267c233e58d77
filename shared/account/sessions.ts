/**
 * Logging a user out of their devices from elsewhere (PASSWORD, DELETE_ACCOUNT): each device still bound to the
 * user is unbound the way LOGOUT unbinds (shared/login/unbind.ts), then told why with a LOGGED_OUT push. The
 * push follows the unbinding, so a device that reads the event and sends a request is answered not_authenticated.
 * A device that disconnects while it is unbound is logged out all the same (unbindLogin).
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { mapLimit } from '../concurrency.js';
import { type ConnectionState, readConnection, readUserConnections } from '../data/connections.js';
import { newId } from '../ids.js';
import { forgetConnection, unbindConnection } from '../login/index.js';
import type { UserKey } from '../protocol/names.js';
import { encodePush } from '../protocol/replies.js';
import { pushOne } from '../push/deliver.js';

export type LogoutReason = 'password_changed' | 'account_deleted';

/**
 * Logs every device of `userKey` out except `keep` (the one that asked); returns how many were logged out. `racing`:
 * the connections whose logins registered on the account before the change (registerLogin in data/users.ts), found
 * by the change's own write: each is waited for until its login has settled, and logged out if it stands. A device
 * already bound with `current` (the account's credential after the change) keeps its login.
 */
export async function logOutOtherDevices(
  endpoint: string,
  userKey: UserKey,
  keep: string,
  reason: LogoutReason,
  now: number,
  { racing = [], current }: { racing?: readonly string[]; current?: string } = {},
): Promise<number> {
  const found = await readUserConnections(userKey, now);
  const ids = new Set([...found.map((c) => c.connectionId), ...racing]);
  ids.delete(keep);
  const done = await mapLimit([...ids], 8, async (connectionId) => {
    if (!(await unbindWhileBound(connectionId, userKey, now, current))) return false;
    await pushOne(
      endpoint,
      { connectionId, user: userKey },
      encodePush({ event: 'LOGGED_OUT', id: newId(now), reason }),
    );
    return true;
  });
  return done.filter(Boolean).length;
}

/** How often a device whose binding is being changed meanwhile (a LOGOUT, another user's AUTH) is tried again. */
const UNBIND_ATTEMPTS = 5;

/**
 * Every wait of an unbinding (a poll of a login under way, a retry after a busy device) goes through here: one
 * object a test can spy on to see the delays asked for and cut them short (test/unit/login-state.test.ts).
 */
export const unbindPauses = { sleep: (ms: number): Promise<unknown> => sleep(ms) };
/**
 * How long an AUTH under way on a device is waited for: in practice a few ms. Past it (its lock outlived a double
 * failure, and lapses only after 30 s, beyond the request handler's 10 s) the change answers internal_error; it
 * stands, and the per-command check refuses that login.
 */
export const LOGIN_WAIT_MS = 5000;

/**
 * Unbinds the connection while it is bound to `userKey` with another credential than `current`: false when it is not
 * (gone, logged in as someone else, or with the new credential), or stops being so during the unbinding (it
 * disconnects). An AUTH of this user under way on it is waited for (its lock gone: committed and settled, or
 * undone), polling its item strongly, at most LOGIN_WAIT_MS (in practice a few ms). Another change under way
 * (login_conflict) is waited out and tried again, so no device keeps the old login.
 */
async function unbindWhileBound(
  connectionId: string,
  userKey: UserKey,
  now: number,
  current: string | undefined,
): Promise<boolean> {
  const giveUp = performance.now() + LOGIN_WAIT_MS;
  for (let attempt = 1, poll = 5; ; ) {
    // Read strongly: a device that meanwhile logged in as someone else is not touched.
    const state = await readConnection(connectionId, Date.now(), true);
    if (state.lock !== undefined && state.lockUser === userKey) {
      // An AUTH of this user holds it: it has registered (or will find the credential changed and refuse itself).
      if (performance.now() > giveUp) throw new Error('a login under way did not settle');
      await unbindPauses.sleep(poll);
      poll = Math.min(poll * 2, 100);
      continue;
    }
    if (!boundWithOld(state, userKey, current)) return false;
    const outcome = await unbindLogin(connectionId, userKey, state, now, current);
    if (outcome !== 'busy') return outcome === 'unbound';
    if (attempt >= UNBIND_ATTEMPTS) throw new Error('a device stayed busy with another login change');
    await unbindPauses.sleep(200 * attempt++);
  }
}

/** Whether the connection speaks for `userKey` with another credential than `current`: the login to end. */
function boundWithOld(state: ConnectionState, userKey: UserKey, current: string | undefined): boolean {
  return state.user === userKey && (current === undefined || state.credential !== current);
}

/**
 * Ends the login `state` (read strongly) found on the connection the LOGOUT way (unbindConnection): 'unbound', or
 * 'busy' when another change held or changed the binding first (nothing was changed), or 'ended' when the
 * connection went meanwhile. `$disconnect` takes no lock: it deletes the item, and an unbinding under way then fails
 * its commit and undoes itself (docs/DATA_MODEL.md, "The login state machine"), putting the device's copies back
 * live. The login ended with the connection; what the undo put back is removed as $disconnect removes it, so that
 * none is left to push to when PASSWORD or DELETE_ACCOUNT answers. A failure while the connection is still bound
 * with the old credential (another than `current`) is the caller's.
 */
export async function unbindLogin(
  connectionId: string,
  userKey: UserKey,
  state: ConnectionState,
  now: number,
  current?: string,
): Promise<'unbound' | 'busy' | 'ended'> {
  try {
    return (await unbindConnection(connectionId, userKey, state, now)) ? 'unbound' : 'busy';
  } catch (error) {
    const after = await readConnection(connectionId, Date.now(), true);
    if (boundWithOld(after, userKey, current)) throw error;
    // No item: the connection is gone (an AUTH's lock cannot write it again: lockConnection). A version means it
    // lives, bound by another change since: that change ended the login, and the connection is not ours to forget.
    if (after.version === 0) await forgetConnection(connectionId, userKey, now);
    return 'ended';
  }
}
