/**
 * LOGOUT — unbinds this connection from its user; the connection stays open. Only the login it read (strongly) is
 * ended: if an AUTH on the same connection changed it meanwhile, nothing is changed and it answers `login_conflict`.
 */
import { readConnection } from '../data/connections.js';
import { unbindConnection } from '../login/index.js';
import { CommandError, ok } from '../protocol/replies.js';
import { defineCommand } from './command.js';

export const logout = defineCommand({
  failure: 'logout gagal',
  parse: (rest) => (rest === '' ? {} : undefined),
  async run(_params, ctx) {
    // Strongly, once: the unbinding is conditional on the version read here.
    const seen = await readConnection(ctx.connectionId, ctx.now, true);
    if (seen.user === undefined) throw new CommandError('not_authenticated');
    if (!(await unbindConnection(ctx.connectionId, seen.user, seen, ctx.now)))
      throw new CommandError('login_conflict');
    return ok('logout berhasil');
  },
});
