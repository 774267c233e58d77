/**
 * Blocks (BLOCK / UNBLOCK / BLOCKED): one item per (blocker, blocked) pair in the blocker's own partition, and a
 * counter beside them that bounds how many one user keeps. The counter moves only by conditional writes, so
 * concurrent BLOCKs never take a user past the bound (docs/DATA_MODEL.md, "Blocks").
 */
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { UserKey } from '../protocol/names.js';
import { db, TABLE } from './client.js';
import { moveCounter } from './counters.js';
import { keys, prefixEnd, prefixes, storedUserKey } from './keys.js';
import { batchGet, batchWrite, conditionally, putFirst, queryAll, queryRange } from './table.js';

/** Users one user may block. */
export const MAX_BLOCKS = 1000;

export type BlockOutcome = 'blocked' | 'already' | 'full';

/**
 * Blocks `blocked` for `blocker` (`username`: the name as the caller wrote it; it need not be registered): a slot is
 * taken on the counter first (a conditional increment below the bound), then the pair is written if absent; a pair
 * that existed already, or a write that failed, gives its slot back. A crash between the two leaves the counter one
 * too high (never too low), so the bound always holds.
 */
export async function addBlock(
  blocker: UserKey,
  blocked: UserKey,
  username: string,
  now: number,
): Promise<BlockOutcome> {
  if (!(await moveCounter(keys.blockCount(blocker), 'blocks', 1, MAX_BLOCKS)))
    return (await isBlocked(blocker, blocked)) ? 'already' : 'full';
  let created: boolean;
  try {
    // putFirst: a put the SDK retried after it succeeded is still recognized as this BLOCK's own.
    ({ created } = await putFirst({
      ...keys.block(blocker, blocked),
      username,
      at: new Date(now).toISOString(),
    }));
  } catch (error) {
    await releaseSlot(blocker).catch(() => undefined);
    throw error;
  }
  if (created) return 'blocked';
  await releaseSlot(blocker);
  return 'already';
}

/** Unblocks: deletes the pair and, when this call deleted it, gives its slot back. False when there was none. */
export async function removeBlock(blocker: UserKey, blocked: UserKey): Promise<boolean> {
  const removed = await conditionally(
    db.send(
      new DeleteCommand({
        TableName: TABLE,
        Key: keys.block(blocker, blocked),
        ConditionExpression: 'attribute_exists(pk)',
      }),
    ),
  );
  if (removed) await releaseSlot(blocker);
  return removed;
}

async function releaseSlot(blocker: UserKey): Promise<void> {
  await moveCounter(keys.blockCount(blocker), 'blocks', -1, MAX_BLOCKS);
}

/** Whether `blocker` blocked `blocked`: one strongly consistent GetItem. */
export async function isBlocked(blocker: UserKey, blocked: UserKey): Promise<boolean> {
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.block(blocker, blocked), ConsistentRead: true }),
  );
  return Item !== undefined;
}

/** Whether either of the two users blocked the other: one BatchGetItem of both pairs. */
export async function eitherBlocked(a: UserKey, b: UserKey): Promise<boolean> {
  if (a === b) return false;
  return (await batchGet([keys.block(a, b), keys.block(b, a)], true)).length > 0;
}

/**
 * Of the users `others`, those between whom and `user` a block stands (either way): one BatchGetItem per 50 users
 * (read strongly with `consistent`, as a request answering right after a BLOCK must).
 */
export async function blockedAmong(
  user: UserKey,
  others: readonly UserKey[],
  consistent = false,
): Promise<Set<UserKey>> {
  const distinct = [...new Set(others)].filter((other) => other !== user);
  if (distinct.length === 0) return new Set();
  const found = await batchGet(
    distinct.flatMap((other) => [keys.block(user, other), keys.block(other, user)]),
    consistent,
  );
  const out = new Set<UserKey>();
  for (const item of found) {
    const blocker = storedUserKey(item.pk.slice('BLOCKS#'.length));
    out.add(blocker === user ? storedUserKey(item.sk.slice(prefixes.blocked.length)) : blocker);
  }
  return out;
}

/**
 * The names `blocker` blocked, as the BLOCK that made each wrote it (not as registered: that would tell whether the
 * name exists), in key order: one Query of at most MAX_BLOCKS small items.
 */
export async function listBlocks(blocker: UserKey): Promise<string[]> {
  const items = await queryAll(keys.block(blocker, '').pk, { beginsWith: prefixes.blocked });
  return items.map((item) => String(item.username));
}

/**
 * Deletes one page of `blocker`'s blocks (DELETE_ACCOUNT's clean-up: the name's next owner starts with none), and the
 * counter once no pair is left, so the bound holds while pages go. True while more remain.
 */
export async function forgetBlocksPage(blocker: UserKey, limit: number): Promise<boolean> {
  const first = keys.block(blocker, '');
  const page = await queryRange(
    first.pk,
    { after: first.sk, upTo: prefixEnd(first.sk) },
    { limit, consistent: true },
  );
  if (page.items.length > 0) {
    await batchWrite(
      [],
      page.items.map(({ pk, sk }) => ({ pk, sk })),
    );
    return true;
  }
  await db.send(new DeleteCommand({ TableName: TABLE, Key: keys.blockCount(blocker) }));
  return false;
}
