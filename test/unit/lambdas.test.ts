/**
 * The thin handlers in lambdas/ against dynalite, a recording @connections stand-in and a faked SQS client: what
 * each returns, and that a failure is an answer, never a throw.
 */
import type { Context, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { groupKeyOf, userKeyOf } from '../../shared/protocol/names.js';
import { useConnectionsApi } from '../support/connections-api.js';
import { fakeQueue, intercept } from '../support/fakes.js';
import { useTable } from '../support/table.js';

await useTable();
const api = await useConnectionsApi();
Object.assign(process.env, { QUEUE_URL: 'http://127.0.0.1:9/queue/unit', CALLBACK_URL: api.endpoint });
const connect = await import('../../lambdas/connect.js');
const disconnect = await import('../../lambdas/disconnect.js');
const fallback = await import('../../lambdas/default.js');
const jobWorker = await import('../../lambdas/job-worker.js');
const { readConnection, takeCatchUpLease } = await import('../../shared/data/connections.js');
const { bindConnection } = await import('../../shared/login/index.js');
const { dynamo } = await import('../../shared/data/client.js');
const { sqs } = await import('../../shared/queue/jobs.js');
const { newId } = await import('../../shared/ids.js');
const messages = await import('../../shared/data/messages.js');
const groups = await import('../../shared/data/groups.js');
const { addMember } = await import('../../shared/groups/join.js');

const { sent, retries } = fakeQueue(sqs);
let dynamoDown = false;
intercept(dynamo, 'switch', (next) => async (args) => {
  if (dynamoDown) throw Object.assign(new Error('engine down'), { name: 'NetworkingError' });
  return next(args);
});

let unique = 0;
const fresh = (prefix: string) => `${prefix}${++unique}`;
// biome-ignore lint/suspicious/noExplicitAny: handlers read a few fields of large AWS event types.
const event = (connectionId: string, extra: Record<string, unknown> = {}): any => ({
  requestContext: {
    connectionId,
    domainName: 'x.example',
    stage: 'prod',
    requestId: 'r',
    connectedAt: 1_800_000_000_000,
    requestTimeEpoch: 1_800_000_000_000,
    identity: { sourceIp: '192.0.2.1' },
  },
  ...extra,
});
const context = (ms: number) =>
  ({ awsRequestId: 'a', getRemainingTimeInMillis: () => ms }) as unknown as Context;

describe('$connect and $disconnect', () => {
  it('record the connection with its address, then forget it', async () => {
    const id = fresh('c');
    expect(await connect.handler(event(id))).toEqual({ statusCode: 200 });
    const state = await readConnection(id, 1_800_000_000_000, true);
    expect(state.user).toBeUndefined();
    expect(state.expiresAt).toBe(Math.floor((1_800_000_000_000 + 125 * 60_000) / 1000));
    expect(await disconnect.handler(event(id))).toEqual({ statusCode: 200 });
    const { db, TABLE } = await import('../../shared/data/client.js');
    const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
    const { keys } = await import('../../shared/data/keys.js');
    expect(
      (await db.send(new GetCommand({ TableName: TABLE, Key: keys.connection(id) }))).Item,
    ).toBeUndefined();
  });

  it('answer 500 on $connect, and still 200 on $disconnect, when DynamoDB fails', async () => {
    dynamoDown = true;
    try {
      expect(await connect.handler(event(fresh('c')))).toEqual({ statusCode: 500 });
      expect(await disconnect.handler(event(fresh('c')))).toEqual({ statusCode: 200 });
    } finally {
      dynamoDown = false;
    }
  });
});

describe('$default', () => {
  it('answers a frame, plain or base64', async () => {
    const id = fresh('c');
    await connect.handler(event(id));
    expect(await fallback.handler(event(id, { body: 'PING' }))).toEqual({
      statusCode: 200,
      body: '{"status":"OK","data":"pong"}\r\n\r\n',
    });
    expect(
      await fallback.handler(
        event(id, { body: Buffer.from('PING').toString('base64'), isBase64Encoded: true }),
      ),
    ).toEqual({ statusCode: 200, body: '{"status":"OK","data":"pong"}\r\n\r\n' });
  });

  it('counts failed AUTHs against the address API Gateway saw', async () => {
    const id = fresh('c');
    await connect.handler(event(id));
    const reply = await fallback.handler(event(id, { body: `AUTH ${fresh('ghost')} password1` }));
    expect(JSON.parse(reply.body.trim())).toMatchObject({ reason: 'invalid_credentials' });
    const { db, TABLE } = await import('../../shared/data/client.js');
    const { QueryCommand } = await import('@aws-sdk/lib-dynamodb');
    const { keys } = await import('../../shared/data/keys.js');
    // Whatever window the failure fell in: the address's counter holds it.
    const counts = await db.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.authFailures('ip', '192.0.2.1', 0).pk },
      }),
    );
    expect(counts.Items?.reduce((sum, item) => sum + Number(item.count), 0)).toBeGreaterThanOrEqual(1);
  });

  it('counts failed AUTHs from IPv6 addresses by the /64 API Gateway saw them in', async () => {
    const { db, TABLE } = await import('../../shared/data/client.js');
    const { QueryCommand } = await import('@aws-sdk/lib-dynamodb');
    const { keys } = await import('../../shared/data/keys.js');
    for (const sourceIp of ['2001:db8:64:64::1', '2001:DB8:64:64:ffff:1:2:3']) {
      const id = fresh('c');
      const base = event(id);
      const from = { ...base, requestContext: { ...base.requestContext, identity: { sourceIp } } };
      await connect.handler(from);
      const reply = await fallback.handler({ ...from, body: `AUTH ${fresh('ghost')} password1` });
      expect(JSON.parse(reply.body.trim())).toMatchObject({ reason: 'invalid_credentials' });
    }
    const counts = await db.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.authFailures('ip', '2001:db8:64:64::/64', 0).pk },
      }),
    );
    expect(counts.Items?.reduce((sum, item) => sum + Number(item.count), 0)).toBe(2);
  });
});

describe('the job worker', () => {
  const record = (body: unknown, receiveCount = '1') =>
    ({
      messageId: fresh('m'),
      receiptHandle: fresh('h'),
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: { ApproximateReceiveCount: receiveCount },
    }) as unknown as SQSEvent['Records'][number];

  it('drops what is not a job, runs a fan-out page, and reports only the failed records', async () => {
    const g = groupKeyOf(fresh('g'));
    await groups.createGroup(g, g, 'o', 0);
    const user = userKeyOf(fresh('u'));
    const connection = { user, connectionId: fresh('c'), expiresAt: Math.floor(Date.now() / 1000) + 600 };
    await addMember(g, g, user, user, [connection], 0);
    const message = { event: 'GROUP_MESSAGE', id: newId(), group: g };
    await messages.storeGroupMessage(g, message, userKeyOf('x'));
    const good = record({ kind: 'fanout', group: g, id: message.id, sender: 'x', after: '' });
    const junk = record('not json');
    dynamoDown = false;
    const result = await jobWorker.handler({ Records: [junk, good] }, context(60_000));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(api.frames.get(connection.connectionId)?.map((f) => JSON.parse(f.slice(0, -4)))).toEqual([
      message,
    ]);
  });

  it('retries a failed job after a back-off that grows with each receive', async () => {
    retries.length = 0;
    dynamoDown = true;
    try {
      const first = record({ kind: 'fanout', group: 'g', id: 'i', sender: 's', after: '' }, '1');
      const fourth = record({ kind: 'fanout', group: 'g', id: 'i', sender: 's', after: '' }, '4');
      const result = await jobWorker.handler({ Records: [first, fourth] }, context(60_000));
      expect(result.batchItemFailures).toEqual([
        { itemIdentifier: first.messageId },
        { itemIdentifier: fourth.messageId },
      ]);
      expect(retries).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ ReceiptHandle: first.receiptHandle, VisibilityTimeout: 1 }),
          expect.objectContaining({ ReceiptHandle: fourth.receiptHandle, VisibilityTimeout: 8 }),
        ]),
      );
    } finally {
      dynamoDown = false;
    }
  });

  it('re-enqueues a catch-up that ran out of time, and retries one held by another run when its hold ends', async () => {
    const user = userKeyOf(fresh('u'));
    const connectionId = fresh('c');
    await connect.handler(event(connectionId));
    const now = Date.now();
    const boundary = await bindConnection(
      { user, connectionId, expiresAt: Math.floor(now / 1000) + 600 },
      user,
      [],
      await readConnection(connectionId, now, true),
      now,
    );
    if (boundary === undefined) throw new Error('bindConnection lost a race nobody ran');
    for (let i = 0; i < 3; i++) {
      const id = newId(Date.now() - 1000 + i);
      const key = await messages.storeDirectMessage(userKeyOf('x'), user, {
        event: 'MESSAGE',
        id,
        text: 'y'.repeat(20_000),
      });
      await messages.putInbox(user, key, id);
    }
    const job = { kind: 'catchup', user, connectionId, boundary };
    sent.length = 0;
    // Less time left than the worker keeps back: the run stops after its first frame and comes back as a new job.
    expect(await jobWorker.handler({ Records: [record(job)] }, context(5_000))).toEqual({
      batchItemFailures: [],
    });
    expect(sent).toEqual([job]);

    const until = Date.now() + 20_000;
    expect(await takeCatchUpLease(connectionId, { user, boundary }, 'other', Date.now(), until)).toBe(true);
    retries.length = 0;
    const held = record(job);
    expect(await jobWorker.handler({ Records: [held] }, context(60_000))).toEqual({
      batchItemFailures: [{ itemIdentifier: held.messageId }],
    });
    expect(retries[0]?.VisibilityTimeout).toBeGreaterThanOrEqual(19);
    expect(retries[0]?.VisibilityTimeout).toBeLessThanOrEqual(20);
  });
});
