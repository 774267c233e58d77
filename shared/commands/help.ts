/** HELP — every command with a one-line usage. Needs no login and reads nothing. */
import { ok } from '../protocol/replies.js';
import { defineCommand } from './command.js';
import { helpLines } from './help-table.js';

export const help = defineCommand({
  failure: 'bantuan gagal',
  parse: (rest) => (rest === '' ? {} : undefined),
  run: async () => ok(helpLines()),
});
