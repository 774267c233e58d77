/**
 * A small SQS engine for the local runtime: the AWS JSON protocol (what SDK v3 speaks) over HTTP, just wide enough
 * for obrol's job queue — create and find queues, send (one or a batch), receive with long polling and a visibility
 * timeout, delete, change visibility, read the counts, and redrive to a dead-letter queue after `maxReceiveCount`
 * receives, as SQS does. Messages live in memory. With AWS_ENDPOINT_URL_SQS (moto, LocalStack) the runtime uses that
 * engine instead.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkEngineRequest, EngineRefusal, writeEngineRefusal } from './engine-auth.js';
import type { Credentials } from './sigv4.js';

const ACCOUNT = '000000000000';

interface Message {
  id: string;
  body: string;
  md5: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt: number | undefined;
  receipt: string | undefined;
}

interface Queue {
  name: string;
  arn: string;
  url: string;
  visibilityTimeoutMs: number;
  redrive: { target: string; maxReceiveCount: number } | undefined;
  messages: Message[];
}

class SqsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SqsEngine {
  endpoint: string;
  stop(): Promise<void>;
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/** With `credentials` (the runtime's), only requests signed with them are served (./engine-auth.ts). */
export async function startSqs(host: string, region: string, credentials?: Credentials): Promise<SqsEngine> {
  const queues = new Map<string, Queue>();
  const waiters = new Set<() => void>();
  let endpoint = '';

  const wake = () => {
    for (const wakeUp of [...waiters]) wakeUp();
  };
  const queueOf = (url: unknown): Queue => {
    const name = typeof url === 'string' ? url.split('/').at(-1) : undefined;
    const queue = name ? queues.get(name) : undefined;
    if (!queue)
      throw new SqsError(
        400,
        'AWS.SimpleQueueService.NonExistentQueue',
        'The specified queue does not exist.',
      );
    return queue;
  };
  const byArn = (arn: string) => [...queues.values()].find((q) => q.arn === arn);

  const send = (queue: Queue, body: unknown, delaySeconds: unknown) => {
    if (typeof body !== 'string' || body.length === 0)
      throw new SqsError(400, 'MissingParameter', 'The request must contain the parameter MessageBody.');
    const now = Date.now();
    const message: Message = {
      id: randomUUID(),
      body,
      md5: md5(body),
      sentAt: now,
      visibleAt: now + Number(delaySeconds ?? 0) * 1000,
      receiveCount: 0,
      firstReceivedAt: undefined,
      receipt: undefined,
    };
    queue.messages.push(message);
    setTimeout(wake, 0);
    return { MessageId: message.id, MD5OfMessageBody: message.md5 };
  };

  /** Takes up to `max` visible messages, redriving those received too often. */
  const take = (queue: Queue, max: number, visibilityMs: number): Message[] => {
    const now = Date.now();
    const out: Message[] = [];
    for (const message of [...queue.messages]) {
      if (out.length >= max) break;
      if (message.visibleAt > now) continue;
      if (queue.redrive && message.receiveCount >= queue.redrive.maxReceiveCount) {
        const target = byArn(queue.redrive.target);
        queue.messages.splice(queue.messages.indexOf(message), 1);
        if (target) target.messages.push({ ...message, receipt: undefined, visibleAt: now });
        continue;
      }
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + visibilityMs;
      message.receipt = `${message.id}#${randomUUID()}`;
      out.push(message);
    }
    return out;
  };

  const receive = async (input: Record<string, unknown>) => {
    const queue = queueOf(input.QueueUrl);
    const max = Math.min(10, Math.max(1, Number(input.MaxNumberOfMessages ?? 1)));
    const visibilityMs =
      input.VisibilityTimeout === undefined
        ? queue.visibilityTimeoutMs
        : Number(input.VisibilityTimeout) * 1000;
    const waitUntil = Date.now() + Math.min(20, Number(input.WaitTimeSeconds ?? 0)) * 1000;
    let messages = take(queue, max, visibilityMs);
    while (messages.length === 0 && Date.now() < waitUntil) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        // Woken by a send, or after a short while so delayed and timed-out messages are seen.
        const timer = setTimeout(done, Math.min(100, Math.max(0, waitUntil - Date.now())));
        waiters.add(done);
      });
      messages = take(queue, max, visibilityMs);
    }
    return {
      Messages: messages.map((m) => ({
        MessageId: m.id,
        ReceiptHandle: m.receipt,
        MD5OfBody: m.md5,
        Body: m.body,
        Attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
          ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
          SenderId: ACCOUNT,
        },
      })),
    };
  };

  const remove = (queue: Queue, receipt: unknown) => {
    const index = queue.messages.findIndex((m) => m.receipt !== undefined && m.receipt === receipt);
    if (index !== -1) queue.messages.splice(index, 1);
  };

  const changeVisibility = (queue: Queue, receipt: unknown, seconds: unknown) => {
    const message = queue.messages.find((m) => m.receipt !== undefined && m.receipt === receipt);
    if (!message) throw new SqsError(400, 'ReceiptHandleIsInvalid', 'The receipt handle is not valid.');
    message.visibleAt = Date.now() + Number(seconds ?? 0) * 1000;
    setTimeout(wake, Number(seconds ?? 0) * 1000);
  };

  const actions: Record<string, (input: Record<string, unknown>) => unknown> = {
    CreateQueue: (input) => {
      const name = String(input.QueueName ?? '');
      if (!/^[A-Za-z0-9_-]{1,80}$/.test(name))
        throw new SqsError(400, 'InvalidParameterValue', 'Invalid queue name');
      const attributes = (input.Attributes ?? {}) as Record<string, string>;
      const existing = queues.get(name);
      if (existing) return { QueueUrl: existing.url };
      const redrive = attributes.RedrivePolicy
        ? (JSON.parse(attributes.RedrivePolicy) as { deadLetterTargetArn: string; maxReceiveCount: number })
        : undefined;
      const queue: Queue = {
        name,
        arn: `arn:aws:sqs:${region}:${ACCOUNT}:${name}`,
        url: `${endpoint}/${ACCOUNT}/${name}`,
        visibilityTimeoutMs: Number(attributes.VisibilityTimeout ?? 30) * 1000,
        redrive: redrive
          ? { target: redrive.deadLetterTargetArn, maxReceiveCount: Number(redrive.maxReceiveCount) }
          : undefined,
        messages: [],
      };
      queues.set(name, queue);
      return { QueueUrl: queue.url };
    },
    GetQueueUrl: (input) => {
      const queue = queues.get(String(input.QueueName));
      if (!queue)
        throw new SqsError(
          400,
          'AWS.SimpleQueueService.NonExistentQueue',
          'The specified queue does not exist.',
        );
      return { QueueUrl: queue.url };
    },
    GetQueueAttributes: (input) => {
      const queue = queueOf(input.QueueUrl);
      const now = Date.now();
      const visible = queue.messages.filter((m) => m.visibleAt <= now).length;
      return {
        Attributes: {
          QueueArn: queue.arn,
          ApproximateNumberOfMessages: String(visible),
          ApproximateNumberOfMessagesNotVisible: String(queue.messages.length - visible),
          VisibilityTimeout: String(queue.visibilityTimeoutMs / 1000),
        },
      };
    },
    SendMessage: (input) => send(queueOf(input.QueueUrl), input.MessageBody, input.DelaySeconds),
    SendMessageBatch: (input) => {
      const queue = queueOf(input.QueueUrl);
      const entries = (input.Entries ?? []) as Array<Record<string, unknown>>;
      return {
        Successful: entries.map((entry) => ({
          Id: entry.Id,
          ...send(queue, entry.MessageBody, entry.DelaySeconds),
        })),
        Failed: [],
      };
    },
    ReceiveMessage: receive,
    DeleteMessage: (input) => {
      remove(queueOf(input.QueueUrl), input.ReceiptHandle);
      return {};
    },
    DeleteMessageBatch: (input) => {
      const queue = queueOf(input.QueueUrl);
      const entries = (input.Entries ?? []) as Array<Record<string, unknown>>;
      for (const entry of entries) remove(queue, entry.ReceiptHandle);
      return { Successful: entries.map((entry) => ({ Id: entry.Id })), Failed: [] };
    },
    ChangeMessageVisibility: (input) => {
      changeVisibility(queueOf(input.QueueUrl), input.ReceiptHandle, input.VisibilityTimeout);
      return {};
    },
    PurgeQueue: (input) => {
      queueOf(input.QueueUrl).messages = [];
      return {};
    },
  };

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (credentials) {
      try {
        checkEngineRequest(req, Buffer.concat(chunks), credentials, 'sqs');
      } catch (error) {
        if (error instanceof EngineRefusal) return writeEngineRefusal(res, 'sqs', error);
        throw error;
      }
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = actions[target.replace(/^AmazonSQS\./, '')];
    try {
      if (!action)
        throw new SqsError(400, 'InvalidAction', `The action ${target} is not valid for this endpoint.`);
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      answer(res, 200, await action(input));
    } catch (error) {
      const failure =
        error instanceof SqsError
          ? error
          : new SqsError(400, 'InvalidParameterValue', 'The request is not valid.');
      res.setHeader('x-amzn-query-error', `${failure.code};Sender`);
      answer(res, failure.status, { __type: `com.amazonaws.sqs#${failure.code}`, message: failure.message });
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  endpoint = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    stop: async () => {
      wake();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
