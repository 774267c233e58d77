/**
 * Offline delivery at AUTH: everything that waited for the user is pushed to the connection that just logged in,
 * oldest first, one at a time (so the order on the wire is the order of ids), all before the AUTH answer.
 * What was pushed is marked delivered and never sent again; what was not (the connection went away) keeps waiting.
 */
import type { Connection } from './data/connections.js';
import { markDelivered, nextGroupCursor, readWaiting, type Waiting } from './data/messages.js';
import { advanceGroupCursor } from './data/users.js';
import { encodePush } from './protocol/replies.js';
import { pushOne } from './push/deliver.js';
import { renderEvent } from './push/render.js';

export async function deliverWaiting(
  connection: Connection,
  groupKeys: readonly string[],
  groupCursor: string | undefined,
  ctx: { endpoint: string; now: number },
): Promise<void> {
  const waiting = await readWaiting(connection.user, groupKeys, groupCursor);
  const delivered: Waiting[] = [];
  for (const item of waiting) {
    const frame = encodePush(await renderEvent(item.event, ctx.now));
    if ((await pushOne(ctx.endpoint, connection, frame)) !== 'delivered') break;
    delivered.push(item);
  }
  await Promise.all([
    markDelivered(connection.user, delivered),
    delivered.length === waiting.length
      ? advanceGroupCursor(connection.user, nextGroupCursor(ctx.now))
      : undefined,
  ]);
}
