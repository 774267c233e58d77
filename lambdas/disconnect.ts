/** $disconnect — forgets the connection. Best-effort on AWS: stale items also expire by TTL and are never trusted. */
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { log } from '../shared/log.js';
import { forgetConnection } from '../shared/login/index.js';
import { flushMetrics, metrics } from '../shared/metrics.js';

export async function handler(
  event: APIGatewayProxyWebsocketEventV2,
  context?: Pick<Context, 'awsRequestId'>,
): Promise<APIGatewayProxyResultV2> {
  const { connectionId, requestId } = event.requestContext;
  try {
    await forgetConnection(connectionId);
    metrics.count('Disconnects');
  } catch (error) {
    log.error('disconnect cleanup failed', { connectionId, error });
    metrics.count('DisconnectFailures');
  } finally {
    flushMetrics({ requestId: context?.awsRequestId, apiRequestId: requestId, connectionId });
  }
  return { statusCode: 200 };
}
