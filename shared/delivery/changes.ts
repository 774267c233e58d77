/**
 * Pushes that tell of a change to a stored message (MESSAGE_EDITED, MESSAGE_DELETED): to the same audience as the
 * message, but only to devices online now — nothing waits for anyone, since a later catch-up or HISTORY reads the
 * message as it then is. A private message's two users' devices; a group message's online members, page by page
 * through the group's presence items (the first page in the request, further pages as `groupPush` jobs on the worker,
 * as shared/delivery/group.ts does for the message itself). Offline members are never read.
 */
import { readUserConnections } from '../data/connections.js';
import { presencePage } from '../data/groups.js';
import { conversationOf } from '../data/keys.js';
import type { PushEvent } from '../protocol/replies.js';
import { pushToAll } from '../push/deliver.js';
import { enqueue, type GroupPushJob } from '../queue/jobs.js';
import { INLINE_CONNECTIONS } from './group.js';

/** Pushes `push` to everyone who can see the conversation `conversationPk`, but the connection `except`. */
export async function pushToConversation(
  endpoint: string,
  conversationPk: string,
  push: PushEvent,
  except: string,
  now: number,
): Promise<void> {
  const conversation = conversationOf(conversationPk);
  if ('group' in conversation) {
    const job: GroupPushJob = { kind: 'groupPush', group: conversation.group, after: '', except, push };
    await pushGroupPage(endpoint, job, INLINE_CONNECTIONS, now);
    return;
  }
  const users = [...new Set(conversation.users)];
  const connections = (await Promise.all(users.map((user) => readUserConnections(user, now)))).flat();
  await pushToAll(
    endpoint,
    connections.filter((c) => c.connectionId !== except),
    push,
  );
}

/** One page of a group's online connections: the next page is enqueued first, so pages run side by side. */
export async function pushGroupPage(
  endpoint: string,
  job: GroupPushJob,
  limit: number,
  now: number,
): Promise<void> {
  const page = await presencePage(job.group, job.after || undefined, limit, now);
  if (page.next !== undefined) await enqueue({ ...job, after: page.next });
  await pushToAll(
    endpoint,
    page.connections.filter((c) => c.connectionId !== job.except),
    job.push,
  );
}
