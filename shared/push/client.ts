/**
 * The @connections management API client: one per callback endpoint, created once per container.
 * The endpoint is https://{domainName}/{stage} from the request, unless CALLBACK_URL overrides it
 * (the local runtime, emulators, and S3-triggered handlers that have no request to read it from).
 */
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { config } from '../config.js';

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

export function managementClient(endpoint: string): ApiGatewayManagementApiClient {
  let client = clients.get(endpoint);
  if (!client) {
    client = new ApiGatewayManagementApiClient({ region: config.region, endpoint });
    clients.set(endpoint, client);
    for (const observe of observers) observe(client);
  }
  return client;
}
