/** SEND_FILE and SEND_GROUP_FILE — files arrive with the files issue; until then they answer `not_available`. */
import { CommandError } from '../protocol/replies.js';
import { defineCommand } from './command.js';
import { requireUser } from './context.js';

function notYet(failure: string) {
  return defineCommand({
    failure,
    parse: (rest) => (rest === '' ? undefined : { rest }),
    async run(_params, ctx) {
      await requireUser(ctx);
      throw new CommandError('not_available');
    },
  });
}

export const sendFile = notYet('file tidak terkirim');
export const sendGroupFile = notYet('file tidak terkirim');
