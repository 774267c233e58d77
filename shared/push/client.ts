/**
 * The @connections management API client: one per callback endpoint, created once per container.
 * The endpoint is https://{domainName}/{stage} from the request, unless CALLBACK_URL overrides it
 * (the local runtime, emulators, and S3-triggered handlers that have no request to read it from).
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { config } from '../config.js';

/** Pushes in flight at once per fan-out; the client's socket pool holds exactly that many sockets. */
export const PUSH_CONCURRENCY = 64;

/**
 * Every push is bounded: a socket must connect within 1 s and the post must be answered within 2 s, and a
 * failed post is tried once more. A hung push costs at most about 6 s, well inside every handler's timeout; a push
 * that was retried after it had in fact arrived shows up twice, which clients drop by `id`. (PUSH_TIMEOUT_MS
 * changes the 2 s, for tests only: config.pushTimeoutMs.)
 */
export const PUSH_LIMITS = {
  connectionTimeoutMs: 1000,
  requestTimeoutMs: config.pushTimeoutMs,
  maxAttempts: 2,
} as const;

const clients = new Map<string, ApiGatewayManagementApiClient>();
const observers: Array<(client: ApiGatewayManagementApiClient) => void> = [];

/**
 * Instrumentation only (the benchmark counts and delays @connections calls with SDK middleware): `observe` is
 * called with every management client, those that exist now and each one created later.
 */
export function onManagementClient(observe: (client: ApiGatewayManagementApiClient) => void): void {
  observers.push(observe);
  for (const client of clients.values()) observe(client);
}

export function callbackUrl(domainName: string | undefined, stage: string | undefined): string {
  if (config.callbackUrl) return config.callbackUrl;
  if (!domainName || !stage)
    throw new Error('CALLBACK_URL is not set and the request names no domain and stage');
  return `https://${domainName}/${stage}`;
}

/**
 * The client for `endpoint`. `attempts`: PUSH_LIMITS.maxAttempts (the SDK retries), or 1 for a fenced push, whose
 * caller makes the second attempt itself only while its fence allows (shared/push/deliver.ts).
 */
export function managementClient(
  endpoint: string,
  attempts: number = PUSH_LIMITS.maxAttempts,
): ApiGatewayManagementApiClient {
  const key = `${attempts} ${endpoint}`;
  let client = clients.get(key);
  if (!client) {
    const agent = { keepAlive: true, maxSockets: PUSH_CONCURRENCY };
    client = new ApiGatewayManagementApiClient({
      region: config.region,
      endpoint,
      maxAttempts: attempts,
      requestHandler: {
        connectionTimeout: PUSH_LIMITS.connectionTimeoutMs,
        requestTimeout: PUSH_LIMITS.requestTimeoutMs,
        // Without this the SDK only logs a warning when the request timeout passes, and keeps waiting.
        throwOnRequestTimeout: true,
        httpAgent: agent,
        httpsAgent: agent,
      },
    });
    clients.set(key, client);
    for (const observe of observers) observe(client);
  }
  return client;
}
