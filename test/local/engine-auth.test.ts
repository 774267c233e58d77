/**
 * The local engines answer only their own runtime (issue 22 item 9): dynalite, the SQS stand-in and @connections
 * refuse a request that is unsigned, signed with another key, wrongly signed or tampered with, each with its
 * service's error, and serve one signed with the key pair made at this start; s3rver is reachable only through the
 * S3 front door (test/local/s3-front.test.ts covers that door), on a Unix socket in a folder only this user can enter.
 */
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  ApiGatewayManagementApiClient,
  GetConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient, GetItemCommand, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { userKeyOf } from '../../shared/protocol/names.js';
import { useLocalRuntime } from '../support/runtime.js';

const local = useLocalRuntime();
const region = () => String(process.env.AWS_REGION);
const runtimeKey = () => String(process.env.AWS_ACCESS_KEY_ID);
const wrongSecret = () => ({ accessKeyId: runtimeKey(), secretAccessKey: 'a-guess' });
const otherKey = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const clients: Array<{ destroy(): void }> = [];
afterAll(() => {
  for (const client of clients) client.destroy();
});
function made<T extends { destroy(): void }>(client: T): T {
  clients.push(client);
  return client;
}

const dynamo = (credentials?: { accessKeyId: string; secretAccessKey: string }) =>
  made(
    new DynamoDBClient({
      endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB,
      region: region(),
      maxAttempts: 1,
      ...(credentials ? { credentials } : {}),
    }),
  );

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: { name?: string; $metadata?: { httpStatusCode?: number } }) => ({
      name: error.name,
      status: error.$metadata?.httpStatusCode,
    }),
  );

describe('DynamoDB (dynalite behind a signature-checking front)', () => {
  it('refuses an unsigned scan of the table (password hashes and all)', async () => {
    const res = await fetch(String(process.env.AWS_ENDPOINT_URL_DYNAMODB), {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.Scan' },
      body: JSON.stringify({ TableName: local.runtime.tableName }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      __type: 'com.amazon.coral.service#MissingAuthenticationTokenException',
      message: 'Request is missing Authentication Token',
    });
  });

  it('refuses another key, a wrong secret and a body changed after signing; serves the runtime’s signature', async () => {
    await local.user('alice');
    expect(await failure(dynamo(otherKey).send(new ListTablesCommand({})))).toEqual({
      name: 'UnrecognizedClientException',
      status: 400,
    });
    const scan = new ScanCommand({ TableName: local.runtime.tableName });
    expect(await failure(dynamo(wrongSecret()).send(scan))).toEqual({
      name: 'InvalidSignatureException',
      status: 400,
    });
    const tampered = dynamo();
    tampered.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body?: string | Uint8Array };
        const text = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
        request.body = text.replace(/"Limit":1/, '"Limit":2'); // same length: only the signature can tell
        return next(args);
      },
      { step: 'deserialize', name: 'tamperAfterSigning' },
    );
    expect(
      await failure(tampered.send(new ScanCommand({ TableName: local.runtime.tableName, Limit: 1 }))),
    ).toEqual({ name: 'InvalidSignatureException', status: 400 });

    const signed = dynamo();
    expect((await signed.send(new ListTablesCommand({}))).TableNames).toContain(local.runtime.tableName);
    expect((await signed.send(scan)).Count).toBeGreaterThan(0);
    const item = await signed.send(
      new GetItemCommand({
        TableName: local.runtime.tableName,
        Key: { pk: { S: 'NONE' }, sk: { S: 'NONE' } },
      }),
    );
    expect(item.Item).toBeUndefined();
  });
});

describe('SQS (the stand-in checks in its handler)', () => {
  const sqs = (credentials?: { accessKeyId: string; secretAccessKey: string }) =>
    made(
      new SQSClient({
        endpoint: process.env.AWS_ENDPOINT_URL_SQS,
        region: region(),
        maxAttempts: 1,
        ...(credentials ? { credentials } : {}),
      }),
    );

  it('refuses unsigned, other-key and wrongly signed requests; serves the runtime’s signature', async () => {
    const res = await fetch(String(process.env.AWS_ENDPOINT_URL_SQS), {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.GetQueueUrl' },
      body: JSON.stringify({ QueueName: 'obrol-jobs' }),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ __type: 'com.amazonaws.sqs#MissingAuthenticationToken' });
    const ask = new GetQueueUrlCommand({ QueueName: 'obrol-jobs' });
    expect(await failure(sqs(otherKey).send(ask))).toEqual({ name: 'InvalidClientTokenId', status: 403 });
    expect(await failure(sqs(wrongSecret()).send(ask))).toEqual({
      name: 'SignatureDoesNotMatch',
      status: 403,
    });
    expect((await sqs().send(ask)).QueueUrl).toBe(process.env.QUEUE_URL);
  });
});

describe('@connections (the gateway checks in its handler)', () => {
  it('refuses unsigned and wrongly signed requests, which push nothing; serves the runtime’s signature', async () => {
    const bob = await local.user('bob');
    const { readAccount } = await import('../../shared/data/users.js');
    const [connection] = (await readAccount(userKeyOf(bob.name), Date.now())).connections;
    const id = String(connection?.connectionId);
    const at = `${local.runtime.callbackUrl}/@connections/${encodeURIComponent(id)}`;
    for (const method of ['GET', 'POST', 'DELETE']) {
      const res = await fetch(at, { method, ...(method === 'POST' ? { body: '{"event":"FORGED"}' } : {}) });
      expect(res.status, method).toBe(403);
      expect(res.headers.get('x-amzn-errortype'), method).toBe('MissingAuthenticationTokenException');
    }
    const api = (credentials?: { accessKeyId: string; secretAccessKey: string }) =>
      made(
        new ApiGatewayManagementApiClient({
          endpoint: local.runtime.callbackUrl,
          region: region(),
          maxAttempts: 1,
          ...(credentials ? { credentials } : {}),
        }),
      );
    const forged = new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from('{"event":"FORGED"}') });
    expect((await failure(api(otherKey).send(forged)))?.status).toBe(403);
    expect((await failure(api(wrongSecret()).send(forged)))?.status).toBe(403);

    const signed = api();
    const got = await signed.send(new GetConnectionCommand({ ConnectionId: id }));
    expect(got.$metadata.httpStatusCode).toBe(200);
    await signed.send(
      new PostToConnectionCommand({
        ConnectionId: id,
        Data: Buffer.from('{"event":"SIGNED","id":"1"}\r\n\r\n'),
      }),
    );
    await bob.client.nextPush((p) => p.event === 'SIGNED');
    expect(bob.client.pushes.filter((p) => p.event === 'FORGED')).toEqual([]);
    expect(await bob.client.request('PING')).toMatchObject({ status: 'OK' });
  });
});

/** The TCP ports this process listens on, and the Unix socket paths it holds (Linux /proc). */
function ownListeners(): { ports: number[]; unixPaths: string[] } {
  const inodes = new Set(
    readdirSync('/proc/self/fd')
      .map((fd) => {
        try {
          return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
        } catch {
          return undefined;
        }
      })
      .filter((inode): inode is string => inode !== undefined),
  );
  const ports = ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[3] === '0A' && inodes.has(f[9] ?? ''))
      .map((f) => Number.parseInt((f[1] ?? '').split(':')[1] ?? '', 16)),
  );
  const unixPaths = readFileSync('/proc/net/unix', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => inodes.has(f[6] ?? '') && f[7])
    .map((f) => f[7] as string);
  return { ports: [...new Set(ports)].sort(), unixPaths: [...new Set(unixPaths)] };
}

describe.runIf(process.platform === 'linux')('what the runtime listens on', () => {
  it('opens no TCP port but the gateway, the S3 front door and the two signed engines; s3rver is on a private socket', () => {
    const port = (url: string) => Number(new URL(url.replace(/^ws/, 'http')).port);
    const expected = [
      port(local.runtime.url),
      port(local.runtime.s3Endpoint),
      port(String(process.env.AWS_ENDPOINT_URL_DYNAMODB)),
      port(String(process.env.AWS_ENDPOINT_URL_SQS)),
    ].sort();
    const { ports, unixPaths } = ownListeners();
    expect(ports).toEqual(expected);
    const engineSockets = unixPaths.filter((p) => /obrol-engine-[^/]+\/(s3|dynamodb)\.sock$/.test(p));
    expect(engineSockets.map((p) => p.split('/').at(-1)).sort()).toEqual(['dynamodb.sock', 's3.sock']);
    for (const path of engineSockets) expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
  });
});
