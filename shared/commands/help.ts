/**
 * HELP — every command with a one-line usage, and the sizes a client must keep to: `maxFrameBytes` (the largest
 * frame it may send) and `maxInlineFileBytes` (the largest inline file). Needs no login and reads nothing.
 */
import { INLINE_MAX_BYTES } from '../files/names.js';
import { MAX_CLIENT_FRAME_BYTES, ok } from '../protocol/replies.js';
import { defineCommand } from './command.js';
import { helpLines } from './help-table.js';

export const help = defineCommand({
  failure: 'bantuan gagal',
  parse: (rest) => (rest === '' ? {} : undefined),
  // The limits ride beside `data`, so a client that reads only `data` sees the seed-form answer.
  run: async () =>
    ok(helpLines(), { maxFrameBytes: MAX_CLIENT_FRAME_BYTES, maxInlineFileBytes: INLINE_MAX_BYTES }),
});
