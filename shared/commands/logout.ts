/** LOGOUT — unbinds this connection from its user; the connection stays open. */
import { unbindConnection } from '../data/connections.js';
import { ok } from '../protocol/replies.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';

export const logout = defineCommand({
  failure: 'logout gagal',
  parse: (rest) => (rest === '' ? {} : undefined),
  async run(_params, ctx) {
    const caller = await requireUser(ctx);
    await unbindConnection(ctx.connectionId, caller.key, await ctx.session(), ctx.now);
    return ok('logout berhasil');
  },
});
