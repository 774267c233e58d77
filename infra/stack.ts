import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { Construct } from 'constructs';
import { FILES_PREFIX, UPLOADS_PREFIX } from '../shared/files/prefixes.js';
import { ChatApi } from './api.js';
import type { ObrolSettings } from './config.js';
import { ObrolFunction } from './function.js';
import { JobQueue } from './jobs.js';
import { Monitoring } from './monitoring.js';
import { Storage } from './storage.js';
import { WebSite } from './web.js';

// The bucket's key prefixes are named once, in shared/ (the handlers build keys with them): the notification filter,
// the grants and the lifecycle rule below use the same constants.
export { FILES_PREFIX, UPLOADS_PREFIX };

/**
 * 30 s for file delivery: it runs asynchronously from S3 (no client waits on it), marks the file uploaded
 * and posts it, with a signed link, to the recipient or every member of the group, so large groups need room.
 */
export const FILE_UPLOADED_TIMEOUT = Duration.seconds(30);

/**
 * 1024 MB for $default: AUTH and REGISTER run scrypt (N=2^15, r=8: 32 MiB and about 100 ms of one full
 * core), and Lambda hands out CPU in proportion to memory (a full vCPU at 1769 MB). At 256 MB a login would
 * take most of a second, and a cold start twice that (the module also derives a decoy hash); at 1024 MB it is
 * about 0.2 s, and the short commands that make up most traffic still bill only a few ms each.
 */
export const DEFAULT_ROUTE_MEMORY_MB = 1024;

/**
 * 60 s for the job worker: a page of 1,000 pushes takes a few seconds, and a catch-up pushes for as long as its
 * time allows (stopping 10 s before the end and re-enqueueing itself), so a longer timeout only means fewer jobs.
 */
export const JOB_WORKER_TIMEOUT = Duration.seconds(60);

/**
 * 1769 MB (one full vCPU) for the job worker: a push costs the SDK about 0.7 ms of CPU (measured by
 * `npm run bench:capacity`), so at 256 MB (a seventh of a vCPU) a page of 1,000 pushes took ~4.4 s of CPU and the last
 * of 50,000 online devices had a message after ~13 s; at 1769 MB a page takes ~0.7 s and the last device ~4.3 s
 * (docs/CAPACITY.md, "Fan-out at AWS speed"). GB-s barely change: the same CPU work, done faster.
 */
export const JOB_WORKER_MEMORY_MB = 1769;

/**
 * The most worker instances the job queue's event source mapping runs at once: a 50,000-device fan-out needs about
 * ten, so a hundred carry several at once, and a flood of jobs can never take the account's concurrency (1,000 by
 * default) from the request handlers. Jobs beyond it wait in the queue.
 */
export const JOB_WORKER_MAX_CONCURRENCY = 100;

export interface ObrolStackProps extends StackProps {
  readonly settings: ObrolSettings;
}

/** The whole service: stateful storage, the job queue, five stateless functions, the WebSocket API, and the grants between them. */
export class ObrolStack extends Stack {
  constructor(scope: Construct, id: string, props: ObrolStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const removalPolicy = settings.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    const storage = new Storage(this, 'Storage', {
      removalPolicy: settings.removalPolicy,
      fileRetentionDays: settings.fileRetentionDays,
    });
    const { table, bucket } = storage;
    const jobs = new JobQueue(this, 'JobQueue', {
      workerTimeout: JOB_WORKER_TIMEOUT,
      removalPolicy: settings.removalPolicy,
    });
    const queueEnv = { QUEUE_URL: jobs.queue.queueUrl };

    const tableEnv = { TABLE_NAME: table.tableName };
    const fileEnv = {
      BUCKET_NAME: bucket.bucketName,
      FILE_URL_TTL_SECONDS: String(settings.fileUrlTtlSeconds),
      MAX_UPLOAD_BYTES: String(settings.maxUploadBytes),
    };

    const connect = new ObrolFunction(this, 'Connect', {
      entryName: 'connect',
      description: 'obrol $connect: records the new connection',
      environment: tableEnv,
      removalPolicy,
    });
    const disconnect = new ObrolFunction(this, 'Disconnect', {
      entryName: 'disconnect',
      description: 'obrol $disconnect: removes the connection and its memberships',
      // A user's last departure is announced to their watchers by the worker (shared/delivery/presence.ts).
      environment: { ...tableEnv, ...queueEnv },
      removalPolicy,
    });
    const defaultRoute = new ObrolFunction(this, 'DefaultRoute', {
      entryName: 'default',
      description: 'obrol $default: every protocol command, answered through the route response',
      environment: {
        ...tableEnv,
        ...fileEnv,
        ...queueEnv,
        UPLOAD_TTL_SECONDS: String(settings.uploadTtlSeconds),
        AUTH_MAX_FAILURES: String(settings.authMaxFailures),
        AUTH_MAX_FAILURES_PER_IP: String(settings.authMaxFailuresPerIp),
        AUTH_WINDOW_SECONDS: String(settings.authWindowSeconds),
        IP_BUDGET_WINDOW_SECONDS: String(settings.ipBudgetWindowSeconds),
        IP_BUDGET_REGISTER: String(settings.ipBudgetRegister),
        IP_BUDGET_GROUP_CREATE: String(settings.ipBudgetGroupCreate),
        IP_BUDGET_AUTH: String(settings.ipBudgetAuth),
      },
      memorySize: DEFAULT_ROUTE_MEMORY_MB,
      // A flood of frames cannot take the account's whole concurrency (docs/SECURITY.md, OPERATIONS.md).
      reservedConcurrentExecutions: settings.defaultReservedConcurrency,
      removalPolicy,
    });
    const api = new ChatApi(this, 'Chat', {
      stageName: settings.stage,
      throttleRateLimit: settings.throttleRateLimit,
      throttleBurstLimit: settings.throttleBurstLimit,
      routeThrottles: {
        $connect: {
          rateLimit: settings.connectThrottleRateLimit,
          burstLimit: settings.connectThrottleBurstLimit,
        },
        $default: {
          rateLimit: settings.defaultRouteThrottleRateLimit,
          burstLimit: settings.defaultRouteThrottleBurstLimit,
        },
      },
      connectHandler: connect,
      disconnectHandler: disconnect,
      defaultHandler: defaultRoute,
      setAccountCloudWatchRole: settings.apiGatewayCloudWatchRole,
      removalPolicy,
    });
    const fileUploaded = new ObrolFunction(this, 'FileUploaded', {
      entryName: 'file-uploaded',
      description: 'obrol file delivery: announces a finished upload to its room',
      environment: { ...tableEnv, ...fileEnv, ...queueEnv, CALLBACK_URL: api.callbackUrl },
      timeout: FILE_UPLOADED_TIMEOUT,
      removalPolicy,
    });
    const jobWorker = new ObrolFunction(this, 'JobWorker', {
      entryName: 'job-worker',
      description:
        "obrol job worker: large groups' pages and signals, catch-ups after AUTH, group deletions, account clean-ups",
      environment: { ...tableEnv, ...fileEnv, ...queueEnv, CALLBACK_URL: api.callbackUrl },
      timeout: JOB_WORKER_TIMEOUT,
      memorySize: JOB_WORKER_MEMORY_MB,
      removalPolicy,
    });
    // Up to ten jobs per invocation; a failed job is reported alone and retried alone.
    jobWorker.addEventSource(
      new SqsEventSource(jobs.queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: JOB_WORKER_MAX_CONCURRENCY,
      }),
    );

    // Least privilege: each function gets exactly the table and object actions its handler calls.
    const tableActions = (...actions: string[]) =>
      new iam.PolicyStatement({
        sid: 'Table',
        actions: actions.map((a) => `dynamodb:${a}`),
        resources: [table.tableArn],
      });
    const bucketId = this.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
    const objectActions = (fn: ObrolFunction, sid: string, actions: string[], prefixes: string[]) => {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid,
          actions: actions.map((a) => `s3:${a}`),
          resources: prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`)),
        }),
      );
      for (const prefix of prefixes) {
        Validations.of(fn.executionRole).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`,
          reason:
            'Object keys are generated per file at runtime, so the resource can only name the key prefix ' +
            `(${prefix}) of this one bucket; the actions are listed one by one.`,
        });
      }
    };

    connect.addToRolePolicy(tableActions('PutItem'));
    disconnect.addToRolePolicy(
      tableActions('GetItem', 'DeleteItem', 'Query', 'BatchWriteItem', 'UpdateItem'),
    );
    defaultRoute.addToRolePolicy(
      tableActions(
        'GetItem',
        'PutItem',
        'UpdateItem',
        'DeleteItem',
        'Query',
        'BatchWriteItem',
        'BatchGetItem',
      ),
    );
    // $default writes inline files under files/, signs POST forms for uploads/ (S3 checks the signer's
    // s3:PutObject when the browser posts the form) and signs download links, which only ever name files/:
    // an upload is readable only once sealed there.
    objectActions(defaultRoute, 'WriteInlineFiles', ['PutObject'], [FILES_PREFIX]);
    objectActions(defaultRoute, 'SignUploads', ['PutObject'], [UPLOADS_PREFIX]);
    objectActions(defaultRoute, 'SignDownloads', ['GetObject'], [FILES_PREFIX]);
    // DELETE of a file message removes its sealed object (files/ only: uploads/ expire by lifecycle).
    objectActions(defaultRoute, 'DeleteFiles', ['DeleteObject'], [FILES_PREFIX]);
    // File delivery and the worker deliver messages the same way (store, push, leave waiting, catch up).
    const deliveryTableActions = [
      'GetItem',
      'PutItem',
      'UpdateItem',
      'Query',
      'BatchWriteItem',
      'DeleteItem',
    ];
    for (const fn of [fileUploaded, jobWorker])
      fn.addToRolePolicy(tableActions(...deliveryTableActions, 'BatchGetItem'));
    // The worker signs download links for files in the backlog it delivers.
    objectActions(jobWorker, 'SignDownloads', ['GetObject'], [FILES_PREFIX]);
    // …and deletes files: a deleted group's (shared/groups/delete.ts) and those a deleted account sent (its clean-up
    // job), only on the worker.
    objectActions(jobWorker, 'DeleteFiles', ['DeleteObject'], [FILES_PREFIX]);
    // Every function that sends messages or pushes may enqueue jobs; only the worker consumes them.
    for (const fn of [defaultRoute, fileUploaded, jobWorker]) jobs.queue.grantSendMessages(fn);
    // $disconnect enqueues the PRESENCE push of a user's last departure (it cannot push itself).
    jobs.queue.grantSendMessages(disconnect);
    // File delivery seals the upload: CopyObject reads the source under uploads/ (s3:GetObject) and writes the
    // immutable copy under files/ (s3:PutObject); HeadObject of the copy (s3:GetObject) gives the real size, and
    // the download links it signs name files/ only.
    objectActions(fileUploaded, 'ReadUploads', ['GetObject'], [UPLOADS_PREFIX]);
    objectActions(fileUploaded, 'SealFiles', ['GetObject', 'PutObject'], [FILES_PREFIX]);
    api.grantManageConnections(defaultRoute);
    api.grantManageConnections(fileUploaded);
    api.grantManageConnections(jobWorker);

    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new LambdaDestination(fileUploaded), {
      prefix: UPLOADS_PREFIX,
    });
    // aws-cdk-lib adds one singleton function per stack that writes the notification configuration.
    const notificationsHandler = this.node.children.find((c) =>
      c.node.id.startsWith('BucketNotificationsHandler'),
    );
    if (notificationsHandler) {
      Validations.of(notificationsHandler).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "aws-cdk-lib's own BucketNotificationsHandler (a deploy-time custom resource, not our code) comes " +
          'with this role and the L2 API cannot replace it; the policy only lets it write its logs.',
      });
    }

    // Alarms (to an SNS topic, optionally e-mailed) and the dashboard: docs/OPERATIONS.md.
    new Monitoring(this, 'Monitoring', {
      functions: {
        connect,
        disconnect,
        default: defaultRoute,
        'file-uploaded': fileUploaded,
        'job-worker': jobWorker,
      },
      api: api.api,
      stage: api.stage,
      table,
      queue: jobs.queue,
      deadLetterQueue: jobs.deadLetterQueue,
      alarmEmail: settings.alarmEmail,
    });
    // The page is optional (`-c web=false`): CloudFront refuses accounts AWS has not verified yet, and the chat
    // itself (API, functions, storage) must deploy there anyway; terminal and protocol clients need no page.
    if (settings.web) {
      const site = new WebSite(this, 'Web', {
        webSocketUrl: api.url,
        filesBucket: bucket,
        accessLogsBucket: storage.accessLogsBucket,
        removalPolicy: settings.removalPolicy,
      });
      storage.allowBrowserOrigin(site.origin);
      new CfnOutput(this, 'WebUrl', { value: site.url, description: 'the chat page: open it in a browser' });
    }

    new CfnOutput(this, 'WebSocketUrl', {
      value: api.url,
      description: 'wss:// URL for clients (wscat -c ...)',
    });
    new CfnOutput(this, 'CallbackUrl', {
      value: api.callbackUrl,
      description: 'https:// endpoint of the @connections management API',
    });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'BucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'JobQueueUrl', { value: jobs.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: jobs.deadLetterQueue.queueUrl });
  }
}
