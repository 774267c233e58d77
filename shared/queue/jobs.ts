/**
 * Work that runs off the request path, on the job worker (lambdas/job-worker.ts), carried by one SQS queue:
 *  - `fanout`: push one stored group message to one page of the group's online connections (and hand it to
 *    members who left since it was sent); each job enqueues the next page before it pushes, so pages run in parallel;
 *  - `catchup`: push what waited for a user to the connection that just logged in, marking progress as it goes;
 *  - `signal`: push one ready-made event that is never stored (TYPING, PRESENCE, MESSAGE_EDITED, MESSAGE_DELETED) to
 *    one page of a group's online connections or a user's watchers, enqueueing the next page first (or to the live
 *    devices of one user: a TYPING, pushed off the request path);
 *  - `groupdelete`: take a deleted group apart page by page (tell its online members, drop every membership, its
 *    messages and files, and last its item, which frees the name); each run continues where the last page ended.
 *  - `account-cleanup`: what a DELETE_ACCOUNT left to do (groups, inbox, files, blocks, conversations), page by
 *    page, resumable.
 * The SQS client is created once per container; its endpoint comes from AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL
 * locally.
 */
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { config, queueUrl } from '../config.js';
import type { GroupKey, UserKey } from '../protocol/names.js';
import type { PushEvent } from '../protocol/replies.js';

export interface FanOutJob {
  kind: 'fanout';
  group: GroupKey;
  /** The stored message's id. */
  id: string;
  /** The sender's key: none of their devices get the push. */
  sender: UserKey;
  /** The group connection key this page starts after. */
  after: string;
}

export interface CatchUpJob {
  kind: 'catchup';
  user: UserKey;
  connectionId: string;
  /** The login's boundary: the job stops if the connection is no longer bound to this very login. */
  boundary: string;
  /** Wait for the login's answer (markAnswered) before the first push; set by AUTH and RESUME. */
  afterAnswer?: boolean;
}

/**
 * A push that is never stored (TYPING, PRESENCE, and the news of an edited or deleted group message), to one page of
 * a group's online connections or of a user's watchers (shared/delivery/signals.ts).
 */
export type SignalJob = SignalCommon & (GroupSignal | UserSignal);

/** A signal to one page of a group's online connections: its key is a group's. */
interface GroupSignal {
  to: 'group';
  key: GroupKey;
}

/**
 * A signal to one page of a user's watchers (`watchers`: the watched user's key), or to the live devices of one user
 * (`user`: TYPING, sent off the request path so its answer tells nothing).
 */
interface UserSignal {
  to: 'watchers' | 'user';
  key: UserKey;
}

interface SignalCommon {
  kind: 'signal';
  /** A user none of whose connections get it (the sender), or '' for nobody. */
  skip: UserKey | '';
  /** A connection that does not get it (the one that made an edit or deletion), when there is one. */
  except?: string;
  /** The sort key this page starts after. */
  after: string;
  event: PushEvent;
}

export interface GroupDeleteJob {
  kind: 'groupdelete';
  group: GroupKey;
  /** The deletion's mark on the group item (an id): a run stops once the group no longer carries it. */
  token: string;
  /**
   * What is being taken apart now, in this order. `presence` is the group's connections (the phase keeps its old name:
   * jobs on the queue carry it).
   */
  phase: 'presence' | 'items' | 'messages' | 'meta';
  /** The sort key this phase continues after ('' from the start). */
  after: string;
}

/** DELETE_ACCOUNT's remaining clean-up of one user, from `stage` on (shared/account/cleanup.ts). */
export interface AccountCleanupJob {
  kind: 'account-cleanup';
  user: UserKey;
  stage: 'groups' | 'inbox' | 'files' | 'blocks' | 'conversations';
}

export type Job = FanOutJob | CatchUpJob | SignalJob | GroupDeleteJob | AccountCleanupJob;

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

/**
 * Reads a job from a queue message body; undefined for anything that is not one (it is then dropped). Its keys come
 * back as UserKey / GroupKey: enqueue wrote them from keys, and only this service writes to the queue.
 */
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
    job.kind === 'signal' &&
    (job.to === 'group' || job.to === 'watchers' || job.to === 'user') &&
    text('key') &&
    text('skip')
  ) {
    const event = job.event as Record<string, unknown> | null;
    const except = job.except === undefined || text('except');
    if (
      text('after') &&
      except &&
      typeof event === 'object' &&
      event !== null &&
      typeof event.event === 'string'
    )
      return job as unknown as SignalJob;
  }
  if (
    job.kind === 'groupdelete' &&
    text('group') &&
    text('token') &&
    text('after') &&
    ['presence', 'items', 'messages', 'meta'].includes(String(job.phase))
  )
    return job as unknown as GroupDeleteJob;
  if (
    job.kind === 'account-cleanup' &&
    text('user') &&
    ['groups', 'inbox', 'files', 'blocks', 'conversations'].includes(String(job.stage))
  )
    return job as unknown as AccountCleanupJob;
  return undefined;
}
