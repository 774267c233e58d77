/**
 * Recording and fault-injecting AWS SDK middleware for the handlers' own clients in an in-process runtime: the
 * DynamoDB client (shared/data/client.ts), the S3 client (shared/bucket/s3.ts), every @connections client
 * (shared/push/client.ts) and the job queue's SQS client (shared/queue/jobs.ts).
 *
 * Two middlewares per client:
 *  - at `initialize` (above the SDK's retries and the document client's marshalling) the command's plain input is
 *    kept on the call's context, so rules and records see `{ pk: 'USER#ann' }`, not `{ pk: { S: 'USER#ann' } }`;
 *  - at `deserialize` (below the retries: every attempt passes here) each call is recorded once, and a rule that
 *    selects this attempt makes it fail:
 *      `error`    a 500 InternalServerError (the SDK retries it),
 *      `throttle` ProvisionedThroughputExceededException (DynamoDB) or ThrottlingException (retried with back-off),
 *      `timeout`  a TimeoutError after `delayMs` (hang past the client's own timeout, e.g. a push's 2 s),
 *      `lie`      the attempt reaches the engine and takes effect, then its answer is replaced by a 500: the SDK
 *                 retries a write that already happened ("a retried write can lie").
 * A rule selects attempts by command name (without `Command`), a predicate on the plain input, and occurrence among
 * the attempts it matched: `{ nth: 1 }` (the default), `{ first: 2 }`, `{ from: 2 }`, or `'every'`. Presigning (links, forms)
 * never reaches `deserialize`, so it is neither recorded nor faulted.
 */

import type { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';

export type Service = 'dynamodb' | 's3' | 'push' | 'sqs';
export type FaultKind = 'error' | 'throttle' | 'timeout' | 'lie';
export type Occurrence = { nth: number } | { from: number } | { first: number } | 'every';

// biome-ignore lint/suspicious/noExplicitAny: commands' inputs differ; predicates read what they need.
export type Input = any;

export interface Rule {
  service: Service;
  /** The SDK command's name without `Command`: `PutItem`, `PostToConnection`, `CopyObject`, `SendMessage`. */
  command: string;
  /** On the plain input (DynamoDB: before marshalling). */
  match?: (input: Input) => boolean;
  fault: FaultKind;
  when?: Occurrence;
  /** `timeout` only: how long the attempt hangs before it times out. */
  delayMs?: number;
}

export interface Armed {
  readonly rule: Rule;
  /** Attempts the rule matched so far. */
  matched: number;
  /** Attempts it made fail. */
  hits: number;
  /** Stops the rule. */
  disarm(): void;
}

export interface Call {
  service: Service;
  command: string;
  input: Input;
}

// biome-ignore lint/suspicious/noExplicitAny: SDK middleware is generic over every command.
type Handler = (args: any) => Promise<any>;
// biome-ignore lint/suspicious/noExplicitAny: the SDK's handler context.
type Context = any;
interface Stackful {
  middlewareStack: {
    add(middleware: (next: Handler, context: Context) => Handler, options: object): void;
  };
  config: object;
}

/** The part of a client's resolved config the retry middleware reads at each call. */
interface RetryConfig {
  retryStrategy: () => Promise<object>;
  maxAttempts: () => Promise<number>;
}

const PLAIN = Symbol('faults.plainInput');

/**
 * The SDK's retries stay real (same attempts, same classification of errors, same quota), but wait 5 ms instead
 * of its 100 ms / 500 ms (throttling) exponential bases, so a row of persistent faults takes milliseconds.
 */
const QUICK_BACKOFF = { computeNextBackoffDelay: () => 5, setDelayBase: () => undefined };
const RECORDED = Symbol('faults.recorded');

function injected(service: Service, fault: FaultKind): Error {
  const [name, status, fault$] =
    fault === 'throttle'
      ? [
          service === 'dynamodb' ? 'ProvisionedThroughputExceededException' : 'ThrottlingException',
          400,
          'client',
        ]
      : fault === 'timeout'
        ? ['TimeoutError', undefined, 'client']
        : ['InternalServerError', 500, 'server'];
  return Object.assign(new Error(`injected ${fault} (${service})`), {
    name,
    $fault: fault$,
    $metadata: status === undefined ? {} : { httpStatusCode: status },
    ...(fault === 'timeout' ? { code: 'ETIMEDOUT' } : {}),
  });
}

function selects(when: Occurrence, n: number): boolean {
  if (when === 'every') return true;
  if ('nth' in when) return n === when.nth;
  return 'first' in when ? n <= when.first : n >= when.from;
}

export class Faults {
  /** Every call that went to an engine, once (its first attempt), in order. */
  readonly calls: Call[] = [];
  private armed: Armed[] = [];
  private readonly refills: Array<() => void> = [];

  /**
   * Arms a rule; it stays until disarmed or `reset()`. Every client's retry quota starts full again (as in a fresh
   * Lambda container), so a row's outcome never depends on how many retries the rows before it spent.
   */
  inject(rule: Rule): Armed {
    for (const refill of this.refills) refill();
    const armed: Armed = {
      rule,
      matched: 0,
      hits: 0,
      disarm: () => {
        this.armed = this.armed.filter((a) => a !== armed);
      },
    };
    this.armed.push(armed);
    return armed;
  }

  /** Disarms every rule and forgets the recorded calls. */
  reset(): void {
    this.armed = [];
    this.calls.length = 0;
  }

  /** The recorded calls of one command (and service). */
  callsOf(service: Service, command: string): Input[] {
    return this.calls.filter((c) => c.service === service && c.command === command).map((c) => c.input);
  }

  /** Adds the two middlewares to a client, with quick retries whose quota `inject` renews. */
  attach(service: Service, client: Stackful): void {
    const config = client.config as RetryConfig;
    const original = config.retryStrategy;
    let current: Promise<object> | undefined;
    const fresh = async () => {
      const base = await original();
      // The SDK's standard strategy takes { maxAttempts, backoff }; any other is only renewed.
      const Strategy = base.constructor as new (options: unknown) => object;
      return 'retryBackoffStrategy' in base
        ? new Strategy({ maxAttempts: await config.maxAttempts(), backoff: QUICK_BACKOFF })
        : new Strategy(config.maxAttempts);
    };
    config.retryStrategy = () => {
      current ??= fresh();
      return current;
    };
    this.refills.push(() => {
      current = undefined;
    });
    client.middlewareStack.add(
      (next: Handler, context: Context) => async (args: { input: Input }) => {
        context[PLAIN] ??= args.input;
        return next(args);
      },
      { step: 'initialize', priority: 'high', name: `faultsKeepInput_${service}` },
    );
    client.middlewareStack.add(
      (next: Handler, context: Context) => async (args: { input: Input }) => {
        const command = String(context.commandName ?? '').replace(/Command$/, '');
        const input = context[PLAIN] ?? args.input;
        if (!context[RECORDED]) {
          context[RECORDED] = true;
          this.calls.push({ service, command, input });
        }
        const rule = this.armed.find(
          (a) =>
            a.rule.service === service &&
            a.rule.command === command &&
            (a.rule.match === undefined || Boolean(a.rule.match(input))) &&
            selects(a.rule.when ?? { nth: 1 }, ++a.matched),
        );
        if (!rule) return next(args);
        rule.hits += 1;
        const { fault, delayMs = 0 } = rule.rule;
        if (fault === 'lie') {
          await next(args);
        } else if (fault === 'timeout' && delayMs > 0) {
          await new Promise((resolve) => setTimeout(resolve, delayMs));
        }
        throw injected(service, fault);
      },
      { step: 'deserialize', priority: 'high', name: `faultsInject_${service}` },
    );
  }
}

/**
 * Attaches one Faults to the handlers' own clients. Call it once per process (one runtime per test file), after the
 * runtime has started: the @connections clients, created on first use, are attached as they appear.
 */
export async function attachFaults(): Promise<Faults> {
  const [{ dynamo }, { s3 }, { sqs }, { onManagementClient }] = await Promise.all([
    import('../../shared/data/client.js'),
    import('../../shared/bucket/s3.js'),
    import('../../shared/queue/jobs.js'),
    import('../../shared/push/client.js'),
  ]);
  const faults = new Faults();
  faults.attach('dynamodb', dynamo);
  faults.attach('s3', s3);
  faults.attach('sqs', sqs);
  onManagementClient((client: ApiGatewayManagementApiClient) => faults.attach('push', client));
  return faults;
}

/** A rule in one line: persistent (`'every'`) unless told. */
export function rule(
  service: Service,
  command: string,
  fault: FaultKind,
  match?: Rule['match'],
  when: Occurrence = 'every',
): Rule {
  return { service, command, fault, match, when };
}

/** A rule on the DynamoDB client. */
export function db(command: string, fault: FaultKind, match?: Rule['match'], when?: Occurrence): Rule {
  return rule('dynamodb', command, fault, match, when);
}

/** The first matching attempt only. */
export const once = { nth: 1 } as const;

/** Predicates on DynamoDB inputs: the item or key's partition / sort key. */
export function keyOf(input: Input): { pk: string; sk: string } {
  const item = input?.Item ?? input?.Key ?? {};
  return { pk: String(item.pk ?? ''), sk: String(item.sk ?? '') };
}

export const pkStarts =
  (prefix: string) =>
  (input: Input): boolean =>
    keyOf(input).pk.startsWith(prefix) ||
    String(input?.ExpressionAttributeValues?.[':pk'] ?? '').startsWith(prefix);

export const skStarts =
  (prefix: string) =>
  (input: Input): boolean =>
    keyOf(input).sk.startsWith(prefix);
