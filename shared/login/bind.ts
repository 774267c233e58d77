/** AUTH's change of binding: the connection speaks for a user from its boundary on. */
import {
  type Connection,
  type ConnectionState,
  commitBinding,
  copyItems,
  copyKeys,
  writeCopies,
} from '../data/connections.js';
import { keys } from '../data/keys.js';
import { BOUNDARY_LEAD_MS } from '../delivery/boundary.js';
import { idCeil } from '../ids.js';
import type { GroupKey } from '../protocol/names.js';
import { changeBinding, copiesOf, type Previous, previousOf } from './change.js';
import { depart } from './depart.js';

/**
 * Binds the connection to `connection.user` in place of whatever `previous` (read strongly) found. The new copies
 * are written pending before the boundary is taken (from then on every send finds them), `prepare(boundary)` runs
 * (AUTH enqueues the catch-up: a run that comes before the commit waits for it), then the binding is committed on
 * `previous.version`. Returns the boundary (everything with a later id reaches this connection live), or undefined
 * when the binding changed since `previous` was read, or another change holds it: then nothing was changed.
 * `gate` runs first under the lock, before anything is written (AUTH registers the login on the account): false
 * throws LoginRefused, and the connection is left as it was.
 */
export async function bindConnection(
  connection: Connection,
  username: string,
  groups: readonly GroupKey[],
  previous: ConnectionState,
  now: number,
  prepare: (boundary: string) => Promise<void> = async () => undefined,
  credential?: string,
  settle: () => Promise<Settled> = async () => ({ valid: true, left: [] }),
  gate: () => Promise<boolean> = async () => true,
): Promise<string | undefined> {
  const { user, connectionId } = connection;
  const same = previous.user === user;
  const fresh = { ...connection, pending: true };
  let before: Previous | undefined;
  let boundary = '';
  let token = '';
  let passed = false;
  const made = await changeBinding(connectionId, previous, user, now, {
    before: async (held) => {
      token = held;
      if (!(await gate())) throw new LoginRefused();
      passed = true;
      before = await previousOf(previous, same ? groups : undefined);
      await writeCopies([
        ...copyItems(fresh, groups),
        ...(before && !same ? copiesOf(connectionId, before, true) : []),
      ]);
      boundary = idCeil(Date.now() + BOUNDARY_LEAD_MS);
      await prepare(boundary);
    },
    undo: async () =>
      passed &&
      Promise.all([
        same ? undefined : writeCopies([], copyKeys(user, connectionId, groups)),
        before ? writeCopies(copiesOf(connectionId, before, false)) : undefined,
      ]),
    commit: (token) =>
      commitBinding(connectionId, token, previous.version, { user, username, boundary, credential }),
    after: async () => {
      // Still under the lock (a catch-up of this login waits for it, and so does a PASSWORD logging devices out).
      const { valid, left } = await settle();
      if (!valid) {
        // Taken back: the connection ends unbound, and both logins depart (this one never caught up).
        await commitBinding(connectionId, token, previous.version + 1, undefined);
        await Promise.all([
          before && !same
            ? depart(connectionId, before.user, previous, now, { groups: before.groups })
            : undefined,
          depart(connectionId, user, same ? previous : { ...previous, user, caughtUp: false }, now, {
            groups,
          }),
        ]);
        return;
      }
      const kept = groups.filter((group) => !left.includes(group));
      await Promise.all([
        before
          ? depart(connectionId, before.user, previous, now, { groups: before.groups, keep: same })
          : undefined,
        writeCopies(
          copyItems({ ...connection, pending: false }, kept),
          left.map((group) => keys.groupConnection(group, user, connectionId)),
        ),
      ]);
    },
  });
  return made ? boundary : undefined;
}

/**
 * What a login learns right after its commit, still holding the connection (AUTH, issue 22): whether the
 * credentials it was checked against are still the account's (else it is taken back at once), and which of its
 * groups the user has left since their groups were read (their copies go instead of turning live).
 */
export interface Settled {
  valid: boolean;
  left: readonly GroupKey[];
}

/** The login's gate refused it (its credentials changed since they were checked): nothing was written. */
export class LoginRefused extends Error {
  constructor() {
    super('the login was refused at its gate');
    this.name = 'LoginRefused';
  }
}
