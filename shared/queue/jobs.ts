/**
 * Work that runs off the request path, on the fan-out worker (lambdas/fan-out.ts), carried by one SQS queue:
 *  - `fanout`: push one stored group message to one page of the group's online connections (and hand it to
 *    members who left since it was sent); each job enqueues the next page before it pushes, so pages run in parallel;
 *  - `catchup`: push what waited for a user to the connection that just logged in, marking progress as it goes;
 *  - `account-cleanup`: what a DELETE_ACCOUNT left to do (groups, inbox, files), page by page, resumable.
 * The SQS client is created once per container; its endpoint comes from AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL
 * locally.
 */
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { config, queueUrl } from '../config.js';

export interface FanOutJob {
  kind: 'fanout';
  group: string;
  /** The stored message's id. */
  id: string;
  /** The sender's key: none of their devices get the push. */
  sender: string;
  /** The presence key this page starts after. */
  after: string;
}

export interface CatchUpJob {
  kind: 'catchup';
  user: string;
  connectionId: string;
  /** The login's boundary: the job stops if the connection is no longer bound to this very login. */
  boundary: string;
}

/** DELETE_ACCOUNT's remaining clean-up of one user, from `stage` on (shared/account/cleanup.ts). */
export interface AccountCleanupJob {
  kind: 'account-cleanup';
  user: string;
  stage: 'groups' | 'inbox' | 'files';
}

export type Job = FanOutJob | CatchUpJob | AccountCleanupJob;

export const sqs = new SQSClient({ region: config.region });

export async function enqueue(job: Job): Promise<void> {
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl(), MessageBody: JSON.stringify(job) }));
}

/**
 * Brings a failed job back after `seconds` rather than the queue's visibility timeout (six times the worker's
 * timeout): a transient failure is retried soon, with a back-off that grows with each receive.
 */
export async function retryLater(receiptHandle: string, seconds: number): Promise<void> {
  await sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl(),
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: seconds,
    }),
  );
}

/** Seconds before the n-th retry of a job (1, 2, 4, … at most 5 minutes). */
export function retryDelaySeconds(receiveCount: number): number {
  return Math.min(300, 2 ** Math.max(0, receiveCount - 1));
}

/** Reads a job from a queue message body; undefined for anything that is not one (it is then dropped). */
export function parseJob(body: string): Job | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const job = value as Record<string, unknown>;
  const text = (key: string) => typeof job[key] === 'string';
  if (job.kind === 'fanout' && text('group') && text('id') && text('sender') && text('after'))
    return job as unknown as FanOutJob;
  if (job.kind === 'catchup' && text('user') && text('connectionId') && text('boundary'))
    return job as unknown as CatchUpJob;
  if (
    job.kind === 'account-cleanup' &&
    text('user') &&
    ['groups', 'inbox', 'files'].includes(String(job.stage))
  )
    return job as unknown as AccountCleanupJob;
  return undefined;
}
