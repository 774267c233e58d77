/**
 * WATCH pengguna [pengguna…] / UNWATCH pengguna [pengguna…] — this connection receives (or stops receiving)
 * `{"event":"PRESENCE","user","online","at"}` when those users come online (their first connection is bound) or go
 * offline (their last one goes). Only users the caller may STATUS can be watched (else `not_allowed`, and nothing
 * changes). A connection watches at most MAX_WATCHES users (`too_many_watches`), and at most MAX_WATCHERS
 * connections watch one user (`too_many_watchers`; nothing of the request stays); its watches end with it (and with
 * its login: LOGOUT or AUTH as someone else). The right is checked again whenever a PRESENCE event is sent (a kick,
 * a leave or a BLOCK ends it), and a watch whose right ended is removed then (shared/delivery/signals.ts).
 */
import { mapLimit } from '../concurrency.js';
import { readConnection } from '../data/connections.js';
import { addWatches, listWatches, removeWatches } from '../data/presence.js';
import { mayObserve, viewerGroupsOf } from '../delivery/observers.js';
import { type UserKey, userKeyOf } from '../protocol/names.js';
import { CommandError, ok } from '../protocol/replies.js';
import { isUsername } from '../protocol/validation.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';

/** Users one connection may watch at once. */
export const MAX_WATCHES = 200;
/** Names in one WATCH / UNWATCH request. */
export const MAX_NAMES_PER_REQUEST = 50;

/** The request's names, as the keys of the users they name (each once). */
function parseNames(rest: string): { userKeys: UserKey[] } | undefined {
  const names = rest === '' ? [] : rest.split(/ +/);
  if (names.length === 0 || names.length > MAX_NAMES_PER_REQUEST || !names.every(isUsername)) return;
  return { userKeys: [...new Set(names.map(userKeyOf))] };
}

export const watch = defineCommand({
  failure: 'pantau gagal',
  parse: parseNames,
  async run({ userKeys }, ctx) {
    const caller = await requireUser(ctx);
    const [watching, mine] = await Promise.all([listWatches(ctx.connectionId), viewerGroupsOf(caller.key)]);
    const fresh = userKeys.filter((userKey) => !watching.includes(userKey));
    if (watching.length + fresh.length > MAX_WATCHES) throw new CommandError('too_many_watches');
    const allowed = await mapLimit(fresh, 16, (userKey) => mayObserve(caller.key, userKey, mine));
    if (allowed.includes(false)) throw new CommandError('not_allowed');
    const login = await ctx.session();
    const full = await addWatches(ctx.connectionId, caller.key, login.expiresAt, fresh, ctx.now);
    if (full.length > 0) {
      await removeWatches(ctx.connectionId, fresh);
      throw new CommandError('too_many_watchers');
    }
    // Written, then read again: two WATCHes of one connection at the same moment could each pass the count above,
    // and a LOGOUT of this connection at the same moment could have dropped its watches before these were written.
    // Either way this request's own additions are undone.
    const [after, still] = await Promise.all([
      listWatches(ctx.connectionId),
      readConnection(ctx.connectionId, ctx.now, true),
    ]);
    const reason =
      still.user !== caller.key || still.boundary !== login.boundary
        ? 'not_authenticated'
        : after.length > MAX_WATCHES
          ? 'too_many_watches'
          : undefined;
    if (reason) {
      await removeWatches(ctx.connectionId, fresh);
      throw new CommandError(reason);
    }
    return ok('pantau berhasil');
  },
});

export const unwatch = defineCommand({
  failure: 'berhenti memantau gagal',
  parse: parseNames,
  async run({ userKeys }, ctx) {
    await requireUser(ctx);
    await removeWatches(ctx.connectionId, userKeys);
    return ok('berhenti memantau berhasil');
  },
});
