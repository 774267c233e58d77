/**
 * Pushing frames to connections. A 410 Gone means that exact connection is dead: it is handed to the gone handler
 * (the login room's departure, set by shared/login/index.ts), and the caller learns which users got nothing so their
 * message can wait for them. Fan-out runs with bounded concurrency. The push knows nothing of logins.
 */
import { GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { mapLimit } from '../concurrency.js';
import type { Connection } from '../data/connections.js';
import { log } from '../log.js';
import { metrics } from '../metrics.js';
import { encodePush, type PushEvent } from '../protocol/replies.js';
import { managementClient, PUSH_CONCURRENCY } from './client.js';

export type PushOutcome = 'delivered' | 'gone' | 'failed';

/** One counter per outcome (docs/OPERATIONS.md): the push-failure alarm divides them. */
const PUSH_METRIC: Record<PushOutcome, string> = {
  delivered: 'PushesDelivered',
  gone: 'PushesGone',
  failed: 'PushesFailed',
};

/** Told of a connection a push found gone (410), with the user the push found it for; awaited before the push answers. */
export type GoneHandler = (connection: Pick<Connection, 'connectionId' | 'user'>) => Promise<void>;

let goneHandler: GoneHandler | undefined;

/** Sets who is told of gone connections: shared/login/index.ts (forgetConnection), loaded by every entry that pushes. */
export function whenGone(handler: GoneHandler): void {
  goneHandler = handler;
}

export async function pushOne(
  endpoint: string,
  connection: Pick<Connection, 'connectionId' | 'user'>,
  frame: string,
): Promise<PushOutcome> {
  const outcome = await post(endpoint, connection, frame);
  metrics.count(PUSH_METRIC[outcome]);
  return outcome;
}

async function post(
  endpoint: string,
  connection: Pick<Connection, 'connectionId' | 'user'>,
  frame: string,
): Promise<PushOutcome> {
  try {
    await managementClient(endpoint).send(
      new PostToConnectionCommand({
        ConnectionId: connection.connectionId,
        Data: Buffer.from(frame, 'utf8'),
      }),
    );
    return 'delivered';
  } catch (error) {
    if (
      error instanceof GoneException ||
      (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410
    ) {
      if (!goneHandler)
        log.error('no departure wired for a gone connection', { connectionId: connection.connectionId });
      await goneHandler?.(connection).catch((e: unknown) =>
        log.warn('could not forget a gone connection', { connectionId: connection.connectionId, error: e }),
      );
      return 'gone';
    }
    log.warn('push failed', { connectionId: connection.connectionId, error });
    return 'failed';
  }
}

/**
 * Pushes one event to many connections; returns the users none of whose connections took it. A pending copy (its
 * connection's binding is changing) is pushed to but never counts: the message waits for its user as well.
 */
export async function pushToAll(
  endpoint: string,
  connections: readonly Connection[],
  event: PushEvent,
): Promise<Set<string>> {
  const frame = encodePush(event);
  const outcomes = await mapLimit(connections, PUSH_CONCURRENCY, (connection) =>
    pushOne(endpoint, connection, frame),
  );
  const reached = new Set<string>();
  const tried = new Set<string>();
  outcomes.forEach((outcome, i) => {
    const { user, pending } = connections[i] as Connection;
    tried.add(user);
    if (outcome === 'delivered' && !pending) reached.add(user);
  });
  return new Set([...tried].filter((user) => !reached.has(user)));
}
