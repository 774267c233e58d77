/** LOGOUT's change of binding: the connection stays open and speaks for no one. */
import { type ConnectionState, commitBinding, writeCopies } from '../data/connections.js';
import type { UserKey } from '../protocol/names.js';
import { changeBinding, copiesOf, type Previous, previousOf } from './change.js';
import { depart } from './depart.js';

/**
 * LOGOUT: the connection stays open but no longer speaks for the login `seen` (read strongly). Its copies turn
 * pending, the binding goes (a conditional write on `seen.version`), then the login departs. False when the binding
 * changed since `seen` was read, or another change holds it: then nothing was changed.
 */
export async function unbindConnection(
  connectionId: string,
  user: UserKey,
  seen: ConnectionState,
  now: number,
): Promise<boolean> {
  if (seen.user !== user) return false;
  let before: Previous | undefined;
  return changeBinding(connectionId, seen, undefined, now, {
    before: async () => {
      before = await previousOf(seen);
      if (before) await writeCopies(copiesOf(connectionId, before, true));
    },
    undo: async () => (before ? writeCopies(copiesOf(connectionId, before, false)) : undefined),
    commit: (token) => commitBinding(connectionId, token, seen.version, undefined),
    after: async () =>
      before ? depart(connectionId, user, seen, now, { groups: before.groups }) : undefined,
  });
}
