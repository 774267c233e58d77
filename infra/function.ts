import { fileURLToPath } from 'node:url';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The repository root: entries, the lock file and tsconfig are found from here, whatever the cwd. */
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The newest Node.js runtime aws-cdk-lib offers; every handler runs on it.
 * Exported so the template tests assert against the same value.
 */
export const RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * 256 MB by default: connect, disconnect and file delivery are I/O bound (a few DynamoDB calls, signing
 * S3 links, posts to @connections), so more memory would mostly buy CPU that sits idle; on arm64 256 MB keeps the
 * cold start of a ~350 KB bundle to a few hundred ms at half the price of 512 MB. The $default handler
 * overrides this (see stack.ts) because it hashes passwords.
 */
export const MEMORY_MB = 256;

/**
 * 10 s for the WebSocket routes: API Gateway gives up on an integration after 29 s, a chat reply later
 * than a few seconds is useless anyway, and a short timeout stops a stuck call from holding concurrency.
 * The S3-triggered delivery function gets more (see stack.ts) because it is asynchronous and fans out.
 */
export const DEFAULT_TIMEOUT = Duration.seconds(10);

/** One month of function logs: enough to debug last week's incident, short enough not to pile up cost. */
export const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

/**
 * ESM needs `require` for the CommonJS modules esbuild inlines (parts of the SDK's dependency tree).
 * The alias avoids clashing with any `createRequire` the bundle itself imports.
 */
const REQUIRE_SHIM =
  "import { createRequire as __obrolCreateRequire } from 'node:module'; const require = __obrolCreateRequire(import.meta.url);";

export interface ObrolFunctionProps {
  /** The handler file under lambdas/, without extension: `connect` for lambdas/connect.ts. */
  readonly entryName: string;
  readonly description: string;
  /** Only the variables this handler reads. */
  readonly environment: Record<string, string>;
  readonly timeout?: Duration;
  readonly memorySize?: number;
  /** The most concurrent instances, reserved for this function alone; none (the account's pool) when undefined. */
  readonly reservedConcurrentExecutions?: number;
  /** Applied to the function's log group. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A Lambda function with the project's shared defaults: Node.js runtime above, arm64, an ESM bundle built
 * by the local esbuild (no Docker), minified with source maps, its own log group with retention, and its
 * own role that can write only to that log group. Callers add the table, bucket and API permissions.
 */
export class ObrolFunction extends NodejsFunction {
  /** The function's own role (also `role`, typed concretely so findings can be acknowledged on it). */
  readonly executionRole: iam.Role;

  constructor(scope: Construct, id: string, props: ObrolFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: LOG_RETENTION,
      removalPolicy: props.removalPolicy,
    });
    // A role of our own instead of the default one with the AWSLambdaBasicExecutionRole managed policy,
    // which would let the function write to every log group in the account.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the obrol ${props.entryName} handler`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );

    super(scope, id, {
      entry: `${PROJECT_ROOT}lambdas/${props.entryName}.ts`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      description: props.description,
      runtime: RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? MEMORY_MB,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      timeout: props.timeout ?? DEFAULT_TIMEOUT,
      role,
      logGroup,
      // Lambda's JSON log format: every line carries timestamp, level and the invocation's requestId, and the
      // app's own fields stay searchable under `message` (shared/log.ts). INFO keeps the platform's REPORT lines
      // (duration, memory) and the app's info lines; set a function to WARN in the console to quiet it.
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      environment: {
        ...props.environment,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: REQUIRE_SHIM,
        minify: true,
        sourceMap: true,
        // Stack traces only need file/line mappings; dropping the embedded sources halves the .map file.
        sourcesContent: false,
        // Ship the SDK version we tested against instead of whatever the runtime preinstalls.
        bundleAwsSDK: true,
        forceDockerBundling: false,
        // esbuild's per-file size summary adds nothing to `cdk synth` or the tests; warnings and errors still show.
        logLevel: LogLevel.WARNING,
      },
    });
    this.executionRole = role;
  }
}
