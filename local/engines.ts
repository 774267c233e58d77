/**
 * The AWS-compatible engines the local runtime talks to over HTTP. By default it embeds dynalite (DynamoDB) and
 * s3rver (S3), each on a private Unix socket behind a front that checks the runtime's signatures (./engine-auth.ts,
 * ./s3-front.ts); when AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL is set it uses that engine
 * instead (DynamoDB Local, moto, LocalStack) and only creates the table and the bucket there.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import S3rverAccount from 's3rver/lib/models/account.js';
import { createTableInput } from '../shared/data/schema.js';
import { privateSocket, startSignedFront } from './engine-auth.js';
import { hardenS3rverStore } from './s3-store.js';
import type { Credentials } from './sigv4.js';

export interface Engine {
  endpoint: string;
  /** Set when the engine listens on a private Unix socket instead (s3rver behind the S3 front door). */
  socketPath?: string;
  stop(): Promise<void>;
}

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * dynalite on a free port. With `credentials` (the runtime's), dynalite itself listens on a private Unix socket and
 * the port is a front that passes it only requests signed with them (./engine-auth.ts); without (unit tests' own
 * table), dynalite is on the port.
 */
export async function startDynalite(
  host: string,
  dataDir: string | undefined,
  credentials?: Credentials,
): Promise<Engine> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(dataDir ? { path: dataDir } : {}),
  });
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  if (!credentials) {
    const port = await listen(server, host);
    return { endpoint: `http://${host}:${port}`, stop: close };
  }
  const socket = privateSocket('dynamodb');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket.path, () => resolve());
  });
  const front = await startSignedFront({ host, service: 'dynamodb', credentials, socketPath: socket.path });
  return {
    endpoint: front.endpoint,
    stop: async () => {
      await front.close();
      await close();
      socket.remove();
    },
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
    await sleep(100);
  }
  client.destroy();
}

/**
 * s3rver, its files under `dataDir` (or a temporary folder removed at stop). With `credentials` (the runtime's) it
 * listens on a private Unix socket, reachable only through the S3 front door, and knows that key pair (it checks
 * that a key exists, not the signature: the front door does); without, on a free port.
 */
export async function startS3rver(
  host: string,
  dataDir: string | undefined,
  credentials?: Credentials,
): Promise<Engine> {
  const directory = dataDir ?? mkdtempSync(join(tmpdir(), 'obrol-s3-'));
  mkdirSync(directory, { recursive: true });
  // Every key S3 holds gets a path s3rver can write, and a failed write fails its request, not the process.
  hardenS3rverStore();
  const server = new S3rver({ address: host, port: 0, silent: true, directory });
  const removeData = () => {
    if (!dataDir) rmSync(directory, { recursive: true, force: true });
  };
  if (!credentials) {
    const { port } = await server.run();
    return {
      endpoint: `http://${host}:${port}`,
      stop: async () => {
        await server.close();
        removeData();
      },
    };
  }
  S3rverAccount.DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
  const socket = privateSocket('s3');
  server.httpServer = await server.listen(socket.path);
  return {
    endpoint: 'http://localhost',
    socketPath: socket.path,
    stop: async () => {
      await server.close();
      S3rverAccount.DUMMY_ACCOUNT.revokeAccessKey(credentials.accessKeyId);
      socket.remove();
      removeData();
    },
  };
}

/**
 * Creates the bucket unless it exists, and lets browsers upload to it and read from it (the web page is on the
 * gateway's port, another origin). The deployed bucket allows only the page's CloudFront origin (infra/web.ts).
 */
export async function ensureBucket(endpoint: string, region: string, bucket: string): Promise<void> {
  const client = new S3Client({ endpoint, region, forcePathStyle: true });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as Error).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
  try {
    await client.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedMethods: ['GET', 'POST'],
              AllowedOrigins: ['*'],
              AllowedHeaders: ['*'],
              MaxAgeSeconds: 3600,
            },
          ],
        },
      }),
    );
  } catch {
    // An engine without bucket CORS still serves every client but the browser page's uploads and downloads.
  }
  client.destroy();
}

/**
 * The job queue and its dead-letter queue, as the CDK stack declares them: a job tried five times without success
 * is parked in the dead-letter queue. The visibility timeout exceeds the local worker's 20 s timeout, as AWS asks
 * of a Lambda consumer; a failed job comes back sooner because the worker asks for it (shared/queue/jobs.ts).
 */
export async function ensureQueues(
  endpoint: string,
  region: string,
  name: string,
): Promise<{ url: string; arn: string }> {
  const client = new SQSClient({ endpoint, region });
  const arnOf = async (url: string) => {
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    return String(Attributes?.QueueArn);
  };
  const dead = await client.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const deadArn = await arnOf(String(dead.QueueUrl));
  const { QueueUrl } = await client.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: '30',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadArn, maxReceiveCount: 5 }),
      },
    }),
  );
  const url = String(QueueUrl);
  const arn = await arnOf(url);
  client.destroy();
  return { url, arn };
}
