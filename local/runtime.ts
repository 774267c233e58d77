/**
 * The local runtime: one Node process with the WebSocket gateway, the embedded engines, and the very
 * lambdas/ handlers that deploy to AWS. `npm start` runs it; the tests start it on free ports.
 * The handlers read their configuration from the environment once, so one process holds one runtime.
 */
import { randomBytes } from 'node:crypto';
import { type Engine, ensureTable, startDynalite } from './engines.js';
import { startGateway } from './gateway.js';

export interface RuntimeOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  stage?: string;
  /** Keep data on disk here instead of in memory. */
  dataDir?: string;
  idleTimeoutMs?: number;
}

export interface Runtime {
  url: string;
  callbackUrl: string;
  tableName: string;
  stop(): Promise<void>;
}

export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const env = process.env;
  const host = options.host ?? '127.0.0.1';
  env.AWS_REGION ??= 'us-east-1';
  env.AWS_ACCESS_KEY_ID ??= 'local';
  env.AWS_SECRET_ACCESS_KEY ??= 'local';

  const external = env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL;
  const engines: Engine[] = [];
  let dynamoEndpoint = external;
  if (!dynamoEndpoint) {
    const engine = await startDynalite(host, options.dataDir);
    engines.push(engine);
    dynamoEndpoint = engine.endpoint;
    env.AWS_ENDPOINT_URL_DYNAMODB = dynamoEndpoint;
  }
  // On a shared external engine each runtime gets a table of its own, so parallel test files never meet.
  const tableName = env.TABLE_NAME ?? (external ? `obrol-${randomBytes(4).toString('hex')}` : 'obrol');
  env.TABLE_NAME = tableName;
  await ensureTable(dynamoEndpoint, env.AWS_REGION, tableName);

  const gateway = await startGateway({
    host,
    port: options.port ?? 3001,
    stage: options.stage ?? 'local',
    idleTimeoutMs: options.idleTimeoutMs ?? 10 * 60 * 1000,
    routes: async (callbackUrl) => {
      env.CALLBACK_URL = callbackUrl;
      const [connect, disconnect, fallback] = await Promise.all([
        import('../lambdas/connect.js'),
        import('../lambdas/disconnect.js'),
        import('../lambdas/default.js'),
      ]);
      return { $connect: connect.handler, $disconnect: disconnect.handler, $default: fallback.handler };
    },
  });

  return {
    url: gateway.url,
    callbackUrl: gateway.callbackUrl,
    tableName,
    stop: async () => {
      await gateway.close();
      await Promise.all(engines.map((engine) => engine.stop()));
    },
  };
}
