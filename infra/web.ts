import { Aws, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { buildPage } from '../web/build.js';
import { pageCsp } from '../web/csp.js';

export interface WebSiteProps {
  /** The stage's wss:// URL: written into config.json and the only WebSocket the page may open. */
  readonly webSocketUrl: string;
  /** The files bucket: signed links and upload forms point at it. */
  readonly filesBucket: s3.IBucket;
  /** Where the page bucket's server access logs go (the files bucket's log bucket). */
  readonly accessLogsBucket: s3.IBucket;
  readonly removalPolicy: 'retain' | 'destroy';
}

/** The files bucket's two host names: presigned links use the regional one, some SDK paths the global one. */
export function filesOrigins(bucket: s3.IBucket): string[] {
  return [`https://${bucket.bucketRegionalDomainName}`, `https://${bucket.bucketDomainName}`];
}

/**
 * The web page: a private S3 bucket served only through CloudFront (Origin Access Control, HTTPS only, security
 * headers), holding the esbuild bundle (web/build.ts, built at synth) and a generated config.json with the wss:// URL.
 */
export class WebSite extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** https://<id>.cloudfront.net: the origin the files bucket's CORS allows. */
  readonly origin: string;
  /** The page's URL (a stack output). */
  readonly url: string;

  constructor(scope: Construct, id: string, props: WebSiteProps) {
    super(scope, id);
    const destroy = props.removalPolicy === 'destroy';
    const region = Stack.of(this).region;
    const suffix = Stack.of(this).urlSuffix;

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'web/',
      removalPolicy: destroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      autoDeleteObjects: destroy,
    });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      // CloudFront is global: a policy name must be unique in the account, so it names the region as well as the
      // stack (the same stage deployed in two regions would otherwise collide).
      responseHeadersPolicyName: Fn.join('-', [Stack.of(this).stackName, Aws.REGION, 'page-headers']),
      comment: 'obrol web page: CSP limited to the chat WebSocket and the files bucket, HSTS, no framing',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          // The header cannot name the files bucket (its CORS names this distribution: CloudFormation would see a
          // cycle), so it allows the region's S3 hosts; the <meta> policy below names the exact bucket, and a browser
          // enforces both, so the stricter wins.
          contentSecurityPolicy: pageCsp(
            props.webSocketUrl,
            [`https://*.s3.${region}.${suffix}`, `https://*.s3.${suffix}`],
            { header: true },
          ),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'obrol web page',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    });
    acknowledgeDistribution(this.distribution);
    this.origin = `https://${this.distribution.distributionDomainName}`;
    this.url = `${this.origin}/`;

    const meta = `<meta http-equiv="Content-Security-Policy" content="${pageCsp(props.webSocketUrl, filesOrigins(props.filesBucket))}">`;
    const sources = buildPage().map((file) =>
      s3deploy.Source.data(
        file.path,
        file.path === 'index.html'
          ? file.contents.replace('<meta charset="utf-8">', `<meta charset="utf-8">\n  ${meta}`)
          : file.contents,
      ),
    );
    new s3deploy.BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [...sources, s3deploy.Source.jsonData('config.json', { wsUrl: props.webSocketUrl })],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 256,
    });
    acknowledgeDeploymentHandler(Stack.of(this), this.bucket);
  }
}

function acknowledgeDistribution(distribution: cloudfront.Distribution): void {
  const why = {
    'AwsSolutions-CFR1':
      'The chat is for anyone anywhere; the page is public, static, and holds no data, so no country is excluded.',
    'AwsSolutions-CFR2':
      'The distribution serves a few static files from cache; what costs money is the WebSocket API, which the ' +
      'stage throttles. A WAF web ACL (a monthly charge per ACL and rule) would guard nothing of value here.',
    'AwsSolutions-CFR3':
      'CloudFront standard logs need a bucket with ACLs enabled, which the hardened (BucketOwnerEnforced) buckets ' +
      'of this stack refuse; the page is public and static, and the chat itself is logged at the API stage.',
    'AwsSolutions-CFR4':
      'No custom domain, so the distribution uses the *.cloudfront.net default certificate, whose viewer TLS ' +
      'policy CloudFront fixes; browsers negotiate TLS 1.2 or 1.3 with it. Add a domain and certificate to choose one.',
  };
  for (const [id, reason] of Object.entries(why)) Validations.of(distribution).acknowledge({ id, reason });
}

/** aws-cdk-lib's BucketDeployment runs one singleton function per stack that copies the page into the bucket. */
function acknowledgeDeploymentHandler(stack: Stack, bucket: s3.Bucket): void {
  const handler = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
  if (!handler) return;
  const notOurs =
    "aws-cdk-lib's own BucketDeployment handler (a deploy-time custom resource, not our code; the L2 API does not " +
    'let us replace its role or runtime)';
  Validations.of(handler).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: `${notOurs} comes with this role; the policy only lets it write its logs.`,
    },
    {
      id: 'AwsSolutions-L1',
      reason: `${notOurs} pins its Python runtime; it runs only during deployments.`,
    },
    ...[
      'Action::s3:GetBucket*',
      'Action::s3:GetObject*',
      'Action::s3:List*',
      'Action::s3:Abort*',
      'Action::s3:DeleteObject*',
      'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
      `Resource::<${stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*`,
      'Resource::*',
    ].map((finding) => ({
      id: `AwsSolutions-IAM5[${finding}]`,
      reason:
        `${notOurs}: grantRead on the CDK asset bucket and grantReadWrite on the page bucket are how it syncs the ` +
        "page's objects (keys unknown in advance); Resource::* is cloudfront:CreateInvalidation, which IAM cannot scope.",
    })),
  );
}
