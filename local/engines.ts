/**
 * The AWS-compatible engines the local runtime talks to over HTTP. By default it embeds dynalite (DynamoDB);
 * when AWS_ENDPOINT_URL_DYNAMODB or AWS_ENDPOINT_URL is set it uses that engine instead (DynamoDB Local,
 * moto, LocalStack) and only creates the table there.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createTableInput } from '../shared/data/schema.js';

export interface Engine {
  endpoint: string;
  stop(): Promise<void>;
}

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startDynalite(host: string, dataDir: string | undefined): Promise<Engine> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(dataDir ? { path: dataDir } : {}),
  });
  const port = await listen(server, host);
  return {
    endpoint: `http://${host}:${port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Creates the table from the shared schema unless it exists, and waits until it is ACTIVE. */
export async function ensureTable(endpoint: string, region: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region });
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
  }
  for (let i = 0; i < 100; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  client.destroy();
}
