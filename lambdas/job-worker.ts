/**
 * The job worker, fed by the job queue: pushes large groups' messages and signals page by page, delivers what
 * waited for a user after their AUTH, takes deleted groups apart, and finishes a deleted account's clean-up
 * (shared/queue/jobs.ts names the jobs). Records run side by side; a record that fails is reported back (partial
 * batch failure) so SQS retries it alone — after a short back-off the worker sets, not the queue's long visibility
 * timeout — and after five tries parks it in the dead-letter queue. Every job marks its progress as it goes, so a
 * retry continues rather than starts over.
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { cleanUpAccount } from '../shared/account/cleanup.js';
import { catchUp, LeaseHeld } from '../shared/delivery/catchup.js';
import { fanOutPage, PAGE_CONNECTIONS } from '../shared/delivery/group.js';
import { signalPage } from '../shared/delivery/signals.js';
import { continueGroupDeletion } from '../shared/groups/delete.js';
// A 410 met by a push runs the departure (shared/login/): this entry pushes, so it loads the login room's wiring.
import '../shared/login/index.js';
import { log } from '../shared/log.js';
import { flushMetrics, metrics } from '../shared/metrics.js';
import { callbackUrl } from '../shared/push/client.js';
import { enqueue, parseJob, retryDelaySeconds, retryLater } from '../shared/queue/jobs.js';

/** Time kept back from the function's timeout: a catch-up stops pushing and re-enqueues itself before it. */
const SAFETY_MS = 10_000;

async function run(record: SQSRecord, endpoint: string, deadline: number): Promise<void> {
  const job = parseJob(record.body);
  if (!job) {
    log.warn('job dropped: not a job', { messageId: record.messageId });
    return;
  }
  const now = Date.now();
  if (job.kind === 'fanout') {
    await fanOutPage(endpoint, job, undefined, PAGE_CONNECTIONS, now);
  } else if (job.kind === 'signal') {
    await signalPage(endpoint, job, PAGE_CONNECTIONS, now);
  } else if (job.kind === 'groupdelete') {
    const rest = await continueGroupDeletion(endpoint, job, deadline);
    if (rest) await enqueue(rest);
  } else if (job.kind === 'account-cleanup') {
    const rest = await cleanUpAccount(job, { steps: Number.POSITIVE_INFINITY, deadline });
    if (rest) await enqueue(rest);
  } else if ((await catchUp(endpoint, job, deadline, now)) === 'continue') {
    await enqueue(job);
  }
}

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  try {
    return await handle(event, context);
  } finally {
    flushMetrics({ requestId: context?.awsRequestId });
  }
}

async function handle(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const endpoint = callbackUrl(undefined, undefined);
  const deadline = Date.now() + context.getRemainingTimeInMillis() - SAFETY_MS;
  const outcomes = await Promise.allSettled(event.Records.map((record) => run(record, endpoint, deadline)));
  const failed = event.Records.flatMap((record, i) => {
    const outcome = outcomes[i];
    return outcome?.status === 'rejected' ? [{ record, error: outcome.reason as unknown }] : [];
  });
  await Promise.all(
    failed.map(async ({ record, error }) => {
      if (!(error instanceof LeaseHeld)) log.error('job failed', { messageId: record.messageId, error });
      metrics.count('JobsFailed');
      const delay =
        error instanceof LeaseHeld
          ? error.retryInSeconds
          : retryDelaySeconds(Number(record.attributes.ApproximateReceiveCount ?? 1));
      await retryLater(record.receiptHandle, delay).catch((e: unknown) =>
        log.warn('could not schedule a job retry', { messageId: record.messageId, error: e }),
      );
    }),
  );
  return { batchItemFailures: failed.map(({ record }) => ({ itemIdentifier: record.messageId })) };
}
