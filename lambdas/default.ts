/**
 * $default — every protocol frame. Decodes the frame, dispatches it through the command table, and returns
 * the reply as the two-way route response. It never throws: any failure is a protocol answer.
 */
import type { APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { createContext } from '../shared/commands/context.js';
import { dispatch } from '../shared/commands/index.js';
// A 410 met by a push runs the departure (shared/login/): this entry pushes, so it loads the login room's wiring.
import '../shared/login/index.js';
import { log } from '../shared/log.js';
import { flushMetrics, metrics } from '../shared/metrics.js';
import { frameText, splitTag } from '../shared/protocol/codec.js';
import { encodeReply, fail, UNKNOWN_REQUEST, withTag } from '../shared/protocol/replies.js';
import { callbackUrl } from '../shared/push/client.js';

export async function handler(
  event: APIGatewayProxyWebsocketEventV2,
  context?: Pick<Context, 'awsRequestId'>,
): Promise<{ statusCode: number; body: string }> {
  const { connectionId, domainName, stage, requestTimeEpoch, requestId } = event.requestContext;
  const frame = frameText(event.body, event.isBase64Encoded);
  try {
    const sourceIp = (event.requestContext as { identity?: { sourceIp?: string } }).identity?.sourceIp;
    const now = requestTimeEpoch || Date.now();
    const ctx = createContext(connectionId, callbackUrl(domainName, stage), now, sourceIp);
    const reply = await dispatch(frame, ctx);
    return { statusCode: 200, body: encodeReply(reply) };
  } catch (error) {
    log.error('frame failed', { connectionId, error });
    metrics.count('InternalErrors');
    const failed = withTag(fail(UNKNOWN_REQUEST, 'internal_error'), splitTag(frame).tag);
    return { statusCode: 200, body: encodeReply(failed) };
  } finally {
    flushMetrics({ requestId: context?.awsRequestId, apiRequestId: requestId, connectionId });
  }
}
