/**
 * The deploy rehearsal's functions: each handler imported from the bundle `cdk synth` wrote to cdk.out (what
 * `cdk deploy` uploads), in a worker thread of its own whose process.env is exactly the variables the template
 * gives that function, resolved (local/template.ts), plus what Lambda itself provides (region, credentials) and the
 * local stand-ins for AWS addresses:
 *  - AWS_ENDPOINT_URL_DYNAMODB / _S3 / _SQS: the function's own recorder (local/call-recorder.ts), in front of the
 *    local engines, so each call is recorded under the function that made it;
 *  - QUEUE_URL: the local queue, on that recorder;
 *  - CALLBACK_URL: the gateway's @connections API, on that recorder. The template gives it to the functions that
 *    push outside a WebSocket request; the route functions derive it from the event on AWS (`https://` + domain),
 *    which locally is plain HTTP, so they get it too;
 *  - OBROL_LOG / LOG_LEVEL from the runtime's own environment (quiet tests).
 * shared/ reads its settings once, when imported: a thread per function keeps one function's settings from
 * leaking into another's, as separate Lambda functions are.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { type AwsCall, type Recorder, startRecorder, type Upstreams } from './call-recorder.js';
import {
  type Deployment,
  FAKE_ACCOUNT,
  type FunctionRole,
  readDeployment,
  readTemplate,
} from './template.js';

export interface BundleOptions {
  /** The folder `cdk synth` wrote (cdk.out). */
  cdkOut: string;
  /** Every AWS call a function makes, and each invocation of a function by a service. */
  onCall?: (call: AwsCall) => void;
}

export interface StartBundlesOptions extends BundleOptions {
  host: string;
  region: string;
  tableName: string;
  bucketName: string;
  queueName: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  upstreams: Upstreams;
}

// biome-ignore lint/suspicious/noExplicitAny: handlers take and return whatever their event source defines.
export type Invoke = (event: any, context?: { getRemainingTimeInMillis(): number }) => Promise<any>;

export interface Bundles {
  deployment: Deployment;
  handlers: Record<FunctionRole, Invoke>;
  /** The job worker's recorder: the event source mapping polls the queue with the worker's role. */
  endpointOf(role: FunctionRole): string;
  stop(): Promise<void>;
}

const PASSED_THROUGH = ['OBROL_LOG', 'LOG_LEVEL'];

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

function startWorker(
  bundle: string,
  handlerName: string,
  functionName: string,
  env: Record<string, string>,
): Promise<{ invoke: (event: unknown, remainingMs: number) => Promise<unknown>; stop(): Promise<void> }> {
  const worker = new Worker(new URL('./bundle-worker.mjs', import.meta.url), {
    env,
    workerData: { bundle, handlerName, functionName },
  });
  const pending = new Map<string, Pending>();
  let failed: Error | undefined;
  return new Promise((resolve, reject) => {
    worker.on('message', (message: Record<string, unknown>) => {
      if ('ready' in message) {
        if (message.ready) resolve({ invoke, stop: async () => void (await worker.terminate()) });
        else {
          // The bundle did not load (e.g. shared/config.ts refused the environment): nothing to keep running.
          void worker.terminate();
          reject(new Error(`${functionName}: ${(message.error as Error).message}`));
        }
        return;
      }
      const entry = pending.get(String(message.id));
      if (!entry) return;
      pending.delete(String(message.id));
      if (message.error) {
        const { name, message: text, stack } = message.error as Error;
        entry.reject(Object.assign(new Error(text), { name, stack }));
      } else entry.resolve(message.result);
    });
    worker.on('error', (error) => {
      failed = error;
      reject(error);
      for (const entry of pending.values()) entry.reject(error);
      pending.clear();
    });
    const invoke = (event: unknown, remainingMs: number) =>
      new Promise<unknown>((res, rej) => {
        if (failed) return rej(failed);
        const id = randomUUID();
        pending.set(id, { resolve: res, reject: rej });
        worker.postMessage({ id, event, remainingMs });
      });
  });
}

export async function startBundles(options: StartBundlesOptions): Promise<Bundles> {
  const deployment = readDeployment(
    readTemplate(options.cdkOut),
    {
      region: options.region,
      tableName: options.tableName,
      bucketName: options.bucketName,
      queueName: options.queueName,
    },
    options.cdkOut,
  );
  const onCall = options.onCall ?? (() => undefined);
  const recorders = new Map<FunctionRole, Recorder>();
  const handlers = {} as Record<FunctionRole, Invoke>;
  const stops: (() => Promise<void>)[] = [];
  const { region } = options;
  const apiArn = `arn:aws:execute-api:${region}:${FAKE_ACCOUNT}:${deployment.names.apiId}/${deployment.stage}`;
  const routeKeys: Partial<Record<FunctionRole, string>> = {
    connect: '$connect',
    disconnect: '$disconnect',
    default: '$default',
  };

  try {
    for (const fn of Object.values(deployment.functions)) {
      const recorder = await startRecorder({
        host: options.host,
        function: fn.role,
        region,
        apiId: deployment.names.apiId,
        stage: deployment.stage,
        upstreams: options.upstreams,
        onCall,
      });
      recorders.set(fn.role, recorder);
      stops.push(recorder.close);
      const env: Record<string, string> = {
        ...fn.environment,
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: options.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: options.credentials.secretAccessKey,
        AWS_ENDPOINT_URL_DYNAMODB: recorder.endpoint,
        AWS_ENDPOINT_URL_S3: recorder.endpoint,
        AWS_ENDPOINT_URL_SQS: recorder.endpoint,
        CALLBACK_URL: recorder.callbackUrl,
      };
      if (fn.environment.QUEUE_URL)
        env.QUEUE_URL = `${recorder.endpoint}/${FAKE_ACCOUNT}/${options.queueName}`;
      for (const name of PASSED_THROUGH) {
        const value = process.env[name];
        if (value !== undefined) env[name] = value;
      }
      const worker = await startWorker(fn.bundle, fn.handlerName, fn.logicalId, env);
      stops.push(worker.stop);
      const timeoutMs = fn.timeoutSeconds * 1000;
      const routeKey = routeKeys[fn.role];
      handlers[fn.role] = (event, context) => {
        // The service's invocation, checked against the function's resource policy (Lambda permissions).
        if (routeKey)
          onCall({
            function: fn.role,
            action: 'lambda:InvokeFunction',
            resource: fn.arn,
            principal: 'apigateway.amazonaws.com',
            context: {
              'aws:SourceArn': `${apiArn}/${routeKey}`,
              'aws:SourceAccount': FAKE_ACCOUNT,
              'aws:SecureTransport': 'true',
            },
            request: `API Gateway ${routeKey}`,
          });
        if (fn.role === 'file-uploaded')
          onCall({
            function: fn.role,
            action: 'lambda:InvokeFunction',
            resource: fn.arn,
            principal: 's3.amazonaws.com',
            context: {
              'aws:SourceArn': `arn:aws:s3:::${options.bucketName}`,
              'aws:SourceAccount': FAKE_ACCOUNT,
              'aws:SecureTransport': 'true',
            },
            request: 'S3 ObjectCreated notification',
          });
        return worker.invoke(event, context ? context.getRemainingTimeInMillis() : timeoutMs);
      };
    }
  } catch (error) {
    for (const stop of stops.reverse()) await stop();
    throw error;
  }

  return {
    deployment,
    handlers,
    endpointOf: (role) => (recorders.get(role) as Recorder).endpoint,
    stop: async () => {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    },
  };
}
