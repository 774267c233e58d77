/** GROUPS — the caller's groups, sorted. */
import { userGroups } from '../data/groups.js';
import { ok } from '../protocol/replies.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';

export const groups = defineCommand({
  failure: 'daftar grup gagal',
  parse: (rest) => (rest === '' ? {} : undefined),
  async run(_params, ctx) {
    const caller = await requireUser(ctx);
    return ok((await userGroups(caller.key)).map((group) => group.name).sort());
  },
});
