import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../shared/data/schema.js';
import { UPLOADS_PREFIX } from '../shared/files/prefixes.js';

export interface StorageProps {
  readonly removalPolicy: 'retain' | 'destroy';
  /** Days before any object in the files bucket expires. */
  readonly fileRetentionDays: number;
}

/** Days an original upload under uploads/ is kept; the delivered file is its sealed copy under files/. */
export const UPLOAD_RETENTION_DAYS = 1;

/** Access logs are kept longer than the files they describe, so a question about a file outlives it. */
export const ACCESS_LOG_RETENTION_DAYS = 90;

/**
 * Everything stateful: the one DynamoDB table (declared from the schema the local runtime uses) and the
 * files bucket with its access-log bucket. Nothing here knows about functions or the API.
 */
export class Storage extends Construct {
  readonly table: dynamodb.Table;
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const destroy = props.removalPolicy === 'destroy';
    const removalPolicy = destroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      // Chat traffic is bursty and mostly idle: pay per request, nothing to size or scale.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The AWS managed key (aws/dynamodb) rather than the invisible AWS owned default: every use of the key
      // shows up in CloudTrail, yet there is no key policy to maintain and no monthly key charge. A customer
      // managed key would only pay off for cross-account access or crypto-shredding, neither of which we need.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy,
    });

    // Bucket defaults shared by the files bucket and its log bucket.
    const hardened = {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // SSE-S3: the only encryption S3 server access log delivery accepts, and enough for files that are
      // reachable only through presigned links anyway.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      // A destroyable stack must be able to delete non-empty buckets.
      autoDeleteObjects: destroy,
    } satisfies s3.BucketProps;

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      ...hardened,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(ACCESS_LOG_RETENTION_DAYS) }],
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket is the server access log destination for the files bucket; logging it into itself ' +
        'would log its own log deliveries forever, and into another bucket would only move the finding there.',
    });

    this.bucket = new s3.Bucket(this, 'Files', {
      ...hardened,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'files/',
      lifecycleRules: [
        { id: 'expire-files', expiration: Duration.days(props.fileRetentionDays) },
        { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // Uploads are sealed (copied to files/) on arrival; the originals are only needed until then.
        { id: 'expire-uploads', prefix: UPLOADS_PREFIX, expiration: Duration.days(UPLOAD_RETENTION_DAYS) },
      ],
    });
  }

  /**
   * Lets the web page's origin use the files bucket from a browser: POST for the presigned upload form, GET for
   * signed downloads and previews. The form's signature, not the origin, authorizes an upload; the origin only
   * decides which page may read the answers. Set from the stack once the page's CloudFront domain exists.
   */
  allowBrowserOrigin(origin: string): void {
    this.bucket.addCorsRule({
      allowedMethods: [s3.HttpMethods.POST, s3.HttpMethods.GET],
      allowedOrigins: [origin],
      allowedHeaders: ['*'],
      maxAge: 3600,
    });
  }
}
