/** What every command is given: who is asking, on which connection, and how to reach other connections. */

import { type ConnectionState, readConnection } from '../data/connections.js';
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
  key: string;
  /** The username as its owner spells it, as pushes show it. */
  name: string;
}

/** The logged-in user, or a `not_authenticated` failure. */
export async function requireUser(ctx: CommandContext): Promise<Caller> {
  const { user, username } = await ctx.session();
  if (user === undefined) throw new CommandError('not_authenticated');
  return { key: user, name: username ?? user };
}
