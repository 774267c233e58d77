import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { Construct } from 'constructs';
import { ChatApi } from './api.js';
import type { ObrolSettings } from './config.js';
import { ObrolFunction } from './function.js';
import { Storage } from './storage.js';

/**
 * Where presigned POST uploads land; an ObjectCreated event under it starts file delivery, which seals the upload
 * (copies it to files/) so a form posted again cannot change a delivered file.
 */
export const UPLOADS_PREFIX = 'uploads/';
/** Where delivered files live, immutable (inline writes and sealed uploads); presigned GET links point here. */
export const FILES_PREFIX = 'files/';

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

export interface ObrolStackProps extends StackProps {
  readonly settings: ObrolSettings;
}

/** The whole service: stateful storage, four stateless functions, the WebSocket API, and the grants between them. */
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
      environment: tableEnv,
      removalPolicy,
    });
    const defaultRoute = new ObrolFunction(this, 'DefaultRoute', {
      entryName: 'default',
      description: 'obrol $default: every protocol command, answered through the route response',
      environment: { ...tableEnv, ...fileEnv, UPLOAD_TTL_SECONDS: String(settings.uploadTtlSeconds) },
      memorySize: DEFAULT_ROUTE_MEMORY_MB,
      removalPolicy,
    });
    const api = new ChatApi(this, 'Chat', {
      stageName: settings.stage,
      throttleRateLimit: settings.throttleRateLimit,
      throttleBurstLimit: settings.throttleBurstLimit,
      connectHandler: connect,
      disconnectHandler: disconnect,
      defaultHandler: defaultRoute,
      setAccountCloudWatchRole: settings.apiGatewayCloudWatchRole,
      removalPolicy,
    });
    const fileUploaded = new ObrolFunction(this, 'FileUploaded', {
      entryName: 'file-uploaded',
      description: 'obrol file delivery: announces a finished upload to its room',
      environment: { ...tableEnv, ...fileEnv, CALLBACK_URL: api.callbackUrl },
      timeout: FILE_UPLOADED_TIMEOUT,
      removalPolicy,
    });

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
      tableActions('GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'BatchWriteItem'),
    );
    // $default writes inline files under files/, signs POST forms for uploads/ (S3 checks the signer's
    // s3:PutObject when the browser posts the form) and signs download links, which only ever name files/:
    // an upload is readable only once sealed there.
    objectActions(defaultRoute, 'WriteInlineFiles', ['PutObject'], [FILES_PREFIX]);
    objectActions(defaultRoute, 'SignUploads', ['PutObject'], [UPLOADS_PREFIX]);
    objectActions(defaultRoute, 'SignDownloads', ['GetObject'], [FILES_PREFIX]);
    fileUploaded.addToRolePolicy(
      tableActions('GetItem', 'PutItem', 'UpdateItem', 'Query', 'BatchWriteItem', 'DeleteItem'),
    );
    // File delivery seals the upload: CopyObject reads the source under uploads/ (s3:GetObject) and writes the
    // immutable copy under files/ (s3:PutObject); HeadObject of the copy (s3:GetObject) gives the real size, and
    // the download links it signs name files/ only.
    objectActions(fileUploaded, 'ReadUploads', ['GetObject'], [UPLOADS_PREFIX]);
    objectActions(fileUploaded, 'SealFiles', ['GetObject', 'PutObject'], [FILES_PREFIX]);
    api.grantManageConnections(defaultRoute);
    api.grantManageConnections(fileUploaded);

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
  }
}
