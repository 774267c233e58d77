/**
 * The service's configuration, read from the environment once per container and checked at cold start,
 * so a missing variable fails the deploy's first invocation loudly instead of a user's request quietly.
 * Endpoints for local engines, LocalStack or moto come from the SDK's own AWS_ENDPOINT_URL[_<SERVICE>].
 */
import { availableParallelism } from 'node:os';

export interface Config {
  readonly region: string;
  readonly tableName: string;
  readonly bucketName: string | undefined;
  /** Overrides the @connections endpoint built from requestContext (local runtime, emulators). */
  readonly callbackUrl: string | undefined;
  /** How long a presigned download link lives, in seconds. */
  readonly fileUrlTtlSeconds: number;
  /** How long a presigned upload form lives, in seconds. */
  readonly uploadTtlSeconds: number;
  /** The largest file the upload flow accepts, in bytes. */
  readonly maxUploadBytes: number;
  /** Path-style S3 addressing, for S3-compatible engines at a custom endpoint. */
  readonly s3PathStyle: boolean;
  /** The SQS queue that carries the jobs (shared/queue/jobs.ts) to the job worker (lambdas/job-worker.ts). */
  readonly queueUrl: string | undefined;
  /** The most members a group may hold (GROUP_JOIN answers `group_full` beyond it). */
  readonly maxGroupMembers: number;
  /** The most groups one user may be a member of (GROUP_CREATE / GROUP_JOIN answer `too_many_groups`). */
  readonly maxGroupsPerUser: number;
  /**
   * Failed password checks within one fixed window of `authWindowSeconds` before more are refused unchecked
   * (shared/auth/attempts.ts): per account and source (an address, a device or a logged-in connection), and per
   * account from sources it never logged in from; per address across accounts (`authMaxFailuresPerIp`), again only
   * for accounts that never logged in from it. A lock lasts until the window ends, never longer.
   */
  readonly authMaxFailures: number;
  readonly authMaxFailuresPerIp: number;
  readonly authWindowSeconds: number;
  /**
   * Password hashes (AUTH, REGISTER, PASSWORD, DELETE_ACCOUNT) one source address may have running at once, and the
   * lease after which a slot a crashed handler never gave back is taken again (shared/limits/in-flight.ts).
   */
  readonly hashesInFlightPerIp: number;
  readonly hashLeaseSeconds: number;
  /**
   * Password hashes one process runs at once; the others wait, served by source address in turns
   * (shared/limits/hash-queue.ts), at most `hashesInFlightPerIp` waiting per address.
   */
  readonly hashConcurrency: number;
  /**
   * scrypt's cost N for new password hashes (each hash stores its own parameters, so any N verifies). 2^15, about
   * 100 ms of a core; the stack never sets it. The test suite lowers it where hashing is not its subject (vitest.config.ts).
   */
  readonly passwordHashN: number;
  /** How long after sending a message its sender may EDIT or DELETE it, in seconds (counted from its id's time). */
  readonly editWindowSeconds: number;
  /**
   * How long a push to @connections may wait for its answer before it is given up (shared/push/client.ts
   * PUSH_LIMITS). 2 s; tests whose subject is not the timeout itself lower it so a hung push costs them milliseconds.
   */
  readonly pushTimeoutMs: number;
  /**
   * The group push fence (issue 22, docs/DATA_MODEL.md "Removal and credential changes are exact"): a group push is
   * never started (nor retried) later than this after the reads it was decided by began — past it the memberships
   * are read again — and a removal answers only once this long has passed since it took its member's copies away.
   * 250 ms; tests lower it.
   */
  readonly fenceMs: number;
  /**
   * How long a retried SEND_ID / SEND_GROUP_ID waits for an unfinished claim's first attempt (reading the claim 20
   * times meanwhile) before it stores and pushes the message itself (shared/commands/outgoing.ts). 2 s; the stack
   * never sets it. Tests whose subject is not the wait lower it so a take-over costs them milliseconds.
   */
  readonly sendIdWaitMs: number;
  /**
   * How long one run of a catch-up polls (40 reads) for its AUTH's answer mark before it hands the job back for a
   * second (shared/delivery/catchup.ts, LeaseHeld). 2 s; the stack never sets it. Tests whose subject is not the wait
   * lower it so a catch-up that is put off costs them milliseconds.
   */
  readonly catchUpAnswerPollMs: number;
  /** Per-connection budgets (token buckets: per second, and the burst), shared/limits/budgets.ts. */
  readonly budgets: {
    readonly send: { rate: number; burst: number };
    readonly register: { rate: number; burst: number };
    readonly auth: { rate: number; burst: number };
    readonly create: { rate: number; burst: number };
    /** TYPING and TYPING_GROUP (each conversation is further pushed at most once per 3 s). */
    readonly typing: { rate: number; burst: number };
    /** WATCH and UNWATCH (each checks up to 50 names). */
    readonly watch: { rate: number; burst: number };
    /** GROUP_JOIN and GROUP_LEAVE (each writes one item per online device of the user into the group). */
    readonly membership: { rate: number; burst: number };
  };
  /**
   * Per-address budgets (shared/limits/addresses.ts): how many REGISTERs, GROUP_CREATEs and AUTHs one source
   * address (an IPv6 /64) may make per fixed window of `windowSeconds`.
   */
  readonly addressBudgets: {
    readonly windowSeconds: number;
    readonly register: number;
    readonly create: number;
    readonly auth: number;
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`${name} is not set: obrol needs it to start`);
  return value;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** A power of two in [min, max] (scrypt's N), or `fallback` when unset. */
function powerOfTwo(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = positiveInt(env, name, fallback);
  if (value < min || value > max || (value & (value - 1)) !== 0)
    throw new ConfigError(`${name} must be a power of two from ${min} to ${max}, got "${env[name]}"`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  return {
    region: required(env, 'AWS_REGION'),
    tableName: required(env, 'TABLE_NAME'),
    bucketName: env.BUCKET_NAME || undefined,
    callbackUrl: env.CALLBACK_URL || undefined,
    fileUrlTtlSeconds: positiveInt(env, 'FILE_URL_TTL_SECONDS', 3600),
    uploadTtlSeconds: positiveInt(env, 'UPLOAD_TTL_SECONDS', 900),
    maxUploadBytes: positiveInt(env, 'MAX_UPLOAD_BYTES', 100 * 1024 * 1024),
    s3PathStyle: Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL),
    queueUrl: env.QUEUE_URL || undefined,
    maxGroupMembers: positiveInt(env, 'MAX_GROUP_MEMBERS', 1_000_000),
    maxGroupsPerUser: positiveInt(env, 'MAX_GROUPS_PER_USER', 500),
    authMaxFailures: positiveInt(env, 'AUTH_MAX_FAILURES', 10),
    authMaxFailuresPerIp: positiveInt(env, 'AUTH_MAX_FAILURES_PER_IP', 100),
    authWindowSeconds: positiveInt(env, 'AUTH_WINDOW_SECONDS', 900),
    // Sixteen scrypts at once (~100 ms each) is far more than people behind one NAT start; the lease is three times
    // the request handler's timeout (infra/function.ts), so only a dead handler's slot is ever taken back.
    hashesInFlightPerIp: positiveInt(env, 'IP_INFLIGHT_HASHES', 16),
    hashLeaseSeconds: positiveInt(env, 'IP_INFLIGHT_LEASE_SECONDS', 30),
    // One scrypt per core but one, which the process's own thread needs to answer everyone else (locally it also
    // runs the table): more at once only share the cores (and libuv's 4 threads) first come, first served.
    hashConcurrency: positiveInt(env, 'HASH_CONCURRENCY', Math.max(1, availableParallelism() - 1)),
    passwordHashN: powerOfTwo(env, 'PASSWORD_HASH_N', 2 ** 15, 2 ** 10, 2 ** 15),
    editWindowSeconds: positiveInt(env, 'EDIT_WINDOW_SECONDS', 24 * 3600),
    pushTimeoutMs: positiveInt(env, 'PUSH_TIMEOUT_MS', 2000),
    fenceMs: positiveInt(env, 'FENCE_MS', 250),
    sendIdWaitMs: positiveInt(env, 'SEND_ID_WAIT_MS', 2000),
    catchUpAnswerPollMs: positiveInt(env, 'CATCHUP_ANSWER_POLL_MS', 2000),
    budgets: {
      // A person types far below 10 messages a second; a burst of 100 covers a client replaying its outbox.
      send: {
        rate: positiveInt(env, 'BUDGET_SENDS_PER_SECOND', 10),
        burst: positiveInt(env, 'BUDGET_SENDS_BURST', 100),
      },
      // REGISTER and AUTH run scrypt (~100 ms of a core each): a few a minute per connection after a small burst.
      register: {
        rate: 1 / positiveInt(env, 'BUDGET_REGISTER_EVERY_SECONDS', 10),
        burst: positiveInt(env, 'BUDGET_REGISTER_BURST', 10),
      },
      auth: {
        rate: 1 / positiveInt(env, 'BUDGET_AUTH_EVERY_SECONDS', 2),
        burst: positiveInt(env, 'BUDGET_AUTH_BURST', 30),
      },
      create: {
        rate: 1 / positiveInt(env, 'BUDGET_CREATE_EVERY_SECONDS', 5),
        burst: positiveInt(env, 'BUDGET_CREATE_BURST', 20),
      },
      // A client sends TYPING every few seconds per open conversation; 5 a second covers several at once.
      typing: {
        rate: positiveInt(env, 'BUDGET_TYPING_PER_SECOND', 5),
        burst: positiveInt(env, 'BUDGET_TYPING_BURST', 20),
      },
      // WATCH / UNWATCH come when a contact list opens: one a second after a burst of 20 (up to 1,000 names).
      watch: {
        rate: positiveInt(env, 'BUDGET_WATCH_PER_SECOND', 1),
        burst: positiveInt(env, 'BUDGET_WATCH_BURST', 20),
      },
      // A person joins or leaves a few groups at a time: one every 2 s after a burst of 20.
      membership: {
        rate: 1 / positiveInt(env, 'BUDGET_MEMBERSHIP_EVERY_SECONDS', 2),
        burst: positiveInt(env, 'BUDGET_MEMBERSHIP_BURST', 20),
      },
    },
    // Per address and hour: far above what people behind one NAT do (and what a test suite does from 127.0.0.1),
    // far below what a script does with many connections.
    addressBudgets: {
      windowSeconds: positiveInt(env, 'IP_BUDGET_WINDOW_SECONDS', 3600),
      register: positiveInt(env, 'IP_BUDGET_REGISTER', 1000),
      create: positiveInt(env, 'IP_BUDGET_GROUP_CREATE', 1000),
      auth: positiveInt(env, 'IP_BUDGET_AUTH', 3000),
    },
  };
}

export const config: Config = loadConfig(process.env);

/** The job queue's URL; only the handlers that enqueue ask for it, and they fail loudly without it. */
export function queueUrl(): string {
  if (!config.queueUrl) throw new ConfigError('QUEUE_URL is not set: fan-out and offline delivery need it');
  return config.queueUrl;
}
