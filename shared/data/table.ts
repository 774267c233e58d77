/** The few table-wide helpers the named data functions share: paged queries, batched writes and conditional writes. */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { chunk } from '../concurrency.js';
import { db, TABLE } from './client.js';

export type Item = Record<string, unknown> & { pk: string; sk: string };
export type Key = { pk: string; sk: string };

/** Reads every page of a Query on one partition. Reads grow with pages, never with a Scan. */
export async function queryAll(
  pk: string,
  options: {
    beginsWith?: string;
    /** With `before`: the range [after, before]; alone: keys above `after`. */
    after?: string;
    before?: string;
    consistent?: boolean;
    filter?: Pick<QueryCommandInput, 'FilterExpression' | 'ExpressionAttributeValues'>;
  } = {},
): Promise<Item[]> {
  const names: Record<string, string> = { '#pk': 'pk' };
  const values: Record<string, unknown> = { ':pk': pk, ...options.filter?.ExpressionAttributeValues };
  let condition = '#pk = :pk';
  if (options.beginsWith !== undefined) {
    names['#sk'] = 'sk';
    values[':prefix'] = options.beginsWith;
    condition += ' AND begins_with(#sk, :prefix)';
  } else if (options.after !== undefined && options.before !== undefined) {
    names['#sk'] = 'sk';
    values[':after'] = options.after;
    values[':before'] = options.before;
    condition += ' AND #sk BETWEEN :after AND :before';
  } else if (options.after !== undefined) {
    names['#sk'] = 'sk';
    values[':after'] = options.after;
    condition += ' AND #sk > :after';
  }
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        FilterExpression: options.filter?.FilterExpression,
        ConsistentRead: options.consistent,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

export interface Page {
  items: Item[];
  /** The sort key of the last item read, when the range holds more. */
  next: string | undefined;
}

/**
 * One page of a sort-key range `(after, upTo]` of one partition, in key order. Strongly consistent
 * when asked: delivery reads its own and others' fresh writes this way (see docs/DATA_MODEL.md, "Why nothing is
 * missed").
 */
export async function queryRange(
  pk: string,
  range: { after: string; upTo: string },
  options: { limit?: number; consistent?: boolean } = {},
): Promise<Page> {
  const page = await db.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :after AND :upTo',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': pk, ':after': range.after, ':upTo': range.upTo },
      ExclusiveStartKey: { pk, sk: range.after },
      Limit: options.limit,
      ConsistentRead: options.consistent,
    }),
  );
  const items = (page.Items ?? []) as Item[];
  const last = page.LastEvaluatedKey?.sk;
  return { items, next: typeof last === 'string' ? last : undefined };
}

/** Reads items by key, 100 per request, retrying what DynamoDB left unprocessed. Missing items are absent. */
export async function batchGet(itemKeys: readonly Key[], consistent = false): Promise<Item[]> {
  const out: Item[] = [];
  await Promise.all(
    chunk(itemKeys, 100).map(async (batch) => {
      let pending: Record<string, unknown>[] = batch.map(({ pk, sk }) => ({ pk, sk }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await sleep(Math.min(1000, 25 * 2 ** attempt));
        if (attempt > 8) throw new Error('BatchGetItem left keys unprocessed after retries');
        const result = await db.send(
          new BatchGetCommand({ RequestItems: { [TABLE]: { Keys: pending, ConsistentRead: consistent } } }),
        );
        out.push(...((result.Responses?.[TABLE] ?? []) as Item[]));
        pending = (result.UnprocessedKeys?.[TABLE]?.Keys ?? []) as Record<string, unknown>[];
      }
    }),
  );
  return out;
}

type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Key } };

/** Writes in batches of 25, retrying what DynamoDB left unprocessed. Not atomic; every caller's writes are idempotent. */
export async function batchWrite(puts: readonly Item[], deletes: readonly Key[] = []): Promise<void> {
  const requests: WriteRequest[] = [
    ...puts.map((Item) => ({ PutRequest: { Item } })),
    ...deletes.map((Key) => ({ DeleteRequest: { Key: { pk: Key.pk, sk: Key.sk } } })),
  ];
  await Promise.all(
    chunk(requests, 25).map(async (batch) => {
      let pending: WriteRequest[] = batch;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await sleep(Math.min(1000, 25 * 2 ** attempt));
        if (attempt > 8) throw new Error('BatchWriteItem left items unprocessed after retries');
        const result = await db.send(new BatchWriteCommand({ RequestItems: { [TABLE]: pending } }));
        pending = (result.UnprocessedItems?.[TABLE] ?? []) as WriteRequest[];
      }
    }),
  );
}

/**
 * Puts an item only if none exists under its key, and tells whether this call created it. The item carries a token
 * of this call: when the SDK retries a put that had in fact succeeded (the answer was lost), the retry's condition
 * fails on our own item, and the token shows it was ours — so a retried REGISTER or GROUP_CREATE answers what
 * actually happened. (A strongly consistent read after the failure; ReturnValuesOnConditionCheckFailure would save
 * it on AWS, but not every local engine has it.)
 */
export async function putOnce(item: Item, token: string = randomUUID()): Promise<boolean> {
  return (await putFirst(item, { token })).created;
}

/**
 * putOnce that may also replace an item matching `replaceable` (a condition on the old item, given `:now`), and
 * hands back the item found when this call did not create it (read strongly).
 */
export async function putFirst(
  item: Item,
  options: { token?: string; replaceable?: string; now?: number } = {},
): Promise<{ created: boolean; found: Item | undefined }> {
  const token = options.token ?? randomUUID();
  const { replaceable, now } = options;
  const put = db.send(
    new PutCommand({
      TableName: TABLE,
      Item: { ...item, writeToken: token },
      ConditionExpression: replaceable
        ? `attribute_not_exists(pk) OR ${replaceable}`
        : 'attribute_not_exists(pk)',
      ...(replaceable ? { ExpressionAttributeValues: { ':now': now } } : {}),
    }),
  );
  if (await conditionally(put)) return { created: true, found: undefined };
  const { Item: found } = await db.send(
    new GetCommand({ TableName: TABLE, Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true }),
  );
  return found?.writeToken === token
    ? { created: true, found: undefined }
    : { created: false, found: found as Item | undefined };
}

/**
 * The conditional writes' one family. A failed condition is an answer (the write did not apply), never an error;
 * any other error is thrown. `unlessConditionFails`: the write's output (its returned attributes), or undefined
 * when its condition failed.
 */
export async function unlessConditionFails<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/** Whether a conditional write took effect: false when its condition failed (see unlessConditionFails). */
export async function conditionally(write: Promise<unknown>): Promise<boolean> {
  return (await unlessConditionFails(write.then(() => true))) ?? false;
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
