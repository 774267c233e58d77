/**
 * The local stand-in for Lambda's SQS event source mapping: a few pollers receive up to ten messages at a time from
 * the job queue (over the SQS API, whichever engine serves it), call the real worker handler with the SQSEvent
 * Lambda would build, delete what succeeded and leave each reported failure to come back after its visibility
 * timeout (and, after too many tries, to be redriven to the dead-letter queue by the engine).
 */

import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';

export type QueueHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

export interface QueueWorkerOptions {
  endpoint: string;
  region: string;
  queueUrl: string;
  queueArn: string;
  handler: QueueHandler;
  /** Pollers, each with one batch in flight (Lambda scales out the same way, one batch per instance). */
  concurrency: number;
  /** The worker function's timeout, as its context reports it. */
  timeoutMs: number;
}

export interface QueueWorker {
  /** Resolves once no batch is being handled and the queue had nothing to hand out. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

function contextFor(timeoutMs: number): Context {
  const started = Date.now();
  return {
    functionName: 'job-worker',
    awsRequestId: crypto.randomUUID(),
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
  } as Context;
}

export function startQueueWorker(options: QueueWorkerOptions): QueueWorker {
  const sqs = new SQSClient({ region: options.region, endpoint: options.endpoint });
  let running = true;
  let busy = 0;
  let lastEmptyAt = 0;

  const poll = async () => {
    while (running) {
      let messages: Message[];
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
          }),
        );
        messages = received.Messages ?? [];
      } catch {
        if (running) await sleep(200);
        continue;
      }
      if (messages.length === 0) {
        lastEmptyAt = Date.now();
        continue;
      }
      busy += 1;
      try {
        const event: SQSEvent = {
          Records: messages.map((m) => ({
            messageId: String(m.MessageId),
            receiptHandle: String(m.ReceiptHandle),
            body: String(m.Body),
            attributes: (m.Attributes ?? {}) as SQSEvent['Records'][number]['attributes'],
            messageAttributes: {},
            md5OfBody: String(m.MD5OfBody),
            eventSource: 'aws:sqs',
            eventSourceARN: options.queueArn,
            awsRegion: options.region,
          })),
        };
        let failed = new Set(event.Records.map((r) => r.messageId));
        try {
          const response = await options.handler(event, contextFor(options.timeoutMs));
          failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        } catch {
          // A handler that throws fails the whole batch, as on Lambda.
        }
        const done = event.Records.filter((r) => !failed.has(r.messageId));
        if (done.length > 0) {
          await sqs
            .send(
              new DeleteMessageBatchCommand({
                QueueUrl: options.queueUrl,
                Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
              }),
            )
            .catch(() => undefined);
        }
      } finally {
        busy -= 1;
      }
    }
  };

  const loops = Array.from({ length: options.concurrency }, () => poll());
  return {
    idle: async () => {
      const since = Date.now();
      while (busy > 0 || lastEmptyAt <= since) await sleep(20);
    },
    stop: async () => {
      running = false;
      await Promise.all(loops);
      sqs.destroy();
    },
  };
}
