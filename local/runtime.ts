/**
 * The local runtime: one Node process with the WebSocket gateway, the embedded engines, and the very
 * lambdas/ handlers that deploy to AWS. `npm start` runs it; the tests start it on free ports.
 * The handlers read their configuration from the environment once, so one process holds one runtime.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { S3Event } from 'aws-lambda';
import { UPLOADS_PREFIX } from '../shared/files/prefixes.js';
import { type BundleOptions, type Bundles, startBundles } from './bundles.js';
import { newCredentials } from './engine-auth.js';
import {
  type Engine,
  ensureBucket,
  ensureQueues,
  ensureTable,
  startDynalite,
  startS3rver,
} from './engines.js';
import { type GatewayLimits, startGateway } from './gateway.js';
import { type QueueWorker, startQueueWorker } from './queue-worker.js';
import { type S3Front, startS3Front } from './s3-front.js';
import { startSqs } from './sqs.js';
import type { Deployment } from './template.js';
import { webHandler } from './web.js';

export interface RuntimeOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  stage?: string;
  /** Keep data on disk here instead of in memory. */
  dataDir?: string;
  idleTimeoutMs?: number;
  /** API Gateway's limits the local gateway enforces (local/gateway.ts GATEWAY_LIMITS); tests lower them. */
  gatewayLimits?: Partial<GatewayLimits>;
  /**
   * Fault injection for tests: given the gateway's @connections endpoint, returns the one the handlers push to
   * (a proxy in front of it that can hang or fail chosen pushes).
   */
  pushEndpoint?: (gatewayCallbackUrl: string) => Promise<string>;
  /** Serve the built web page (web/build.ts output) from this folder on the gateway's port. */
  webDir?: string;
  /**
   * The deploy rehearsal: run each function from its cdk.out bundle, with the template's environment, in a thread
   * of its own, recording every AWS call it makes (local/bundles.ts) instead of importing lambdas/ from source.
   */
  bundles?: BundleOptions;
  /**
   * Pollers of the local stand-in for the job queue's event source mapping, each with one batch in flight (default
   * 4). `npm run bench:scale -- --worker-concurrency=100` runs it as the stack caps it (infra/stack.ts).
   */
  workerConcurrency?: number;
}

const MAX_UPLOAD_DEFAULT = 100 * 1024 * 1024;

export interface Runtime {
  url: string;
  callbackUrl: string;
  tableName: string;
  bucketName: string;
  /** The S3 endpoint clients download from and upload to. */
  s3Endpoint: string;
  /** The web page's URL, when `webDir` was given. */
  webUrl: string | undefined;
  /** Resolves once every upload notification so far has been handled. */
  uploadsSettled(): Promise<void>;
  /** Resolves once the worker has nothing in hand and the job queue had nothing to give. */
  jobsSettled(): Promise<void>;
  stop(): Promise<void>;
  /** In the deploy rehearsal (`bundles`): the deployment the functions were loaded from. */
  deployment(): Deployment | undefined;
}

export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const env = process.env;
  const host = options.host ?? '127.0.0.1';
  env.AWS_REGION ??= 'us-east-1';
  const embeddedS3 = !(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  // This process never talks to AWS itself. Its engines answer only requests signed with a key pair made for this
  // start (./engine-auth.ts), which the handlers sign with. With an external engine (DynamoDB Local, moto,
  // LocalStack) the pair comes from the environment instead, as such engines may tie data to keys.
  const external = [
    'AWS_ENDPOINT_URL',
    'AWS_ENDPOINT_URL_DYNAMODB',
    'AWS_ENDPOINT_URL_S3',
    'AWS_ENDPOINT_URL_SQS',
  ].some((name) => env[name]);
  if (!external) {
    const fresh = newCredentials();
    env.AWS_ACCESS_KEY_ID = fresh.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = fresh.secretAccessKey;
    delete env.AWS_SESSION_TOKEN;
  }
  env.AWS_ACCESS_KEY_ID ??= 'local';
  env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY };

  const region = env.AWS_REGION;
  const engines: Engine[] = [];
  const dataDir = (name: string) => (options.dataDir ? join(options.dataDir, name) : undefined);
  // On a shared external engine each runtime gets a table and a bucket of its own, so test files never meet.
  const suffix = randomBytes(4).toString('hex');

  const externalDynamo = env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL;
  let dynamoEndpoint = externalDynamo;
  if (!dynamoEndpoint) {
    const engine = await startDynalite(host, dataDir('dynamodb'), credentials);
    engines.push(engine);
    dynamoEndpoint = engine.endpoint;
    env.AWS_ENDPOINT_URL_DYNAMODB = dynamoEndpoint;
  }
  const tableName = env.TABLE_NAME ?? (externalDynamo ? `obrol-${suffix}` : 'obrol');
  env.TABLE_NAME = tableName;
  await ensureTable(dynamoEndpoint, region, tableName);

  const externalS3 = embeddedS3 ? undefined : (env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
  let s3Engine = externalS3;
  let s3Socket: string | undefined;
  if (!s3Engine) {
    // On a private socket: the front door below is the only way in.
    const engine = await startS3rver(host, dataDir('s3'), credentials);
    engines.push(engine);
    s3Engine = engine.endpoint;
    s3Socket = engine.socketPath;
  }
  const bucketName = env.BUCKET_NAME ?? (externalS3 ? `obrol-files-${suffix}` : 'obrol-files');
  env.BUCKET_NAME = bucketName;
  if (externalS3) await ensureBucket(s3Engine, region, bucketName);

  const externalSqs = env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL;
  let sqsEndpoint = externalSqs;
  if (!sqsEndpoint) {
    const engine = await startSqs(host, region, credentials);
    engines.push(engine);
    sqsEndpoint = engine.endpoint;
    env.AWS_ENDPOINT_URL_SQS = sqsEndpoint;
  }
  const queue = await ensureQueues(sqsEndpoint, region, externalSqs ? `obrol-jobs-${suffix}` : 'obrol-jobs');
  env.QUEUE_URL = queue.url;

  let onUpload: ((event: S3Event) => Promise<void>) | undefined;
  const front: S3Front = await startS3Front({
    host,
    upstream: s3Engine,
    ...(s3Socket ? { upstreamSocket: s3Socket } : {}),
    region,
    ...credentials,
    maxBodyBytes: Number(env.MAX_UPLOAD_BYTES ?? MAX_UPLOAD_DEFAULT) + 1024 * 1024,
    notifyPrefix: UPLOADS_PREFIX,
    onObjectCreated: (event) =>
      onUpload ? onUpload(event) : Promise.reject(new Error('handlers not loaded')),
  });
  // The handlers reach S3 through the front door, as clients do.
  env.AWS_ENDPOINT_URL_S3 = front.endpoint;
  if (!externalS3) await ensureBucket(front.endpoint, region, bucketName);

  let worker: QueueWorker | undefined;
  let bundles: Bundles | undefined;
  let wsUrl = '';
  const gateway = await startGateway({
    ...(options.webDir ? { httpHandler: webHandler(options.webDir, () => wsUrl, front.endpoint) } : {}),
    host,
    credentials,
    port: options.port ?? 3001,
    stage: options.stage ?? 'local',
    ...options.gatewayLimits,
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
    routes: async (callbackUrl) => {
      env.CALLBACK_URL = options.pushEndpoint ? await options.pushEndpoint(callbackUrl) : callbackUrl;
      if (options.bundles) {
        bundles = await startBundles({
          ...options.bundles,
          host,
          region,
          tableName,
          bucketName,
          queueName: queue.url.split('/').at(-1) ?? '',
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'local',
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'local',
          },
          upstreams: {
            dynamodb: dynamoEndpoint,
            s3: front.endpoint,
            sqs: sqsEndpoint,
            connections: env.CALLBACK_URL,
          },
        });
        const { handlers } = bundles;
        onUpload = handlers['file-uploaded'];
        // The event source mapping polls with the worker's role: through the worker function's recorder.
        const pollEndpoint = bundles.endpointOf('job-worker');
        worker = startQueueWorker({
          endpoint: pollEndpoint,
          region,
          queueUrl: `${pollEndpoint}/${queue.url.split('/').slice(3).join('/')}`,
          queueArn: queue.arn,
          handler: handlers['job-worker'],
          concurrency: options.workerConcurrency ?? 4,
          timeoutMs: 20_000,
        });
        return { $connect: handlers.connect, $disconnect: handlers.disconnect, $default: handlers.default };
      }
      const [connect, disconnect, fallback, uploaded, jobWorker] = await Promise.all([
        import('../lambdas/connect.js'),
        import('../lambdas/disconnect.js'),
        import('../lambdas/default.js'),
        import('../lambdas/file-uploaded.js'),
        import('../lambdas/job-worker.js'),
      ]);
      onUpload = uploaded.handler;
      worker = startQueueWorker({
        endpoint: sqsEndpoint,
        region,
        queueUrl: queue.url,
        queueArn: queue.arn,
        handler: jobWorker.handler,
        concurrency: options.workerConcurrency ?? 4,
        // Shorter than on AWS (60 s), so local catch-ups hand over to their continuation sooner; the queue's
        // visibility timeout stays above it, as AWS requires of a Lambda consumer.
        timeoutMs: 20_000,
      });
      return { $connect: connect.handler, $disconnect: disconnect.handler, $default: fallback.handler };
    },
  });

  wsUrl = gateway.url;

  return {
    url: gateway.url,
    webUrl: options.webDir ? `http://${host}:${gateway.port}/` : undefined,
    callbackUrl: gateway.callbackUrl,
    tableName,
    bucketName,
    s3Endpoint: front.endpoint,
    uploadsSettled: front.settled,
    jobsSettled: async () => worker?.idle(),
    deployment: () => bundles?.deployment,
    stop: async () => {
      await gateway.close();
      await worker?.stop();
      await bundles?.stop();
      await front.close();
      await Promise.all(engines.map((engine) => engine.stop()));
    },
  };
}
