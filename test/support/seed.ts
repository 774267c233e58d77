/**
 * Seeding the local table directly, in the shapes the commands write, for scale tests and the bench: thousands of
 * members or messages in seconds, where the protocol would need minutes (scrypt at every REGISTER).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { chunk, mapLimit } from '../../shared/concurrency.js';
import { keys } from '../../shared/data/keys.js';

type Item = Record<string, unknown>;

export interface Seeder {
  db: DynamoDBDocumentClient;
  table: string;
  put(items: readonly Item[]): Promise<void>;
  /** Accounts that AUTH accepts with the password `passwordHash` was made from. */
  users(names: readonly string[], passwordHash: string): Promise<void>;
  /** Members of an existing group, offline, whose every message since `from` (an id) waits for them. */
  members(group: string, groupName: string, names: readonly string[], from?: string): Promise<void>;
  /** Stored group messages with the given ids, as SEND_GROUP stores them. */
  groupMessages(group: string, groupName: string, from: string, ids: readonly string[]): Promise<void>;
  get(key: { pk: string; sk: string }): Promise<Item | undefined>;
}

/** A seeder for the table the local runtime in this process uses (TABLE_NAME and its endpoint from the env). */
export function seeder(): Seeder {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: process.env.AWS_REGION }));
  const table = String(process.env.TABLE_NAME);
  const put = async (items: readonly Item[]) => {
    await mapLimit(chunk(items, 25), 8, async (batch) => {
      let pending: Item[] = batch.map((Item) => ({ PutRequest: { Item } }));
      while (pending.length > 0) {
        const result = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = (result.UnprocessedItems?.[table] ?? []) as Item[];
      }
    });
  };
  return {
    db,
    table,
    put,
    users: (names, passwordHash) =>
      put(
        names.map((username) => ({
          ...keys.user(username.toLowerCase()),
          username,
          passwordHash,
          country: 'ID',
          name: username,
          createdAt: new Date().toISOString(),
        })),
      ),
    members: async (group, groupName, names, from = '') => {
      const joinedAt = new Date().toISOString();
      await put(
        names.flatMap((username) => [
          { ...keys.groupMember(group, username.toLowerCase()), username, joinedAt },
          { ...keys.userGroup(username.toLowerCase(), group), group: groupName, joinedAt, from },
        ]),
      );
      await db.send(
        new UpdateCommand({
          TableName: table,
          Key: keys.group(group),
          UpdateExpression: 'ADD members :n',
          ExpressionAttributeValues: { ':n': names.length },
        }),
      );
    },
    groupMessages: (group, groupName, from, ids) =>
      put(
        ids.map((id, i) => ({
          ...keys.groupMessage(group, id),
          event: 'GROUP_MESSAGE',
          id,
          group: groupName,
          from,
          message: `seeded ${i}`,
          sentAt: new Date().toISOString(),
        })),
      ),
    get: async (key) => (await db.send(new GetCommand({ TableName: table, Key: key }))).Item,
  };
}
