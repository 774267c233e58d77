/**
 * The local runtime: one Node process with the WebSocket gateway, the embedded engines, and the very
 * lambdas/ handlers that deploy to AWS. `npm start` runs it; the tests start it on free ports.
 * The handlers read their configuration from the environment once, so one process holds one runtime.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { S3Event } from 'aws-lambda';
import { type Engine, ensureBucket, ensureTable, startDynalite, startS3rver } from './engines.js';
import { startGateway } from './gateway.js';
import { type S3Front, startS3Front } from './s3-front.js';

export interface RuntimeOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  stage?: string;
  /** Keep data on disk here instead of in memory. */
  dataDir?: string;
  idleTimeoutMs?: number;
}

const MAX_UPLOAD_DEFAULT = 100 * 1024 * 1024;

export interface Runtime {
  url: string;
  callbackUrl: string;
  tableName: string;
  bucketName: string;
  /** The S3 endpoint clients download from and upload to. */
  s3Endpoint: string;
  /** Resolves once every upload notification so far has been handled. */
  uploadsSettled(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const env = process.env;
  const host = options.host ?? '127.0.0.1';
  env.AWS_REGION ??= 'us-east-1';
  const embeddedS3 = !(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  // This process never talks to AWS itself. s3rver knows one account, S3RVER; other engines take any keys.
  if (embeddedS3) {
    env.AWS_ACCESS_KEY_ID = 'S3RVER';
    env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  }
  env.AWS_ACCESS_KEY_ID ??= 'local';
  env.AWS_SECRET_ACCESS_KEY ??= 'local';

  const region = env.AWS_REGION;
  const engines: Engine[] = [];
  const dataDir = (name: string) => (options.dataDir ? join(options.dataDir, name) : undefined);
  // On a shared external engine each runtime gets a table and a bucket of its own, so test files never meet.
  const suffix = randomBytes(4).toString('hex');

  const externalDynamo = env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL;
  let dynamoEndpoint = externalDynamo;
  if (!dynamoEndpoint) {
    const engine = await startDynalite(host, dataDir('dynamodb'));
    engines.push(engine);
    dynamoEndpoint = engine.endpoint;
    env.AWS_ENDPOINT_URL_DYNAMODB = dynamoEndpoint;
  }
  const tableName = env.TABLE_NAME ?? (externalDynamo ? `obrol-${suffix}` : 'obrol');
  env.TABLE_NAME = tableName;
  await ensureTable(dynamoEndpoint, region, tableName);

  const externalS3 = embeddedS3 ? undefined : (env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  let s3Engine = externalS3;
  if (!s3Engine) {
    const engine = await startS3rver(host, dataDir('s3'));
    engines.push(engine);
    s3Engine = engine.endpoint;
  }
  const bucketName = env.BUCKET_NAME ?? (externalS3 ? `obrol-files-${suffix}` : 'obrol-files');
  env.BUCKET_NAME = bucketName;
  await ensureBucket(s3Engine, region, bucketName);

  let onUpload: ((event: S3Event) => Promise<void>) | undefined;
  const front: S3Front = await startS3Front({
    host,
    upstream: s3Engine,
    region,
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'local',
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'local',
    maxBodyBytes: Number(env.MAX_UPLOAD_BYTES ?? MAX_UPLOAD_DEFAULT) + 1024 * 1024,
    notifyPrefix: 'uploads/',
    onObjectCreated: (event) =>
      onUpload ? onUpload(event) : Promise.reject(new Error('handlers not loaded')),
  });
  // The handlers reach S3 through the front door, as clients do.
  env.AWS_ENDPOINT_URL_S3 = front.endpoint;

  const gateway = await startGateway({
    host,
    port: options.port ?? 3001,
    stage: options.stage ?? 'local',
    idleTimeoutMs: options.idleTimeoutMs ?? 10 * 60 * 1000,
    routes: async (callbackUrl) => {
      env.CALLBACK_URL = callbackUrl;
      const [connect, disconnect, fallback, uploaded] = await Promise.all([
        import('../lambdas/connect.js'),
        import('../lambdas/disconnect.js'),
        import('../lambdas/default.js'),
        import('../lambdas/file-uploaded.js'),
      ]);
      onUpload = uploaded.handler;
      return { $connect: connect.handler, $disconnect: disconnect.handler, $default: fallback.handler };
    },
  });

  return {
    url: gateway.url,
    callbackUrl: gateway.callbackUrl,
    tableName,
    bucketName,
    s3Endpoint: front.endpoint,
    uploadsSettled: front.settled,
    stop: async () => {
      await gateway.close();
      await front.close();
      await Promise.all(engines.map((engine) => engine.stop()));
    },
  };
}
