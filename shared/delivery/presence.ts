/**
 * Presence changes, pushed only to the connections that WATCH the user: `{"event":"PRESENCE","user","online","at"}`.
 * Two hooks: a login calls `cameOnline` after binding its connection; every departure (LOGOUT, AUTH as someone
 * else, $disconnect, a 410) calls `departed` from shared/login/depart.ts after the connection's copies are gone.
 *
 * Exactly one event per change, without a lost one: the profile's `onlineUntil` flag is set only by the login that
 * finds it clear (a conditional write), and cleared by the departure that found no live connection left. A login
 * writes its `#CONN#` copy, then sets the flag; a departure removes its copy, reads the connections, clears the flag,
 * then reads the connections once more — so a login that bound meanwhile (and found the flag still set) is seen by
 * that second read, which sets the flag again and announces it online. See docs/DATA_MODEL.md, "Presence".
 */
import { readUserConnections } from '../data/connections.js';
import { dropWatches, markOffline, markOnline } from '../data/presence.js';
import { newId } from '../ids.js';
import { log } from '../log.js';
import type { UserKey } from '../protocol/names.js';
import { signal } from './signals.js';

function announce(
  endpoint: string | undefined,
  user: UserKey,
  username: string,
  online: boolean,
  at: number,
) {
  const event = { event: 'PRESENCE', id: newId(at), user: username, online, at: new Date(at).toISOString() };
  return signal(endpoint, { kind: 'signal', to: 'watchers', key: user, skip: '', after: '', event }, at);
}

/**
 * A connection of the user was just bound (AUTH). Announces the user online if it is their first. Presence is
 * secondary to the login: a failure here is logged, never the login's.
 */
export async function cameOnline(
  endpoint: string,
  user: UserKey,
  username: string,
  expiresAt: number,
  now: number,
): Promise<void> {
  try {
    if (await markOnline(user, expiresAt, now)) await announce(endpoint, user, username, true, now);
  } catch (error) {
    log.warn('presence: could not announce a login', { user, error });
  }
}

/**
 * A connection stopped speaking for `user` and its copies are gone. Drops exactly this connection's watches; if it
 * was the user's last live connection, records `lastSeen` and announces the user offline (to the worker: a
 * departure may run where no @connections endpoint is known).
 */
export async function departed(connectionId: string, user: UserKey, now: number): Promise<void> {
  try {
    const [, remaining] = await Promise.all([dropWatches(connectionId), readUserConnections(user, now)]);
    if (remaining.length > 0) return;
    const username = await markOffline(user, now);
    if (username === undefined) return;
    await announce(undefined, user, username, false, now);
    const again = await readUserConnections(user, now);
    const until = Math.max(0, ...again.map((c) => c.expiresAt));
    const at = Math.max(Date.now(), now + 1);
    if (again.length > 0 && (await markOnline(user, until, at)))
      await announce(undefined, user, username, true, at);
  } catch (error) {
    log.warn('presence: could not record a departure', { connectionId, user, error });
  }
}
