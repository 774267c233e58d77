/**
 * GROUP_DELETE grup — the owner deletes the group: it is gone for everyone at once (the group item is marked), and the
 * worker then tells the online members (GROUP_DELETED) and removes every membership, message and file, page by page
 * (shared/groups/delete.ts). The name is free again when that is done.
 */
import { deleteGroup } from '../groups/delete.js';
import { CommandError, ok } from '../protocol/replies.js';
import { fenceFrom } from '../push/deliver.js';
import { defineCommand } from './command.js';
import { parseGroupName } from './group-name.js';
import { requireOwner } from './membership.js';

export const groupDelete = defineCommand({
  failure: 'grup gagal dihapus',
  parse: parseGroupName,
  async run({ name }, ctx) {
    const { groupKey, meta } = await requireOwner(ctx, name);
    // Conditional on the owner read above: a hand-over (or another deletion) in between wins.
    if (!(await deleteGroup(groupKey, meta.ownerName, ctx.now))) throw new CommandError('not_owner');
    // Every push of the group checks the mark; one decided before it is started before the answer, or never (the fence).
    await fenceFrom(performance.now());
    return ok('grup berhasil dihapus');
  },
});
