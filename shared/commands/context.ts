/** What every command is given: who is asking, on which connection, and how to reach other connections. */

import { type ConnectionState, readConnection } from '../data/connections.js';
import { readCredential } from '../data/users.js';
import type { UserKey } from '../protocol/names.js';
import { CommandError } from '../protocol/replies.js';

export interface CommandContext {
  readonly connectionId: string;
  /** The @connections endpoint for pushes. */
  readonly endpoint: string;
  /** Milliseconds since the epoch at which the request arrived. */
  readonly now: number;
  /** The client's address as API Gateway saw it (requestContext.identity.sourceIp), when known. */
  readonly sourceIp: string | undefined;
  /** The connection's binding, read once per request and only when a command asks. */
  session(): Promise<ConnectionState>;
}

export function createContext(
  connectionId: string,
  endpoint: string,
  now: number,
  sourceIp?: string,
): CommandContext {
  let state: Promise<ConnectionState> | undefined;
  return {
    connectionId,
    endpoint,
    now,
    sourceIp,
    session: () => {
      state ??= readConnection(connectionId, now);
      return state;
    },
  };
}

export interface Caller {
  /** The user's key (lower case), as items are keyed. */
  key: UserKey;
  /** The username as its owner spells it, as pushes show it. */
  name: string;
}

/**
 * The logged-in user, or a `not_authenticated` failure — also for a login made with credentials that are no longer
 * the account's (its password changed, or it was deleted, maybe registered again): the binding's credential is
 * checked against the account's, read strongly (one small GetItem per command), so from the answer to PASSWORD or
 * DELETE_ACCOUNT on, no such login can do anything, whatever raced it. A binding made before credentials were
 * recorded carries none and is not checked (PASSWORD and DELETE_ACCOUNT log such devices out as before).
 */
export async function requireUser(ctx: CommandContext): Promise<Caller> {
  const { user, username, credential } = await ctx.session();
  if (user === undefined) throw new CommandError('not_authenticated');
  if (credential !== undefined && (await readCredential(user)) !== credential)
    throw new CommandError('not_authenticated');
  return { key: user, name: username ?? user };
}

/**
 * After a command wrote something in the caller's name (a membership): the account is still the one that asked,
 * read strongly. A DELETE_ACCOUNT that raced the command either came before its write — then its clean-up, which
 * reads after its tombstone, may have missed the write, but this read sees the tombstone — or after it, and its
 * clean-up removes what was written. False: the caller takes back what it wrote.
 */
export async function stillCurrent(ctx: CommandContext, caller: Caller): Promise<boolean> {
  const { credential } = await ctx.session();
  const now = await readCredential(caller.key);
  return now !== undefined && (credential === undefined || now === credential);
}
