/**
 * LOGOUT — unbinds this connection from its user; the connection stays open. Only the login it read (strongly) is
 * ended: if an AUTH on the same connection changed it meanwhile, nothing is changed and it answers `login_conflict`.
 */
import { readConnection, unbindConnection } from '../data/connections.js';
import { CommandError, ok } from '../protocol/replies.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';

export const logout = defineCommand({
  failure: 'logout gagal',
  parse: (rest) => (rest === '' ? {} : undefined),
  async run(_params, ctx) {
    const caller = await requireUser(ctx);
    const seen = await readConnection(ctx.connectionId, ctx.now, true);
    if (!(await unbindConnection(ctx.connectionId, caller.key, seen, ctx.now)))
      throw new CommandError('login_conflict');
    return ok('logout berhasil');
  },
});
