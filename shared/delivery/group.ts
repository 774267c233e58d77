/**
 * A group message or file: stored once in the group's log, then pushed page by page to the members who are online.
 * The request pushes the first page itself (a small group is done there); every further page is a job on the queue,
 * and each job enqueues the page after it before pushing, so a large group's pages run side by side on the worker.
 * Offline members are never read: their next login's catch-up reads the log from their cursor. Members who left
 * after the message was made (their cursor may already be past it) get it in their inbox; see docs/DATA_MODEL.md.
 */
import { mapLimit } from '../concurrency.js';
import { departuresAfter, groupConnectionsPage, membersOnly, stillMembers } from '../data/groups.js';
import { keys, prefixes } from '../data/keys.js';
import { deliverable, readGroupMessage, type StoredEvent, storeGroupMessage } from '../data/messages.js';
import { metrics } from '../metrics.js';
import type { GroupKey, UserKey } from '../protocol/names.js';
import { type Fence, pushToAll } from '../push/deliver.js';
import { enqueue, type FanOutJob } from '../queue/jobs.js';
import { renderEvent } from './render.js';
import { leaveWaiting } from './waiting.js';

/** Online connections pushed inside the sending request; more go to the worker. */
export const INLINE_CONNECTIONS = 100;
/** Online connections one worker job pushes (16 waves of 64 concurrent pushes). */
export const PAGE_CONNECTIONS = 1000;

/**
 * Delivers a group message (or file) from `senderKey`: stores it once, then pushes the first page of the group's
 * connections here and hands the rest to the worker. deliverToUser (./direct.ts) is the same for one recipient.
 */
export async function deliverToGroup(
  endpoint: string,
  groupKey: GroupKey,
  senderKey: UserKey,
  event: StoredEvent,
  now: number,
): Promise<void> {
  await storeGroupMessage(groupKey, event, senderKey);
  const job: FanOutJob = { kind: 'fanout', group: groupKey, id: event.id, sender: senderKey, after: '' };
  await fanOutPage(endpoint, job, event, INLINE_CONNECTIONS, now);
}

/**
 * The user a group connection's sort key belongs to (`PRESENCE#<user>#<connection>`); undefined for the range's
 * start.
 */
function userOf(groupConnectionKey: string): string | undefined {
  if (!groupConnectionKey.startsWith(prefixes.groupConnection)) return undefined;
  return groupConnectionKey.slice(prefixes.groupConnection.length).split('#')[0] || undefined;
}

/** Whether `user` falls in the users a page covers: after the previous page's last user, up to this page's last. */
function inPage(user: string, after: string, next: string | undefined): boolean {
  const low = userOf(after);
  const high = next === undefined ? undefined : userOf(next);
  return (low === undefined || user > low) && (high === undefined || user <= high);
}

/** Pushes one page of a stored group message. Enqueues the next page (when there is one) before pushing. */
export async function fanOutPage(
  endpoint: string,
  job: FanOutJob,
  known: StoredEvent | undefined,
  limit: number,
  now: number,
): Promise<void> {
  const event = deliverable(known ?? (await readGroupMessage(job.group, job.id)));
  if (!event) return; // never stored (the sender was told it failed), or deleted since
  // The fence starts before the page is read: no push of this page starts FENCE_MS after it (shared/push/deliver.ts).
  const readAt = performance.now();
  const page = await groupConnectionsPage(job.group, job.after || undefined, limit, now);

  // Only members' devices, checked now: a page queued (or a copy written) before a removal reaches no one removed.
  const [push, targets] = await Promise.all([
    renderEvent(event, now),
    membersOnly(
      job.group,
      page.connections.filter((c) => c.user !== job.sender),
    ),
    page.next === undefined ? undefined : enqueue({ ...job, after: page.next }),
  ]);
  // The departure marks are read after the page: whoever is missing from the page and left after the message was
  // made has a mark by now (it is written before a device's copies are removed).
  const [unreached, departed] = await Promise.all([
    pushToAll(endpoint, targets, push, fenced(job.group, readAt)),
    departuresAfter(job.group, job.id),
  ]);
  const online = new Set(page.connections.map((c) => c.user));
  const late = [...departed].filter(
    (user) => user !== job.sender && !online.has(user) && inPage(user, job.after, page.next),
  );
  metrics.sample('FanOutSize', new Set(targets.map((c) => c.user)).size);
  const candidates = [...new Set([...unreached, ...late])];
  if (candidates.length === 0) return;

  // Only those still members wait for it (a member who left the group meanwhile does not); a push to a device of
  // theirs that appeared meanwhile is fenced from this read.
  const checkedAt = performance.now();
  const members = await stillMembers(job.group, candidates);
  const message = keys.groupMessage(job.group, event.id);
  metrics.count('MessagesQueued', members.length);
  const tried = new Set(targets.map((c) => c.connectionId));
  const fence: Fence = { readAt: checkedAt, recheck: (left) => membersOnly(job.group, left) };
  await mapLimit(members, 16, (user) =>
    leaveWaiting(endpoint, user, message, event, push, now, tried, fence),
  );
}

/** The fence of a push to a group's members: past it, those left are pushed to only if still members, still there. */
export function fenced(groupKey: GroupKey, readAt: number): Fence {
  return { readAt, recheck: (left) => membersOnly(groupKey, left, { copies: true }) };
}
