/**
 * One change of a connection's binding (AUTH, LOGOUT): the lock on the version read, the steps before and after the
 * one decisive write, and the undo. See docs/DATA_MODEL.md, "The login state machine".
 */
import { randomUUID } from 'node:crypto';
import { type ConnectionState, copyItems, lockConnection, releaseLock } from '../data/connections.js';
import { userGroupKeys } from '../data/groups.js';
import type { Item } from '../data/table.js';
import { log } from '../log.js';
import type { GroupKey, UserKey } from '../protocol/names.js';

/** The binding a change found, with where its copies are. */
export interface Previous {
  state: ConnectionState;
  user: UserKey;
  groups: readonly GroupKey[];
}

export async function previousOf(
  state: ConnectionState,
  known?: readonly GroupKey[],
): Promise<Previous | undefined> {
  if (state.user === undefined) return undefined;
  return {
    state,
    user: state.user,
    groups: known ?? (await userGroupKeys(state.user)),
  };
}

export function copiesOf(connectionId: string, previous: Previous, pending: boolean): Item[] {
  const { user, state } = previous;
  return copyItems({ user, connectionId, expiresAt: state.expiresAt, pending }, previous.groups);
}

/**
 * Runs one change of a connection's binding (docs/DATA_MODEL.md, "The login state machine"): lock on the version
 * read; `before` writes what must exist before the decision (the previous login's copies turn pending, the new
 * login's are written pending); `commit`; then `after` (the previous login departs, the new copies become real) and
 * the lock goes. Anything failing up to the commit is undone (copies back as they were) and rethrown: the connection
 * is as it was. After the commit, the change is made: `after` is tried twice, and what a failure there leaves is
 * pending copies (pushed to, never counted as delivered) until the connection's expiry, and a lock that ends by
 * itself after LOCK_MS.
 */
export async function changeBinding(
  connectionId: string,
  seen: ConnectionState,
  lockUser: UserKey | undefined,
  now: number,
  steps: {
    before: (token: string) => Promise<void>;
    undo: () => Promise<unknown>;
    commit: (token: string) => Promise<void>;
    after: () => Promise<unknown>;
  },
): Promise<boolean> {
  const token = randomUUID();
  if (!(await lockConnection(connectionId, seen, token, lockUser, now))) return false;
  try {
    await steps.before(token);
    await steps.commit(token);
  } catch (error) {
    await Promise.resolve()
      .then(steps.undo)
      .then(() => releaseLock(connectionId, token))
      .catch((e: unknown) => log.warn('could not undo a failed change of login', { connectionId, error: e }));
    throw error;
  }
  // Every step after the commit is idempotent: tried twice (on top of the SDK's own retries).
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      await steps.after();
      await releaseLock(connectionId, token);
      break;
    } catch (error) {
      log.error('a change of login was made, but not tidied up', { connectionId, attempt, error });
    }
  }
  return true;
}
