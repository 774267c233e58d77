/**
 * The fan-out worker, fed by the job queue: pushes large groups' messages page by page, and delivers what waited
 * for a user after their AUTH (shared/queue/jobs.ts names both jobs). Records run side by side; a record that fails
 * is reported back (partial batch failure) so SQS retries it alone, and after five tries parks it in the
 * dead-letter queue. Both jobs mark their progress as they go, so a retry continues rather than starts over.
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { catchUp } from '../shared/delivery/catchup.js';
import { fanOutPage, PAGE_CONNECTIONS } from '../shared/delivery/group.js';
import { log } from '../shared/log.js';
import { callbackUrl } from '../shared/push/client.js';
import { enqueue, parseJob } from '../shared/queue/jobs.js';

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
  } else if ((await catchUp(endpoint, job, deadline, now)) === 'continue') {
    await enqueue(job);
  }
}

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const endpoint = callbackUrl(undefined, undefined);
  const deadline = Date.now() + context.getRemainingTimeInMillis() - SAFETY_MS;
  const outcomes = await Promise.allSettled(event.Records.map((record) => run(record, endpoint, deadline)));
  const batchItemFailures = event.Records.flatMap((record, i) => {
    const outcome = outcomes[i];
    if (outcome?.status !== 'rejected') return [];
    log.error('job failed', { messageId: record.messageId, error: outcome.reason });
    return [{ itemIdentifier: record.messageId }];
  });
  return { batchItemFailures };
}
