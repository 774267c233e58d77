/** $connect — records the connection so AUTH can bind it and pushes can find it. */
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { openConnection } from '../shared/data/connections.js';
import { log } from '../shared/log.js';
import { flushMetrics, metrics } from '../shared/metrics.js';

type ConnectEvent = APIGatewayProxyWebsocketEventV2 & {
  requestContext: { identity?: { sourceIp?: string } };
};

export async function handler(
  event: ConnectEvent,
  context?: Pick<Context, 'awsRequestId'>,
): Promise<APIGatewayProxyResultV2> {
  const { connectionId, connectedAt, identity, requestId } = event.requestContext;
  try {
    await openConnection(connectionId, connectedAt ?? Date.now(), identity?.sourceIp);
    metrics.count('Connects');
    return { statusCode: 200 };
  } catch (error) {
    log.error('connect failed', { connectionId, error });
    metrics.count('ConnectFailures');
    return { statusCode: 500 };
  } finally {
    flushMetrics({ requestId: context?.awsRequestId, apiRequestId: requestId, connectionId });
  }
}
