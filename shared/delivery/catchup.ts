/**
 * Offline delivery, after AUTH has answered: everything that waited for the user is pushed to the connection that
 * logged in, oldest first (one order by id across the inbox and every group), in frames of up to 32 KB.
 * What waits: the inbox (private messages, and group messages handed over by a fan-out), and each group's log from
 * the user's cursor up to this login's boundary (later messages reach the connection live).
 * Progress is marked after every frame (inbox items deleted, the groups' progress moved in one write), so a worker stopped at its
 * timeout, or a job retried, continues where the last frame ended and never starts again.
 */

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { mapLimit } from '../concurrency.js';
import { config } from '../config.js';
import { markCaughtUp, readConnection, releaseCatchUpLease, takeCatchUpLease } from '../data/connections.js';
import { memberOf } from '../data/groups.js';
import { deleteInbox, deliverable, groupLogPage, inboxPage, type StoredEvent } from '../data/messages.js';
import { advanceGroupCursor, advanceProgress, clearProgress, readAccount } from '../data/users.js';
import { idCeil, idTime } from '../ids.js';
import { metrics } from '../metrics.js';
import { type GroupKey, type UserKey, userKeyOf } from '../protocol/names.js';
import { encodePush, type PushEvent } from '../protocol/replies.js';
import { FENCE_TRIES, pushOne } from '../push/deliver.js';
import type { CatchUpJob } from '../queue/jobs.js';
import { BOUNDARY_LEAD_MS } from './boundary.js';
import { newestBySender, tellDelivered } from './delivered.js';
import { BATCH_FRAME_BYTES, BATCH_OVERHEAD_BYTES, batchBytes, frameOf } from './frames.js';
import { startFrom } from './name-reuse.js';
import { renderEvent } from './render.js';

/** How long after its boundary a login's catch-up waits for its AUTH's answer (markAnswered) at most. */
export const ANSWER_WAIT_MS = 10_000;

/**
 * A run that finds its AUTH not yet answered reads the mark again this many times over config.catchUpAnswerPollMs
 * (2 s: every 50 ms) before it hands the job back for a second: the answer usually comes within milliseconds, and a
 * catch-up put off a whole second pushes again what was pushed live in that second (the boundary lies a second
 * ahead, BOUNDARY_LEAD_MS). A count rather than an interval, so a test that lowers the wait polls as production does.
 */
export const ANSWER_POLLS = 40;

/** Items read per page of one source. */
const PAGE = 100;

/** A run stops pushing at its deadline; its hold on the connection lasts this much longer (its last frame). */
const LEASE_SLACK_MS = 10_000;

export type CatchUpOutcome = 'done' | 'stopped' | 'continue';

/** Thrown when another run of the same catch-up is under way: the job is retried once that run's hold ends. */
export class LeaseHeld extends Error {
  override name = 'LeaseHeld';
  constructor(readonly retryInSeconds: number) {
    super('another run of this catch-up holds the connection');
  }
}

interface Item {
  id: string;
  /** Where it came from: the inbox, or a group's key. */
  source: Source;
  event: StoredEvent | undefined;
  /** The group the message belongs to (from a group's log, or a group message waiting in the inbox). */
  group: GroupKey | undefined;
}

interface Source {
  group: GroupKey | undefined;
  /** The inbox only: the smallest id this account incarnation owns (see startFrom). */
  from: string;
  after: string;
  upTo: string;
  buffer: Item[];
  more: boolean;
}

async function fill(source: Source, user: UserKey): Promise<void> {
  if (source.buffer.length > 0 || !source.more) return;
  if (source.group === undefined) {
    const page = await inboxPage(user, source.after || undefined, PAGE);
    // Only what waited before this login's boundary: a later pointer waits for the next login (or INBOX). A run
    // that SQS hands out again after its connection closed must not take newer messages to a dead connection.
    const waiting = page.waiting.filter((w) => w.id <= source.upTo);
    // A pointer left before this account was created was left for the name's earlier owner: it is dropped unseen.
    source.buffer = waiting.map((w) => ({
      id: w.id,
      source,
      event: w.id < source.from ? undefined : w.event,
      group: w.group,
    }));
    source.more = page.more && waiting.length === page.waiting.length;
  } else {
    const page = await groupLogPage(source.group, source.after, source.upTo, PAGE);
    // A deleted message is passed over (its progress still counts); an edited one goes as it now is. So is the
    // user's own: none of the sender's devices gets a group message live (PROTOCOL.md, SEND_GROUP), nor here.
    source.buffer = page.events.map((event) => ({
      id: event.id,
      source,
      event:
        typeof event.from === 'string' && userKeyOf(event.from) === user ? undefined : deliverable(event),
      group: source.group,
    }));
    source.more = page.more;
  }
  const last = source.buffer.at(-1);
  if (last) source.after = last.id;
}

/**
 * The next waiting item by id across all sources, or undefined when nothing is left. The same message can wait twice
 * (in the group's log and, handed over by a fan-out, in the inbox): its copies come out together, as one.
 */
async function next(sources: Source[], user: UserKey): Promise<Item[] | undefined> {
  await Promise.all(sources.map((source) => fill(source, user)));
  let best: string | undefined;
  for (const source of sources) {
    const head = source.buffer[0];
    if (head && (best === undefined || head.id < best)) best = head.id;
  }
  if (best === undefined) return undefined;
  return sources.flatMap((source) => (source.buffer[0]?.id === best ? [source.buffer.shift() as Item] : []));
}

function maxId(a: string, b: string | undefined): string {
  return b !== undefined && b > a ? b : a;
}

function minId(a: string, b: string): string {
  return b < a ? b : a;
}

/** Marks a pushed frame's items as delivered: inbox items go, each group's progress moves to its last item. */
async function mark(user: UserKey, items: readonly Item[]): Promise<void> {
  const inbox = items.filter((item) => item.source.group === undefined).map((item) => item.id);
  const progress = new Map<GroupKey, string>();
  for (const item of items) if (item.source.group !== undefined) progress.set(item.source.group, item.id);
  await Promise.all([
    deleteInbox(user, inbox),
    progress.size > 0 ? advanceProgress(user, progress) : undefined,
  ]);
}

export async function catchUp(
  endpoint: string,
  job: CatchUpJob,
  deadline: number,
  now: number,
): Promise<CatchUpOutcome> {
  const { user, connectionId, boundary } = job;
  const login = { user, boundary };
  let start = await readConnection(connectionId, now, true);
  // The AUTH that enqueued this job (before its switch) has not decided yet.
  const deciding = () =>
    (start.user !== user || start.boundary !== boundary) &&
    start.lock !== undefined &&
    start.lockUser === user;
  // The AUTH has switched but not answered yet (its last checks run after the lock): its answer comes first. An AUTH
  // that died before marking is not waited for past ANSWER_WAIT_MS after its boundary.
  const unanswered = () =>
    job.afterAnswer === true &&
    start.user === user &&
    start.boundary === boundary &&
    !start.caughtUp &&
    !start.answered &&
    Date.now() < idTime(boundary) + ANSWER_WAIT_MS;
  for (let poll = 0; poll < ANSWER_POLLS && (deciding() || unanswered()); poll++) {
    await sleep(config.catchUpAnswerPollMs / ANSWER_POLLS);
    start = await readConnection(connectionId, Date.now(), true);
  }
  // Still deciding, or still unanswered, after the polls: back in a second.
  if (deciding() || unanswered()) throw new LeaseHeld(1);
  if (start.user !== user || start.boundary !== boundary || start.caughtUp) return 'stopped';
  // Another run of this job (SQS delivers at least once) holds it: this copy comes back later.
  const run = randomUUID();
  const leaseUntil = deadline + LEASE_SLACK_MS;
  if (!(await takeCatchUpLease(connectionId, login, run, Date.now(), leaseUntil))) {
    const held = await readConnection(connectionId, Date.now(), true);
    throw new LeaseHeld(Math.max(1, Math.ceil((held.leaseUntil - Date.now()) / 1000)));
  }
  try {
    return await deliver(endpoint, job, { deadline, now, run });
  } catch (error) {
    // A failed run lets the retry in at once; a run killed outright holds on until its lease ends.
    await releaseCatchUpLease(connectionId, login, run).catch(() => undefined);
    throw error;
  }
}

/** The catch-up itself, once this run holds the connection (`run`), until `deadline`. */
async function deliver(
  endpoint: string,
  job: CatchUpJob,
  { deadline, now, run }: { deadline: number; now: number; run: string },
): Promise<CatchUpOutcome> {
  const { user, connectionId, boundary } = job;
  const login = { user, boundary };
  const stillBound = async () => {
    const state = await readConnection(connectionId, Date.now(), true);
    return state.user === user && state.boundary === boundary && state.lease === run;
  };
  const account = await readAccount(user, now, true);
  const recipientName = account.profile?.username ?? user;
  const cursor = account.profile?.groupCursor ?? '';
  const sources: Source[] = [
    {
      group: undefined,
      from: startFrom([account.profile?.createdAt]),
      after: '',
      upTo: boundary,
      buffer: [],
      more: true,
    },
    ...account.memberships.map((m) => ({
      group: m.groupKey,
      from: '',
      after: maxId(maxId(cursor, m.from), account.progress.get(m.groupKey)),
      upTo: boundary,
      buffer: [],
      more: true,
    })),
  ].filter((source) => source.group === undefined || source.after < boundary);
  // The first page of every source at once; later pages as each runs dry.
  await mapLimit(sources, 32, (source) => fill(source, user));

  // The newest group message delivered by this catch-up (this run or one before it).
  let newest = [...account.progress.values()].reduce((a, b) => maxId(a, b), '');
  let frameItems: Item[] = [];
  let framePushes: PushEvent[] = [];
  /** The group of each push in the frame (undefined for a private message or an invitation). */
  let frameGroups: (GroupKey | undefined)[] = [];
  let frameBytes = BATCH_OVERHEAD_BYTES;
  const send = async (): Promise<boolean> => {
    if (frameItems.length === 0) return true;
    // A group's messages go only while the user is still a member of the live group, checked just before the push:
    // a removal answered before this point leaves nothing of the group to push (what is passed over counts as done).
    // A frame with group messages is fenced from that read on (shared/push/deliver.ts): not started in time, it is
    // decided again on fresh reads.
    const groups = [...new Set(frameGroups.filter((g): g is GroupKey => g !== undefined))];
    for (let tries = 1; ; tries++) {
      const readAt = performance.now();
      // Pushed only to the login it is for: an AUTH as someone else on this connection stops the catch-up.
      const [still, bound] = await Promise.all([memberOf(user, groups), stillBound()]);
      const pushes = framePushes.filter((_, i) => {
        const group = frameGroups[i];
        return group === undefined || still.has(group);
      });
      if (pushes.length === 0) break;
      if (!bound) return false;
      const until = groups.length > 0 ? readAt + config.fenceMs : undefined;
      const outcome = await pushOne(endpoint, { connectionId, user }, frameOf(pushes), until);
      if (outcome === 'late') {
        // The reads outlasted the fence again and again (an overloaded table): the job comes back later.
        if (tries >= FENCE_TRIES) throw new Error('a catch-up frame missed its fence');
        continue;
      }
      if (outcome === 'gone') return false;
      if (outcome === 'failed') throw new Error('push failed during catch-up');
      // A switch of login decided while the frame was under way may have let it reach the next login: then it counts
      // for nothing (no mark; this login never caught up, so no cursor moves) and waits for this user's next login.
      if (!(await stillBound())) return false;
      metrics.count('OfflineDelivered', pushes.length);
      break;
    }
    for (const item of frameItems) if (item.source.group !== undefined) newest = maxId(newest, item.id);
    await mark(user, frameItems);
    // The senders of the frame's private messages learn that they reached a device (DELIVERED).
    const senders = newestBySender(
      user,
      frameItems.filter((item) => item.source.group === undefined).map((item) => item.event),
    );
    await tellDelivered(endpoint, { key: user, name: recipientName }, senders, Date.now());
    frameItems = [];
    framePushes = [];
    frameGroups = [];
    frameBytes = BATCH_OVERHEAD_BYTES;
    return true;
  };

  for (;;) {
    const copies = await next(sources, user);
    if (!copies) break;
    const stored = copies.find((copy) => copy.event !== undefined)?.event;
    if (!stored) {
      // The message no longer exists: nothing to push, but the pointer is done with.
      frameItems.push(...copies);
      continue;
    }
    const push = await renderEvent(stored, now);
    const bytes = batchBytes(push);
    if (framePushes.length > 0 && frameBytes + bytes > BATCH_FRAME_BYTES) {
      if (!(await send())) return 'stopped';
      if (Date.now() > deadline) {
        await releaseCatchUpLease(connectionId, login, run);
        return 'continue';
      }
    }
    frameItems.push(...copies);
    framePushes.push(push);
    frameGroups.push(copies.find((copy) => copy.group !== undefined)?.group);
    frameBytes += bytes;
  }
  if (!(await send())) return 'stopped';
  // Every group message up to the newest one delivered, and everything made before this moment, has reached the
  // user: by this catch-up, or live (stored after the login's copies existed, while the connection is still bound —
  // checked just below). The boundary itself lies a little in the future (BOUNDARY_LEAD_MS), so the cursor never passes
  // it, or a departure soon after could leave later messages behind it.
  const reached = maxId(idCeil(Date.now() - BOUNDARY_LEAD_MS), newest);
  if (await markCaughtUp(connectionId, user, boundary)) {
    await advanceGroupCursor(user, minId(reached, boundary));
    await clearProgress(user);
    // Tells the client its backlog is complete: everything from now on arrives live.
    await pushOne(endpoint, { connectionId, user }, encodePush({ event: 'CAUGHT_UP', id: boundary }));
  }
  return 'done';
}
