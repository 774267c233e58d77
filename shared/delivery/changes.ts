/**
 * Pushes that tell of a change to a stored message (MESSAGE_EDITED, MESSAGE_DELETED): to the same audience as the
 * message, but only to devices online now — nothing waits for anyone, since a later catch-up or HISTORY reads the
 * message as it then is. A private message's two users' devices; a group message's online members, page by page
 * through the group's connections, as a signal (shared/delivery/signals.ts: the first page in the request, further
 * pages on the worker). Offline members are never read.
 */
import { readUserConnections } from '../data/connections.js';
import { conversationOf } from '../data/keys.js';
import type { PushEvent } from '../protocol/replies.js';
import { pushToAll } from '../push/deliver.js';
import { signal } from './signals.js';

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
    const job = {
      kind: 'signal',
      to: 'group',
      key: conversation.group,
      skip: '',
      except,
      after: '',
      event: push,
    } as const;
    await signal(endpoint, job, now);
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
