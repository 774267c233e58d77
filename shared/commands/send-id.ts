/**
 * SEND_ID clientId penerima pesan and SEND_GROUP_ID clientId grup pesan — SEND and SEND_GROUP that a client may
 * retry safely: the same client id from the same user within 24 h answers OK with the same message id and stores
 * and pushes nothing again (shared/commands/outgoing.ts, sendOnce).
 */
import { splitParams } from '../protocol/codec.js';
import { defineCommand } from './command.js';
import { isClientId, sendOnce } from './outgoing.js';
import { prepareDirect, SEND_FAILURE } from './send.js';
import { prepareGroup } from './send-group.js';
import { parseTarget } from './target.js';

function parseWithClientId(rest: string, kind: 'user' | 'group') {
  const params = splitParams(rest, 2, true);
  if (!params) return;
  const [clientId, tail] = params;
  if (!isClientId(clientId)) return;
  const target = parseTarget(tail, kind);
  return target && { clientId, ...target };
}

export const sendId = defineCommand({
  failure: SEND_FAILURE,
  parse: (rest) => parseWithClientId(rest, 'user'),
  run: async ({ clientId, ...params }, ctx) => sendOnce(ctx, clientId, await prepareDirect(ctx, params)),
});

export const sendGroupId = defineCommand({
  failure: SEND_FAILURE,
  parse: (rest) => parseWithClientId(rest, 'group'),
  run: async ({ clientId, ...params }, ctx) => sendOnce(ctx, clientId, await prepareGroup(ctx, params)),
});
