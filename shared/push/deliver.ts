/**
 * Pushing frames to connections. A 410 Gone means that exact connection is dead: it is handed to the gone handler
 * (the login room's departure, set by shared/login/index.ts), and the caller learns which users got nothing so their
 * message can wait for them. Fan-out runs with bounded concurrency. The push knows nothing of logins.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { mapLimit } from '../concurrency.js';
import { config } from '../config.js';
import type { Connection } from '../data/connections.js';
import { log } from '../log.js';
import { metrics } from '../metrics.js';
import type { UserKey } from '../protocol/names.js';
import { encodePush, type PushEvent } from '../protocol/replies.js';
import { managementClient, PUSH_CONCURRENCY, PUSH_LIMITS } from './client.js';

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

/**
 * Pushes one frame to one connection. With `until` (a fenced push: performance.now() ms), no attempt starts at or
 * after `until`: the SDK does not retry, this does, while the fence allows; 'late' means the push (or its retry) was
 * not started, and the caller decides again on fresh reads.
 */
export async function pushOne(
  endpoint: string,
  connection: Pick<Connection, 'connectionId' | 'user'>,
  frame: string,
): Promise<PushOutcome>;
export async function pushOne(
  endpoint: string,
  connection: Pick<Connection, 'connectionId' | 'user'>,
  frame: string,
  until: number | undefined,
): Promise<PushOutcome | 'late'>;
export async function pushOne(
  endpoint: string,
  connection: Pick<Connection, 'connectionId' | 'user'>,
  frame: string,
  until?: number,
): Promise<PushOutcome | 'late'> {
  let outcome: PushOutcome;
  if (until === undefined) outcome = await post(managementClient(endpoint), connection, frame);
  else
    for (let attempt = 1; ; attempt++) {
      if (performance.now() >= until) return 'late';
      outcome = await post(managementClient(endpoint, 1), connection, frame);
      if (outcome !== 'failed' || attempt >= PUSH_LIMITS.maxAttempts) break;
    }
  metrics.count(PUSH_METRIC[outcome]);
  return outcome;
}

/**
 * A group push's fence (issue 22): `readAt` is when the reads it was decided by began (performance.now(), taken before
 * the first was sent: the group's connections page, or the memberships). No push starts FENCE_MS after it; those left
 * are handed to `recheck`, which reads again which of them may still be pushed to.
 */
export interface Fence {
  readAt: number;
  recheck: (left: Connection[]) => Promise<Connection[]>;
}

/**
 * How many times pushes are decided on fresh reads when they miss their fence; past that (reads slower than the
 * fence, again and again) what is left counts as not reached: a message waits for its members, a catch-up frame's
 * job comes back later. Never a push after its fence.
 */
export const FENCE_TRIES = 3;

/**
 * Waits until FENCE_MS have passed since `since` (performance.now(), taken once a removal's copies were gone): a
 * group push decided before that is started by then, or not at all (see Fence).
 */
export async function fenceFrom(since: number): Promise<void> {
  const left = since + config.fenceMs - performance.now();
  if (left > 0) await sleep(left);
}

async function post(
  client: ApiGatewayManagementApiClient,
  connection: Pick<Connection, 'connectionId' | 'user'>,
  frame: string,
): Promise<PushOutcome> {
  try {
    await client.send(
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
 * connection's binding is changing) is pushed to but never counts: the message waits for its user as well. With a
 * `fence` (group pushes), the pushes not started in time are decided again on fresh reads (Fence), up to FENCE_TRIES
 * times; one the recheck drops, or still late after that, counts as not reached.
 */
export async function pushToAll(
  endpoint: string,
  connections: readonly Connection[],
  event: PushEvent,
  fence?: Fence,
): Promise<Set<UserKey>> {
  const frame = encodePush(event);
  const outcomes = new Map<Connection, PushOutcome>();
  let left = [...connections];
  let readAt = fence?.readAt;
  for (let tries = 1; left.length > 0; tries++) {
    const until = readAt === undefined ? undefined : readAt + config.fenceMs;
    const tried = await mapLimit(left, PUSH_CONCURRENCY, (connection) =>
      pushOne(endpoint, connection, frame, until),
    );
    const late = left.filter((_, i) => tried[i] === 'late');
    left.forEach((connection, i) => {
      const outcome = tried[i];
      if (outcome !== 'late' && outcome !== undefined) outcomes.set(connection, outcome);
    });
    if (late.length === 0 || !fence || tries >= FENCE_TRIES) break;
    readAt = performance.now();
    left = await fence.recheck(late);
  }
  const reached = new Set<UserKey>();
  const tried = new Set<UserKey>();
  for (const connection of connections) {
    tried.add(connection.user);
    if (outcomes.get(connection) === 'delivered' && !connection.pending) reached.add(connection.user);
  }
  return new Set([...tried].filter((user) => !reached.has(user)));
}
