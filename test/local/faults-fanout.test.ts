/**
 * Faults in the job worker (lambdas/job-worker.ts): a group with more than 100 online connections has its later
 * pages pushed by queue jobs. Each row checks that an acknowledged group message still reaches the member on a
 * later page (live after the job's retry, or at their next login), and the worker reports exactly the failed records
 * of a batch (partial batch failure), scheduling their retry — and does not crash when even that fails.
 */
import type { Context, SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../shared/data/keys.js';
import { newId } from '../../shared/ids.js';
import { type User, uniqueName } from '../support/endpoint.js';
import { arm, deliveries, pairInGroup } from '../support/fault-checks.js';
import { type Faults, type Input, pkStarts, type Rule, rule } from '../support/faults.js';
import { useLocalRuntime } from '../support/runtime.js';
import { seeder } from '../support/seed.js';

const local = useLocalRuntime({ env: { BUDGET_SENDS_BURST: '10000' } });
let faults: Faults;
let alice: User;
let bob: User;
let group: string;

/** Online connections the request pushes itself (shared/delivery/group.ts INLINE_CONNECTIONS). */
const INLINE = 100;

beforeAll(async () => {
  ({ faults, alice, bob, group } = await pairInGroup(local));
});

/**
 * Fills the first page of the group's connections with connections of members who sort before alice and bob (and
 * whose sockets are gone: their pushes answer 410 and are cleaned up), so bob is pushed by a worker job.
 */
async function crowd(): Promise<void> {
  const expiresAt = Math.floor(Date.now() / 1000) + 3600;
  await seeder().put(
    Array.from({ length: INLINE }, (_, i) => {
      const user = `aaa_${String(i).padStart(3, '0')}`;
      const connectionId = `ghost${i}=`;
      return { ...keys.groupConnection(group, user, connectionId), user, connectionId, expiresAt };
    }),
  );
}

const toBob = (input: Input) =>
  String(input?.ConnectionId) !== '' && !String(input?.ConnectionId).startsWith('ghost');

describe('SEND_GROUP to a group whose second page is pushed by the worker', () => {
  const rows: Array<{ name: string; rules: Rule[]; answer: 'OK' | 'ERROR'; live?: false }> = [
    {
      name: "the job's message read fails on its first run",
      rules: [rule('dynamodb', 'GetItem', 'error', pkStarts('GMSG#'), { first: 3 })],
      answer: 'OK',
    },
    {
      name: 'the push to bob fails',
      rules: [rule('push', 'PostToConnection', 'error', toBob)],
      answer: 'OK',
      // Every push to bob fails while the row is armed: nothing can reach him live, and waiting for it cost the
      // client's whole 10 s wait. He gets the message at his next login (deliveries() below).
      live: false,
    },
    {
      name: 'the job is enqueued, its answer lost (it runs twice)',
      rules: [rule('sqs', 'SendMessage', 'lie', undefined, { nth: 1 })],
      answer: 'OK',
    },
    // The next page is enqueued before the first is pushed: nothing was pushed, the sender hears it failed.
    { name: 'the job cannot be enqueued', rules: [rule('sqs', 'SendMessage', 'error')], answer: 'ERROR' },
  ];
  for (const row of rows) {
    it(`${row.name}: honest, and bob gets an acknowledged message`, async () => {
      await crowd();
      const text = uniqueName('gm');
      const armed = arm(faults, row.rules);
      const answer = await alice.client.request(`SEND_GROUP ${group} ${text}`);
      if (answer.status === 'OK' && row.live !== false)
        await bob.client.nextPush((p) => p.message === text).catch(() => undefined);
      await local.runtime.jobsSettled();
      armed.done();
      expect(answer).toEqual(
        row.answer === 'OK'
          ? { status: 'OK', data: 'pesan terkirim', id: expect.any(String) }
          : { status: 'ERROR', data: 'pesan tidak terkirim', reason: 'internal_error' },
      );
      const seen = bob.client.log.filter((p) => p.message === text).length;
      if (answer.status === 'OK' && seen === 0)
        expect(await deliveries(() => local.connect(), bob, text)).toBeGreaterThanOrEqual(1);
    });
  }
});

describe('the worker with a batch where one record fails', () => {
  const context = { awsRequestId: 'test', getRemainingTimeInMillis: () => 20_000 } as unknown as Context;
  const record = (messageId: string, body: string, receiveCount: number): SQSEvent['Records'][number] => ({
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
    } as SQSEvent['Records'][number]['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:obrol-jobs',
    awsRegion: 'us-east-1',
  });

  it('reports only that record, schedules its retry after a back-off, and survives a failed schedule', async () => {
    const { handler } = await import('../../lambdas/job-worker.js');
    const failing = newId(Date.now());
    const job = (id: string) => JSON.stringify({ kind: 'fanout', group, id, sender: alice.name, after: '' });
    const event: SQSEvent = {
      Records: [
        record('bad', job(failing), 3),
        // A message that was never stored: nothing to push, the job is done.
        record('gone', job(newId(Date.now())), 1),
        record('garbage', 'not a job', 1),
      ],
    };
    for (const scheduleFault of [undefined, rule('sqs', 'ChangeMessageVisibility', 'error')]) {
      const before = faults.calls.length;
      const armed = arm(faults, [
        rule('dynamodb', 'GetItem', 'error', (i) => String(i?.Key?.sk) === `MSG#${failing}`),
        ...(scheduleFault ? [scheduleFault] : []),
      ]);
      const response = await handler(event, context);
      armed.done();
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
      const scheduled = faults.calls.slice(before).filter((c) => c.command === 'ChangeMessageVisibility');
      // The third receive comes back after 4 s (retryDelaySeconds), not the queue's visibility timeout.
      expect(scheduled.map((c) => [c.input.ReceiptHandle, c.input.VisibilityTimeout])).toEqual([
        ['receipt-bad', 4],
      ]);
    }
  });
});
