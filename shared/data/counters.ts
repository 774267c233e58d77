/**
 * Bounded counters (blocks per user, watchers per user): one number on one item, moved by one conditional
 * UpdateItem, so concurrent moves never take it past its bound or below zero. Each move carries a token of its own
 * and refuses to apply where the item already carries that token: when the SDK retries a move that had in fact been
 * made (its answer was lost), the retry changes nothing and the move reports what happened (docs/DATA_MODEL.md,
 * "Blocks").
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { db, TABLE } from './client.js';
import { conditionally, type Key } from './table.js';

/**
 * Adds `delta` (±1) to `attribute`, only while the result stays within [0, max]. True when this call moved it (once,
 * whatever the SDK retried); false when the bound refused it.
 */
export async function moveCounter(key: Key, attribute: string, delta: 1 | -1, max: number): Promise<boolean> {
  const token = randomUUID();
  const bound = delta > 0 ? '#n < :max' : '#n > :zero';
  const moved = await conditionally(
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: key,
        UpdateExpression: 'SET #n = if_not_exists(#n, :zero) + :delta, #t = :token',
        ConditionExpression: `(${delta > 0 ? 'attribute_not_exists(#n) OR ' : ''}${bound}) AND (attribute_not_exists(#t) OR #t <> :token)`,
        ExpressionAttributeNames: { '#n': attribute, '#t': `${attribute}Token` },
        ExpressionAttributeValues: {
          ':zero': 0,
          ':delta': delta,
          ':token': token,
          ...(delta > 0 ? { ':max': max } : {}),
        },
      }),
    ),
  );
  if (moved) return true;
  // Our own move, retried after it was made, fails on its own token: it was made. (Read strongly; a move made
  // meanwhile may have replaced the token, and then this one counts as refused: the counter stays too high, never
  // too low.)
  const { Item } = await db.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }));
  return Item?.[`${attribute}Token`] === token;
}
