/** PING — keeps an idle connection open (API Gateway closes one after 10 idle minutes). */
import { ok } from '../protocol/replies.js';
import { defineCommand } from './command.js';

export const ping = defineCommand({
  failure: 'ping gagal',
  parse: (rest) => (rest === '' ? {} : undefined),
  run: async () => ok('pong'),
});
