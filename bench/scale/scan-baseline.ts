/**
 * aws-samples/simple-websockets-chat-app, beside obrol: its sendmessage handler Scans the whole connections table
 * (one item per connection: `connectionId`, 16 characters) for every message. Measured on the same engine with a
 * table of its own; sizes above `measureUpTo` are computed from the measured item size (a Scan page stops at 1 MB).
 */
import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chunk, mapLimit } from '../../shared/concurrency.js';

export interface ScanResult {
  connections: number;
  firstPageRru: number;
  allPagesRru: number;
  pages: number;
  measured: boolean;
}

const TABLE = 'aws-samples-connections';
const ITEM_BYTES = 'connectionId'.length + 16;
const PAGE_BYTES = 1024 * 1024;

/** RRU of an eventually consistent Scan of `n` items of `bytes` each: 0.5 per 4 KB, rounded up per page. */
export function scanRru(n: number, bytes = ITEM_BYTES) {
  const perPage = Math.floor(PAGE_BYTES / bytes);
  const pages: number[] = [];
  for (let left = n; left > 0 || pages.length === 0; left -= perPage)
    pages.push(Math.max(0, Math.min(left, perPage)));
  const rru = (items: number) => Math.max(1, Math.ceil((items * bytes) / 4096)) * 0.5;
  return {
    firstPage: rru(pages[0] as number),
    all: pages.reduce((sum, items) => sum + rru(items), 0),
    pages: pages.length,
  };
}

export async function scanBaseline(sizes: readonly number[], measureUpTo: number): Promise<ScanResult[]> {
  const client = new DynamoDBClient({ region: process.env.AWS_REGION });
  const doc = DynamoDBDocumentClient.from(client);
  await client.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: 'connectionId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const results: ScanResult[] = [];
  let seeded = 0;
  for (const size of [...sizes].sort((a, b) => a - b)) {
    if (size > measureUpTo) {
      const computed = scanRru(size);
      results.push({
        connections: size,
        firstPageRru: computed.firstPage,
        allPagesRru: computed.all,
        pages: computed.pages,
        measured: false,
      });
      continue;
    }
    const ids = Array.from(
      { length: size - seeded },
      () => `${randomBytes(12).toString('base64').slice(0, 15)}=`,
    );
    await mapLimit(chunk(ids, 25), 8, (batch) =>
      doc.send(
        new BatchWriteCommand({
          RequestItems: {
            [TABLE]: batch.map((connectionId) => ({ PutRequest: { Item: { connectionId } } })),
          },
        }),
      ),
    );
    seeded = size;
    let first = Number.NaN;
    let all = 0;
    let pages = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: TABLE,
          ProjectionExpression: 'connectionId',
          ReturnConsumedCapacity: 'TOTAL',
          ExclusiveStartKey: start as never,
        }),
      );
      const rru = page.ConsumedCapacity?.CapacityUnits ?? 0;
      if (pages === 0) first = rru;
      all += rru;
      pages++;
      start = page.LastEvaluatedKey;
    } while (start);
    results.push({ connections: size, firstPageRru: first, allPagesRru: all, pages, measured: true });
  }
  client.destroy();
  return results;
}
