import type { Node } from 'constructs';

/**
 * Deploy-time settings, read once from CDK context (cdk.json defaults, overridden with `-c key=value`).
 * Values given with `-c` arrive as strings, values from cdk.json keep their JSON type, so every reader parses.
 */
export interface ObrolSettings {
  /** WebSocket stage name and part of the stack name, so `-c stage=dev` deploys a second, separate stack. */
  readonly stage: string;
  /** What happens to the table, bucket and log groups when the stack is deleted. */
  readonly removalPolicy: 'retain' | 'destroy';
  /** Days after which uploaded files (and their objects) expire from the bucket. */
  readonly fileRetentionDays: number;
  /** Stage-wide steady-state request rate, in requests per second (messages count as requests). */
  readonly throttleRateLimit: number;
  /** Stage-wide burst bucket size, in requests. */
  readonly throttleBurstLimit: number;
  /** Lifetime of presigned download links, in seconds (FILE_URL_TTL_SECONDS). */
  readonly fileUrlTtlSeconds: number;
  /** Lifetime of presigned upload forms, in seconds (UPLOAD_TTL_SECONDS). */
  readonly uploadTtlSeconds: number;
  /** Largest accepted upload, in bytes (MAX_UPLOAD_BYTES). */
  readonly maxUploadBytes: number;
  /**
   * Whether this stack sets the account's API Gateway CloudWatch Logs role, which WebSocket access
   * logging needs once per account and region. Turn off when the account already has one: the setting is
   * account- and region-wide, so a second stack (or another project) setting it would take it over.
   */
  readonly apiGatewayCloudWatchRole: boolean;
  /**
   * Whether the stack includes the web page (a CloudFront distribution and its bucket). `-c web=false` gives a
   * chat-only stack: CloudFront refuses accounts AWS has not verified yet, and the chat must deploy there too.
   */
  readonly web: boolean;
  /** Failed AUTHs per account / per source address within the window before AUTH is refused (AUTH_MAX_FAILURES…). */
  readonly authMaxFailures: number;
  readonly authMaxFailuresPerIp: number;
  readonly authWindowSeconds: number;
  /** E-mail address subscribed to the alarm topic (`-c alarmEmail=…`); none when unset. */
  readonly alarmEmail: string | undefined;
  /** Per-address budgets: REGISTERs, GROUP_CREATEs and AUTHs per source address and window (IP_BUDGET_…). */
  readonly ipBudgetWindowSeconds: number;
  readonly ipBudgetRegister: number;
  readonly ipBudgetGroupCreate: number;
  readonly ipBudgetAuth: number;
  /**
   * Reserved concurrency of the $default function: the most instances a flood can run (and the least the
   * service keeps for itself). None unless asked for (`-c reservedConcurrency=N`): Lambda refuses a reservation
   * that leaves less than 100 of the account's concurrency unreserved, and new accounts often have a quota of 10
   * or 50, so a default reservation would roll back a first deploy. `npm run preflight` checks it against the quota.
   */
  readonly defaultReservedConcurrency: number | undefined;
  /**
   * Per-route throttles in the stage: $connect gets its own, by default half the stage's; $default defaults to the
   * stage's (set apart so it can be tuned without throttling $disconnect).
   */
  readonly connectThrottleRateLimit: number;
  readonly connectThrottleBurstLimit: number;
  readonly defaultRouteThrottleRateLimit: number;
  readonly defaultRouteThrottleBurstLimit: number;
}

function positiveInt(node: Node, key: string, fallback: number): number {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`context ${key} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** A positive integer, or none when unset or `off` (also `false` or 0). */
function optionalLimit(node: Node, key: string): number | undefined {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (raw === 'off' || raw === false || raw === 'false' || raw === 0 || raw === '0') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`context ${key} must be a positive integer or off, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/**
 * `reservedConcurrency`, or its former name `defaultReservedConcurrency` (still read, so an existing
 * `-c defaultReservedConcurrency=N` keeps working); none when neither is set.
 */
function reservedConcurrency(node: Node): number | undefined {
  const current: unknown = node.tryGetContext('reservedConcurrency');
  if (current !== undefined && current !== null && current !== '')
    return optionalLimit(node, 'reservedConcurrency');
  return optionalLimit(node, 'defaultReservedConcurrency');
}

function bool(node: Node, key: string, fallback: boolean): boolean {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new Error(`context ${key} must be true or false, got ${JSON.stringify(raw)}`);
}

function email(node: Node, key: string): string | undefined {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(raw)) {
    throw new Error(`context ${key} must be an e-mail address, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

export function readSettings(node: Node): ObrolSettings {
  const stage = String(node.tryGetContext('stage') ?? 'prod');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(stage)) {
    throw new Error(
      `context stage must be letters, digits, - or _ (at most 64), got ${JSON.stringify(stage)}`,
    );
  }
  const removal: unknown = node.tryGetContext('removalPolicy') ?? (stage === 'prod' ? 'retain' : 'destroy');
  if (removal !== 'retain' && removal !== 'destroy') {
    throw new Error(`context removalPolicy must be retain or destroy, got ${JSON.stringify(removal)}`);
  }
  const throttleRateLimit = positiveInt(node, 'throttleRateLimit', 100);
  const throttleBurstLimit = positiveInt(node, 'throttleBurstLimit', 200);
  return {
    stage,
    removalPolicy: removal,
    fileRetentionDays: positiveInt(node, 'fileRetentionDays', 30),
    throttleRateLimit,
    throttleBurstLimit,
    fileUrlTtlSeconds: positiveInt(node, 'fileUrlTtlSeconds', 3600),
    uploadTtlSeconds: positiveInt(node, 'uploadTtlSeconds', 900),
    maxUploadBytes: positiveInt(node, 'maxUploadBytes', 100 * 1024 * 1024),
    apiGatewayCloudWatchRole: bool(node, 'apiGatewayCloudWatchRole', true),
    web: bool(node, 'web', true),
    authMaxFailures: positiveInt(node, 'authMaxFailures', 10),
    authMaxFailuresPerIp: positiveInt(node, 'authMaxFailuresPerIp', 100),
    authWindowSeconds: positiveInt(node, 'authWindowSeconds', 900),
    alarmEmail: email(node, 'alarmEmail'),
    ipBudgetWindowSeconds: positiveInt(node, 'ipBudgetWindowSeconds', 3600),
    ipBudgetRegister: positiveInt(node, 'ipBudgetRegister', 1000),
    ipBudgetGroupCreate: positiveInt(node, 'ipBudgetGroupCreate', 1000),
    ipBudgetAuth: positiveInt(node, 'ipBudgetAuth', 3000),
    defaultReservedConcurrency: reservedConcurrency(node),
    // Half the stage's by default: connects are rare next to messages, and a storm of them is the flood to stop.
    connectThrottleRateLimit: positiveInt(node, 'connectThrottleRateLimit', Math.ceil(throttleRateLimit / 2)),
    connectThrottleBurstLimit: positiveInt(
      node,
      'connectThrottleBurstLimit',
      Math.ceil(throttleBurstLimit / 2),
    ),
    defaultRouteThrottleRateLimit: positiveInt(node, 'defaultRouteThrottleRateLimit', throttleRateLimit),
    defaultRouteThrottleBurstLimit: positiveInt(node, 'defaultRouteThrottleBurstLimit', throttleBurstLimit),
  };
}
