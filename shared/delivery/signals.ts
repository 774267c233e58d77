/**
 * Signals: pushes that are never stored (TYPING, PRESENCE, MESSAGE_EDITED / MESSAGE_DELETED of a group message). Sent
 * to one page of connections — a group's online
 * members, or a user's watchers — inside the request (at most INLINE_CONNECTIONS), the rest on the worker, page by
 * page, each job enqueueing the next before it pushes (like a group message's fan-out). Nobody offline is read,
 * and nothing is retried for anyone a signal missed: it only says what is true now.
 */
import { membersOnly, presencePage } from '../data/groups.js';
import { watchersPage } from '../data/presence.js';
import { pushToAll } from '../push/deliver.js';
import { enqueue, type SignalJob } from '../queue/jobs.js';
import { INLINE_CONNECTIONS } from './group.js';

function pageOf(job: SignalJob, limit: number, now: number) {
  const after = job.after || undefined;
  return job.to === 'group'
    ? presencePage(job.key, after, limit, now)
    : watchersPage(job.key, after, limit, now);
}

/** Pushes one page of a signal; enqueues the next page first when there is one. */
export async function signalPage(
  endpoint: string,
  job: SignalJob,
  limit: number,
  now: number,
): Promise<void> {
  const page = await pageOf(job, limit, now);
  if (page.next !== undefined) await enqueue({ ...job, after: page.next });
  const found = page.connections.filter((c) => c.user !== job.skip && c.connectionId !== job.except);
  // A group's signal reaches its members only (membersOnly): a removed member's stale copy hears nothing.
  const targets = job.to === 'group' ? await membersOnly(job.key, found) : found;
  if (targets.length > 0) await pushToAll(endpoint, targets, job.event);
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
