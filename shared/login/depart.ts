/**
 * The departure: what happens when a connection stops speaking for a user, whoever ends it (LOGOUT, AUTH, a
 * $disconnect, a 410 from @connections). See docs/DATA_MODEL.md, "Why nothing is missed".
 */
import { type ConnectionState, copyKeys, writeCopies } from '../data/connections.js';
import { markDepartures, userGroupKeys } from '../data/groups.js';
import { epochSeconds } from '../data/table.js';
import { advanceGroupCursor } from '../data/users.js';
import { departed } from '../delivery/presence.js';
import { idCeil } from '../ids.js';
import type { GroupKey, UserKey } from '../protocol/names.js';

/** Departure marks outlive every fan-out job that could still need them (queue retention + DLQ redrive). */
export const DEPARTURE_TTL_MS = 15 * 24 * 3600 * 1000;

/**
 * A connection stops speaking for `user` (LOGOUT, AUTH as someone else or as the same user again, $disconnect, a
 * 410). Its copies go from the user and every group (unless `keep`: the same user's new login owns them now). If its
 * login had caught up, everything up to now reached it (live, or waiting in the inbox), so the user's group cursor
 * moves to now — after a departure mark is left in each group, so a fan-out that runs late still hands the user what
 * was sent before this moment (see docs/DATA_MODEL.md).
 */
export async function depart(
  connectionId: string,
  user: UserKey,
  state: ConnectionState,
  now: number,
  { groups, keep = false }: { groups?: readonly GroupKey[]; keep?: boolean } = {},
) {
  const known = groups ?? (await userGroupKeys(user));
  const drop = () => (keep ? undefined : writeCopies([], copyKeys(user, connectionId, known)));
  if (state.caughtUp && state.user === user) {
    const cursor = idCeil(now);
    const expiresAt = epochSeconds(now + DEPARTURE_TTL_MS);
    await markDepartures(known, cursor, user, expiresAt);
    await Promise.all([drop(), advanceGroupCursor(user, cursor)]);
  } else {
    await drop();
  }
  // Watchers (WATCH) are told once the user's last connection is gone; the same user's new login is no departure.
  if (!keep) await departed(connectionId, user, now);
}
