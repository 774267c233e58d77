/**
 * Signals: pushes that are never stored (TYPING, PRESENCE, MESSAGE_EDITED / MESSAGE_DELETED of a group message). Sent
 * to one page of connections — a group's online
 * members, or a user's watchers — inside the request (at most INLINE_CONNECTIONS), the rest on the worker, page by
 * page, each job enqueueing the next before it pushes (like a group message's fan-out). Nobody offline is read,
 * and nothing is retried for anyone a signal missed: it only says what is true now. A PRESENCE event reaches only the
 * watchers that may still see it (checked per page, when it is sent).
 */

import { type Connection, readUserConnections } from '../data/connections.js';
import { groupConnectionsPage, membersOnly } from '../data/groups.js';
import { removeWatches, watchersPage } from '../data/presence.js';
import type { UserKey } from '../protocol/names.js';
import { pushToAll } from '../push/deliver.js';
import { enqueue, type SignalJob } from '../queue/jobs.js';
import { fenced, INLINE_CONNECTIONS } from './group.js';
import { observersAmong } from './observers.js';

async function pageOf(job: SignalJob, limit: number, now: number) {
  const after = job.after || undefined;
  if (job.to === 'user') return { connections: await readUserConnections(job.key, now), next: undefined };
  return job.to === 'group'
    ? groupConnectionsPage(job.key, after, limit, now)
    : watchersPage(job.key, after, limit, now);
}

/** Pushes one page of a signal; enqueues the next page first when there is one. */
export async function signalPage(
  endpoint: string,
  job: SignalJob,
  limit: number,
  now: number,
): Promise<void> {
  // A group's signal is fenced like a group message (fanOutPage): from before its page is read.
  const readAt = performance.now();
  const page = await pageOf(job, limit, now);
  if (page.next !== undefined) await enqueue({ ...job, after: page.next });
  const found = page.connections.filter((c) => c.user !== job.skip && c.connectionId !== job.except);
  // A group's signal reaches its members only (membersOnly): a removed member's stale copy hears nothing.
  const allowed =
    job.to === 'watchers'
      ? await stillObserving(job.key, found)
      : job.to === 'group'
        ? await membersOnly(job.key, found)
        : found;
  if (allowed.length > 0)
    await pushToAll(endpoint, allowed, job.event, job.to === 'group' ? fenced(job.key, readAt) : undefined);
}

/**
 * The watchers that may still see the watched user's presence: the right is checked when the event is sent (a kick,
 * a leave or a BLOCK since the WATCH ends it), and the watches of those who lost it are removed, so they cost nothing
 * on the next change.
 */
async function stillObserving(watched: UserKey, watchers: Connection[]): Promise<Connection[]> {
  if (watchers.length === 0) return watchers;
  const observers = await observersAmong(
    watched,
    watchers.map((c) => c.user),
  );
  const [keep, drop] = [
    watchers.filter((c) => observers.has(c.user)),
    watchers.filter((c) => !observers.has(c.user)),
  ];
  await Promise.all(drop.map((c) => removeWatches(c.connectionId, [watched])));
  return keep;
}

/**
 * Sends a signal: the first page from here when the @connections endpoint is known, further pages on the worker.
 * Without an endpoint ($disconnect has none) the first page is only read, and the worker pushes it if anyone is there.
 */
export async function signal(endpoint: string | undefined, job: SignalJob, now: number): Promise<void> {
  if (endpoint !== undefined) return signalPage(endpoint, job, INLINE_CONNECTIONS, now);
  const page = await pageOf(job, INLINE_CONNECTIONS, now);
  if (page.connections.length > 0 || page.next !== undefined) await enqueue(job);
}
