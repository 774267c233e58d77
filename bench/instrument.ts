/**
 * Sees every AWS request the handlers make, through SDK v3 middleware on the app's own client singletons:
 * counts them by service and operation, reads the DynamoDB capacity each consumed (asking for it with
 * ReturnConsumedCapacity), and can hold each request for a fixed delay to expose the critical path.
 * The middleware sits in the deserialize step, below signing and retries, so a presigned URL (signed, never
 * sent) is not counted and a retried request counts once per attempt, as AWS bills it.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** `sqs` is the app's own job-queue client (SendMessage); the event source mapping's polling is not counted. */
export type Service = 'dynamodb' | 's3' | 'apigw' | 'sqs';

export interface Call {
  service: Service;
  /** The API operation, e.g. GetItem, PutObject, PostToConnection. */
  op: string;
  start: number;
  end: number;
  /** DynamoDB capacity units consumed, as reported (or 1 for a failed conditional write, which AWS bills). */
  capacity: number;
  error?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: SDK middleware signatures are generic over every command.
type AnyStack = { add(middleware: any, options: any): void };

export class Recorder {
  readonly calls: Call[] = [];
  /** Counts by `service:op` over the whole run, kept even when `keep` is off. */
  readonly totals = new Map<string, number>();
  inFlight = 0;
  delayMs = 0;
  /** Off during the load phase: only totals are kept. */
  keep = true;
  private lastActivity = performance.now();

  mark(): number {
    return this.calls.length;
  }

  since(mark: number): Call[] {
    return this.calls.slice(mark);
  }

  /** Resolves once no AWS request has been in flight for `quietMs` (after at least `minCalls` since `mark`). */
  async quiet(mark = this.calls.length, minCalls = 0, quietMs = 40, timeoutMs = 15_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const settled =
        this.inFlight === 0 &&
        this.calls.length - mark >= minCalls &&
        performance.now() - this.lastActivity >= quietMs;
      if (settled) return;
      if (performance.now() > deadline) throw new Error('AWS requests did not settle');
      await sleep(5);
    }
  }

  instrument(client: { middlewareStack: AnyStack }, service: Service): void {
    if (service === 'dynamodb') {
      client.middlewareStack.add(
        // biome-ignore lint/suspicious/noExplicitAny: see AnyStack.
        (next: any) => async (args: any) => {
          if (args.input && args.input.ReturnConsumedCapacity === undefined)
            args.input.ReturnConsumedCapacity = 'TOTAL';
          return next(args);
        },
        { step: 'initialize', name: 'benchReturnConsumedCapacity', priority: 'high' },
      );
    }
    client.middlewareStack.add(
      // biome-ignore lint/suspicious/noExplicitAny: see AnyStack.
      (next: any, context: any) => async (args: any) => {
        const op = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
        this.inFlight++;
        this.lastActivity = performance.now();
        const call: Call = { service, op, start: performance.now(), end: 0, capacity: 0 };
        const key = `${service}:${op}`;
        this.totals.set(key, (this.totals.get(key) ?? 0) + 1);
        if (this.keep) this.calls.push(call);
        try {
          if (this.delayMs > 0) await sleep(this.delayMs);
          const result = await next(args);
          call.capacity = capacityOf(result?.output?.ConsumedCapacity);
          return result;
        } catch (error) {
          call.error = (error as Error).name;
          if (call.error === 'ConditionalCheckFailedException') call.capacity = 1;
          throw error;
        } finally {
          call.end = performance.now();
          this.inFlight--;
          this.lastActivity = performance.now();
        }
      },
      { step: 'deserialize', name: 'benchCountAndDelay', priority: 'high' },
    );
  }
}

function capacityOf(consumed: unknown): number {
  if (!consumed) return 0;
  const list = Array.isArray(consumed) ? consumed : [consumed];
  return list.reduce((sum, c: { CapacityUnits?: number }) => sum + (c.CapacityUnits ?? 0), 0);
}

export const READ_OPS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);

/** Counts of one command's calls, by service and by DynamoDB read/write. */
export interface Counts {
  dynamodb: number;
  reads: number;
  writes: number;
  scans: number;
  /** Query requests: result pages. */
  queries: number;
  readUnits: number;
  writeUnits: number;
  s3: number;
  s3Puts: number;
  s3Gets: number;
  /** @connections management API requests (all of them), and of those the pushes. */
  apigw: number;
  pushes: number;
  /** SQS requests the app made (jobs enqueued). */
  sqs: number;
  /** e.g. "GetItem, Query, PutItem". */
  ops: string;
}

export function countCalls(calls: readonly Call[]): Counts {
  const c: Counts = {
    dynamodb: 0,
    reads: 0,
    writes: 0,
    scans: 0,
    queries: 0,
    readUnits: 0,
    writeUnits: 0,
    s3: 0,
    s3Puts: 0,
    s3Gets: 0,
    apigw: 0,
    pushes: 0,
    sqs: 0,
    ops: '',
  };
  const byOp = new Map<string, number>();
  for (const call of calls) {
    byOp.set(call.op, (byOp.get(call.op) ?? 0) + 1);
    if (call.service === 'dynamodb') {
      c.dynamodb++;
      if (READ_OPS.has(call.op)) {
        c.reads++;
        c.readUnits += call.capacity;
      } else {
        c.writes++;
        c.writeUnits += call.capacity;
      }
      if (call.op === 'Scan') c.scans++;
      if (call.op === 'Query') c.queries++;
    } else if (call.service === 's3') {
      c.s3++;
      if (/^(Put|Post|Copy|List|Create)/.test(call.op)) c.s3Puts++;
      else c.s3Gets++;
    } else if (call.service === 'sqs') {
      c.sqs++;
    } else {
      c.apigw++;
      if (call.op === 'PostToConnection') c.pushes++;
    }
  }
  c.ops = [...byOp].map(([op, n]) => (n > 1 ? `${n}×${op}` : op)).join(', ');
  return c;
}
