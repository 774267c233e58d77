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
   * logging needs once per account and region. Turn off when the account already has one.
   */
  readonly apiGatewayCloudWatchRole: boolean;
  /** Failed AUTHs per account / per source address within the window before AUTH is refused (AUTH_MAX_FAILURES…). */
  readonly authMaxFailures: number;
  readonly authMaxFailuresPerIp: number;
  readonly authWindowSeconds: number;
  /** E-mail address subscribed to the alarm topic (`-c alarmEmail=…`); none when unset. */
  readonly alarmEmail: string | undefined;
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
  return {
    stage,
    removalPolicy: removal,
    fileRetentionDays: positiveInt(node, 'fileRetentionDays', 30),
    throttleRateLimit: positiveInt(node, 'throttleRateLimit', 100),
    throttleBurstLimit: positiveInt(node, 'throttleBurstLimit', 200),
    fileUrlTtlSeconds: positiveInt(node, 'fileUrlTtlSeconds', 3600),
    uploadTtlSeconds: positiveInt(node, 'uploadTtlSeconds', 900),
    maxUploadBytes: positiveInt(node, 'maxUploadBytes', 100 * 1024 * 1024),
    apiGatewayCloudWatchRole: bool(node, 'apiGatewayCloudWatchRole', true),
    authMaxFailures: positiveInt(node, 'authMaxFailures', 10),
    authMaxFailuresPerIp: positiveInt(node, 'authMaxFailuresPerIp', 100),
    authWindowSeconds: positiveInt(node, 'authWindowSeconds', 900),
    alarmEmail: email(node, 'alarmEmail'),
  };
}
