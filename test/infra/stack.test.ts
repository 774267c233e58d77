import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { MEMORY_MB, RUNTIME } from '../../infra/function.js';
import { MAX_RECEIVE_COUNT } from '../../infra/jobs.js';
import { DEFAULT_ROUTE_MEMORY_MB, JOB_WORKER_MEMORY_MB } from '../../infra/stack.js';
import { TABLE_SCHEMA } from '../../shared/data/schema.js';
import { actionsOf, build, functionId, functionProps, roleStatements, type Statement } from './app.js';

const { app, template } = build({}, { bundle: true });
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: never }>;
const logicalId = (type: string): string => {
  const ids = Object.keys(template.findResources(type));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0] as string;
};

const tableId = logicalId('AWS::DynamoDB::Table');
const apiId = logicalId('AWS::ApiGatewayV2::Api');
const bucketId = Object.entries(template.findResources('AWS::S3::Bucket')).find(
  ([, r]) => r.Properties?.NotificationConfiguration !== undefined || r.Properties?.CorsConfiguration,
)?.[0] as string;

const fns = {
  connect: functionId(template, 'obrol $connect'),
  disconnect: functionId(template, 'obrol $disconnect'),
  default: functionId(template, 'obrol $default'),
  fileUploaded: functionId(template, 'obrol file delivery'),
  jobWorker: functionId(template, 'obrol job worker'),
};
const queues = template.findResources('AWS::SQS::Queue');
const dlqId = Object.entries(queues).find(
  ([, r]) => r.Properties?.RedrivePolicy === undefined,
)?.[0] as string;
const queueId = Object.entries(queues).find(
  ([, r]) => r.Properties?.RedrivePolicy !== undefined,
)?.[0] as string;
const queueArn = { 'Fn::GetAtt': [queueId, 'Arn'] };

const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
const objects = (prefix: string) => ({
  'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${prefix}*`]],
});
const connectionsArn = (method: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':execute-api:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':',
      { Ref: apiId },
      `/prod/${method}/@connections/*`,
    ],
  ],
});
const resourcesOf = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

/** action -> sorted JSON of the resources it is allowed on, across all statements. */
function grants(fn: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of roleStatements(template, fn)) {
    expect(s.Effect).toBe('Allow');
    for (const action of Array.isArray(s.Action) ? s.Action : [s.Action]) {
      out[action] = [...(out[action] ?? []), ...resourcesOf(s).map((r) => JSON.stringify(r))].sort();
    }
  }
  return out;
}
const on = (...rs: unknown[]) => rs.map((r) => JSON.stringify(r)).sort();

describe('Lambda functions', () => {
  it('has exactly the five handlers', () => {
    // + aws-cdk-lib's bucket notifications handler and the web page's BucketDeployment handler
    template.resourceCountIs('AWS::Lambda::Function', 7);
    expect(Object.values(fns)).toHaveLength(5);
  });

  it.each(Object.entries(fns))(
    '%s runs on the newest Node.js runtime, arm64, ESM with source maps',
    (_, id) => {
      const props = functionProps(template, id);
      expect(RUNTIME.name).toMatch(/^nodejs(2[2-9]|[3-9]\d)\.x$/);
      expect(props.Runtime).toBe(RUNTIME.name);
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.MemorySize).toBe(
        id === fns.default
          ? DEFAULT_ROUTE_MEMORY_MB
          : id === fns.jobWorker
            ? JOB_WORKER_MEMORY_MB
            : MEMORY_MB,
      );
      expect(props.Handler).toBe('index.handler');
      expect((props.Environment as { Variables: Record<string, unknown> }).Variables.NODE_OPTIONS).toBe(
        '--enable-source-maps',
      );
    },
  );

  it('gives the WebSocket routes 10 s, file delivery 30 s and the job worker 60 s', () => {
    expect(functionProps(template, fns.connect).Timeout).toBe(10);
    expect(functionProps(template, fns.disconnect).Timeout).toBe(10);
    expect(functionProps(template, fns.default).Timeout).toBe(10);
    expect(functionProps(template, fns.fileUploaded).Timeout).toBe(30);
    expect(functionProps(template, fns.jobWorker).Timeout).toBe(60);
  });

  it.each(Object.entries(fns))('%s logs to its own log group with a retention', (_, id) => {
    const logGroup = (functionProps(template, id).LoggingConfig as { LogGroup: { Ref: string } }).LogGroup
      .Ref;
    const group = template.toJSON().Resources[logGroup];
    expect(group).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Retain',
    });
    const logStatements = roleStatements(template, id).filter((s) => s.Sid === 'WriteOwnLogs');
    expect(logStatements).toHaveLength(1);
    expect(resourcesOf(logStatements[0] as Statement)).toEqual([{ 'Fn::GetAtt': [logGroup, 'Arn'] }]);
  });

  it('bundles each handler as one minified ESM file with a createRequire banner and a source map', () => {
    const assembly = app.synth();
    for (const id of Object.values(fns)) {
      const key = (functionProps(template, id).Code as { S3Key: string }).S3Key;
      const dir = join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
      expect(readdirSync(dir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith('import { createRequire as __obrolCreateRequire } from')).toBe(true);
      expect(code).toMatch(/export\s*\{[^}]*as handler[^}]*\}/);
      expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      const lines = code.split('\n');
      expect(code.length / lines.length).toBeGreaterThan(1000); // minified: a few very long lines
    }
  });

  it('passes each function only the environment it reads', () => {
    const env = (id: string) =>
      (functionProps(template, id).Environment as { Variables: Record<string, unknown> }).Variables;
    const callbackUrl = {
      'Fn::Join': [
        '',
        [
          'https://',
          { Ref: apiId },
          '.execute-api.',
          { Ref: 'AWS::Region' },
          '.',
          { Ref: 'AWS::URLSuffix' },
          '/prod',
        ],
      ],
    };
    expect(env(fns.connect)).toEqual({ TABLE_NAME: { Ref: tableId }, NODE_OPTIONS: '--enable-source-maps' });
    const queueUrl = { Ref: queueId };
    expect(env(fns.disconnect)).toEqual({
      TABLE_NAME: { Ref: tableId },
      QUEUE_URL: queueUrl,
      NODE_OPTIONS: '--enable-source-maps',
    });
    expect(env(fns.default)).toEqual({
      TABLE_NAME: { Ref: tableId },
      BUCKET_NAME: { Ref: bucketId },
      FILE_URL_TTL_SECONDS: '3600',
      UPLOAD_TTL_SECONDS: '900',
      MAX_UPLOAD_BYTES: '104857600',
      QUEUE_URL: queueUrl,
      AUTH_MAX_FAILURES: '10',
      AUTH_MAX_FAILURES_PER_IP: '100',
      AUTH_WINDOW_SECONDS: '900',
      IP_BUDGET_WINDOW_SECONDS: '3600',
      IP_BUDGET_REGISTER: '1000',
      IP_BUDGET_GROUP_CREATE: '1000',
      IP_BUDGET_AUTH: '3000',
      NODE_OPTIONS: '--enable-source-maps',
    });
    const delivery = {
      TABLE_NAME: { Ref: tableId },
      BUCKET_NAME: { Ref: bucketId },
      FILE_URL_TTL_SECONDS: '3600',
      MAX_UPLOAD_BYTES: '104857600',
      QUEUE_URL: queueUrl,
      CALLBACK_URL: callbackUrl,
      NODE_OPTIONS: '--enable-source-maps',
    };
    expect(env(fns.fileUploaded)).toEqual(delivery);
    expect(env(fns.jobWorker)).toEqual(delivery);
    for (const id of Object.values(fns)) expect(env(id)).not.toHaveProperty('AWS_REGION');
  });
});

const sendJobs = {
  'sqs:GetQueueAttributes': on(queueArn),
  'sqs:GetQueueUrl': on(queueArn),
  'sqs:SendMessage': on(queueArn),
};

describe('least privilege', () => {
  it('$connect may only put items in the table', () => {
    expect(grants(fns.connect)).toEqual({
      'dynamodb:PutItem': on(tableArn),
      'logs:CreateLogStream': expect.any(Array),
      'logs:PutLogEvents': expect.any(Array),
    });
  });

  it('$disconnect gets the table actions it uses, may enqueue jobs, and nothing on S3 or @connections', () => {
    const g = grants(fns.disconnect);
    expect(actionsOf(roleStatements(template, fns.disconnect))).toEqual(
      [
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        ...Object.keys(sendJobs),
      ].sort(),
    );
    expect(g['dynamodb:Query']).toEqual(on(tableArn));
    expect(g).toMatchObject(sendJobs);
  });

  it('$default: table, writes to files/, signed uploads to uploads/, signed links to files/ only, deletes in files/, @connections POST, jobs', () => {
    expect(grants(fns.default)).toEqual({
      'dynamodb:BatchGetItem': on(tableArn),
      'dynamodb:BatchWriteItem': on(tableArn),
      'dynamodb:DeleteItem': on(tableArn),
      'dynamodb:GetItem': on(tableArn),
      'dynamodb:PutItem': on(tableArn),
      'dynamodb:Query': on(tableArn),
      'dynamodb:UpdateItem': on(tableArn),
      's3:DeleteObject': on(objects('files/')),
      's3:GetObject': on(objects('files/')),
      's3:PutObject': on(objects('files/'), objects('uploads/')),
      'execute-api:ManageConnections': on(connectionsArn('POST')),
      ...sendJobs,
      'logs:CreateLogStream': expect.any(Array),
      'logs:PutLogEvents': expect.any(Array),
    });
  });

  it('file delivery: table, reads uploads/, seals them into files/ (copy, head, links), @connections POST, jobs', () => {
    expect(grants(fns.fileUploaded)).toEqual({
      'dynamodb:BatchGetItem': on(tableArn),
      'dynamodb:BatchWriteItem': on(tableArn),
      'dynamodb:DeleteItem': on(tableArn),
      'dynamodb:GetItem': on(tableArn),
      'dynamodb:PutItem': on(tableArn),
      'dynamodb:Query': on(tableArn),
      'dynamodb:UpdateItem': on(tableArn),
      's3:GetObject': on(objects('files/'), objects('uploads/')),
      's3:PutObject': on(objects('files/')),
      'execute-api:ManageConnections': on(connectionsArn('POST')),
      ...sendJobs,
      'logs:CreateLogStream': expect.any(Array),
      'logs:PutLogEvents': expect.any(Array),
    });
  });

  it("job worker: the table, signed links to files/, deleting files (a deleted group's, a deleted account's), @connections POST, and consuming the job queue", () => {
    expect(grants(fns.jobWorker)).toEqual({
      'dynamodb:BatchGetItem': on(tableArn),
      'dynamodb:BatchWriteItem': on(tableArn),
      'dynamodb:DeleteItem': on(tableArn),
      'dynamodb:GetItem': on(tableArn),
      'dynamodb:PutItem': on(tableArn),
      'dynamodb:Query': on(tableArn),
      'dynamodb:UpdateItem': on(tableArn),
      's3:GetObject': on(objects('files/')),
      's3:DeleteObject': on(objects('files/')),
      'execute-api:ManageConnections': on(connectionsArn('POST')),
      'logs:CreateLogStream': expect.any(Array),
      'logs:PutLogEvents': expect.any(Array),
      ...sendJobs,
      'sqs:ChangeMessageVisibility': on(queueArn),
      'sqs:DeleteMessage': on(queueArn),
      'sqs:GetQueueAttributes': on(queueArn),
      'sqs:GetQueueUrl': on(queueArn),
      'sqs:ReceiveMessage': on(queueArn),
    });
    for (const fn of [fns.connect, fns.disconnect, fns.default, fns.fileUploaded]) {
      expect(grants(fn)).not.toHaveProperty('sqs:ReceiveMessage');
    }
    // Deleting files: $default (DELETE of a file message) and the worker (a deleted group's, a deleted account's).
    for (const fn of [fns.connect, fns.disconnect, fns.fileUploaded]) {
      expect(grants(fn)).not.toHaveProperty('s3:DeleteObject');
    }
  });

  it('no statement of ours allows a wildcard action, and no function role has a managed policy', () => {
    // aws-cdk-lib's BucketDeployment handler gets grantRead/grantReadWrite (s3:GetObject* …) on the asset and page
    // buckets; it is not our code, and infra/web.ts acknowledges it with reasons.
    const ours = Object.entries(template.findResources('AWS::IAM::Policy')).filter(
      ([id]) => !id.startsWith('CustomCDKBucketDeployment'),
    );
    expect(ours.length).toBeGreaterThan(3);
    for (const [, policy] of ours) {
      for (const s of policy.Properties.PolicyDocument.Statement as Statement[]) {
        for (const action of Array.isArray(s.Action) ? s.Action : [s.Action])
          expect(action).not.toContain('*');
      }
    }
    for (const id of Object.values(fns)) {
      const roleId = (functionProps(template, id).Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
      expect(resources[roleId]?.Properties).not.toHaveProperty('ManagedPolicyArns');
    }
  });
});

describe('DynamoDB table', () => {
  it('is declared from the shared schema: on demand, TTL, PITR, KMS encryption', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
        { AttributeName: TABLE_SCHEMA.sortKey, AttributeType: 'S' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      // SSEEnabled without SSEType/KMSMasterKeyId = KMS with the AWS managed aws/dynamodb key.
      SSESpecification: { SSEEnabled: true },
    });
    expect(resources[tableId]?.Properties).not.toHaveProperty('ProvisionedThroughput');
  });

  it('is retained for prod', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('S3 files bucket', () => {
  const bucket = () => template.toJSON().Resources[bucketId];

  it('blocks all public access, encrypts with SSE-S3 and logs access to the log bucket', () => {
    expect(bucket().Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: expect.any(String) }, LogFilePrefix: 'files/' },
    });
    expect(bucket().DeletionPolicy).toBe('Retain');
  });

  it('denies every request not made over TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('expires files after 30 days and aborts incomplete multipart uploads after 1 day', () => {
    expect(bucket().Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ExpirationInDays: 30, Status: 'Enabled' }),
        expect.objectContaining({
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          Status: 'Enabled',
        }),
      ]),
    );
  });

  it('expires original uploads after 1 day: the delivered file is the sealed copy under files/', () => {
    expect(bucket().Properties.LifecycleConfiguration.Rules).toContainEqual(
      expect.objectContaining({ Prefix: 'uploads/', ExpirationInDays: 1, Status: 'Enabled' }),
    );
  });

  it('allows browser POST uploads and GET downloads from the web page origin only (CORS)', () => {
    const distributionId = Object.keys(template.findResources('AWS::CloudFront::Distribution'))[0];
    expect(bucket().Properties.CorsConfiguration.CorsRules).toEqual([
      expect.objectContaining({
        AllowedMethods: ['POST', 'GET'],
        AllowedOrigins: [
          { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] },
        ],
      }),
    ]);
  });

  it('invokes file delivery on ObjectCreated under uploads/', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: bucketId },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
            LambdaFunctionArn: { 'Fn::GetAtt': [fns.fileUploaded, 'Arn'] },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [fns.fileUploaded, 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [bucketId, 'Arn'] },
    });
  });

  it('the access log bucket is private, encrypted, TLS-only and expires logs', () => {
    const logBucketId = bucket().Properties.LoggingConfiguration.DestinationBucketName.Ref as string;
    expect(template.toJSON().Resources[logBucketId].Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: 90 })] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' } }),
        ]),
      },
    });
  });
});

describe('WebSocket API', () => {
  it('selects routes on $request.body.action', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
  });

  it.each([
    ['$connect', 'connect'],
    ['$disconnect', 'disconnect'],
    ['$default', 'default'],
  ] as const)('routes %s to its handler through a Lambda proxy integration', (routeKey, fn) => {
    const routes = template.findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: routeKey } });
    expect(Object.keys(routes)).toHaveLength(1);
    const [route] = Object.values(routes);
    const target = route?.Properties.Target['Fn::Join'][1][1].Ref as string;
    const integration = resources[target] as { Properties: Record<string, unknown> };
    expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY' });
    expect(JSON.stringify(integration.Properties.IntegrationUri)).toContain(fns[fn]);
  });

  it('returns $default responses to the client (two-way route)', () => {
    const routes = template.findResources('AWS::ApiGatewayV2::Route', {
      Properties: { RouteKey: '$default' },
    });
    const [routeId, route] = Object.entries(routes)[0] as [string, { Properties: Record<string, unknown> }];
    expect(route.Properties.RouteResponseSelectionExpression).toBe('$default');
    template.hasResourceProperties('AWS::ApiGatewayV2::RouteResponse', {
      RouteId: { Ref: routeId },
      RouteResponseKey: '$default',
    });
    template.resourceCountIs('AWS::ApiGatewayV2::RouteResponse', 1);
  });

  it('deploys one auto-deployed stage named from context with throttling and JSON access logs', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'prod',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AccessLogs'), 'Arn'] },
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
    });
  });

  it('sets the account CloudWatch role API Gateway needs for WebSocket logging, and retains it', () => {
    template.hasResource('AWS::ApiGateway::Account', {
      Properties: { CloudWatchRoleArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } },
      DeletionPolicy: 'Retain',
    });
    template.hasResource('AWS::ApiGatewayV2::Stage', {
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('AccountSettings')]),
    });
  });
});

describe('flood bounds', () => {
  it('reserves no concurrency by default (a new account could not deploy a reservation; -c reservedConcurrency=N sets one)', () => {
    for (const id of Object.values(fns))
      expect(functionProps(template, id)).not.toHaveProperty('ReservedConcurrentExecutions');
  });

  it('throttles $connect at half the stage rate and $default at the stage rate, each on its own; $disconnect is not set apart', () => {
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
    expect(stage?.Properties.RouteSettings).toEqual({
      $connect: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      $default: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
    });
    // API Gateway refuses route settings for a route that does not exist yet.
    const routeId = (key: string) =>
      Object.entries(template.findResources('AWS::ApiGatewayV2::Route')).find(
        ([, r]) => r.Properties.RouteKey === key,
      )?.[0];
    expect(stage?.DependsOn).toEqual(expect.arrayContaining([routeId('$connect'), routeId('$default')]));
  });
});

describe('job queue', () => {
  it('feeds the job worker ten jobs at a time, with partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fns.jobWorker },
      EventSourceArn: queueArn,
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('parks a job tried five times in the dead-letter queue, hides a job 6x the worker timeout, TLS only', () => {
    expect(MAX_RECEIVE_COUNT).toBe(5);
    expect(resources[queueId]?.Properties).toMatchObject({
      VisibilityTimeout: 360,
      MessageRetentionPeriod: 4 * 24 * 3600,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
    });
    expect(resources[dlqId]?.Properties).toMatchObject({
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
    for (const id of [queueId, dlqId]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });
});

describe('outputs', () => {
  it('exports the wss:// URL, the callback URL, the table and the bucket', () => {
    template.hasOutput('WebSocketUrl', {
      Value: {
        'Fn::Join': [
          '',
          [
            'wss://',
            { Ref: apiId },
            '.execute-api.',
            { Ref: 'AWS::Region' },
            '.',
            { Ref: 'AWS::URLSuffix' },
            '/prod',
          ],
        ],
      },
    });
    template.hasOutput('CallbackUrl', {
      Value: { 'Fn::Join': ['', Match.arrayWith(['https://', { Ref: apiId }])] },
    });
    template.hasOutput('TableName', { Value: { Ref: tableId } });
    template.hasOutput('BucketName', { Value: { Ref: bucketId } });
  });
});
