import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { pageCsp } from '../../web/csp.js';
import { build } from './app.js';

const { template } = build();
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
const resources = template.toJSON().Resources as Resources;
const idOf = (type: string, pick: (props: Record<string, unknown>) => boolean = () => true): string => {
  const ids = Object.entries(resources)
    .filter(([, r]) => r.Type === type && pick(r.Properties ?? {}))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0] as string;
};

const distributionId = idOf('AWS::CloudFront::Distribution');
const distribution = resources[distributionId]?.Properties.DistributionConfig as Record<string, unknown>;
const siteBucketId = (distribution.Origins as { DomainName: { 'Fn::GetAtt': [string, string] } }[])[0]
  ?.DomainName['Fn::GetAtt'][0] as string;
const filesBucketId = idOf(
  'AWS::S3::Bucket',
  (p) => p.NotificationConfiguration !== undefined || !!p.CorsConfiguration,
);
const apiId = idOf('AWS::ApiGatewayV2::Api');
const json = (value: unknown) => JSON.stringify(value);

describe('web page: bucket and CloudFront', () => {
  it('keeps the page bucket private, encrypted, TLS-only and logged', () => {
    const bucket = resources[siteBucketId]?.Properties as Record<string, unknown>;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(json(bucket.BucketEncryption)).toContain('AES256');
    expect(bucket.LoggingConfiguration).toEqual(expect.objectContaining({ LogFilePrefix: 'web/' }));
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: siteBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets only this distribution read the page bucket, through Origin Access Control', () => {
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always' },
    });
    const origin = (distribution.Origins as Record<string, unknown>[])[0] as Record<string, unknown>;
    expect(json(origin.OriginAccessControlId)).toContain('OriginAccessControl');
    const policyId = idOf('AWS::S3::BucketPolicy', (p) => json(p.Bucket) === json({ Ref: siteBucketId }));
    const document = resources[policyId]?.Properties.PolicyDocument as {
      Statement: Record<string, unknown>[];
    };
    const allow = document.Statement.filter((s) => s.Effect === 'Allow');
    expect(allow).toHaveLength(1);
    expect(allow[0]?.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(allow[0]?.Action).toBe('s3:GetObject');
    expect(json(allow[0]?.Condition)).toContain(distributionId);
  });

  it('serves HTTPS only, index.html at the root, with the security headers policy', () => {
    const behavior = distribution.DefaultCacheBehavior as Record<string, unknown>;
    expect(behavior.ViewerProtocolPolicy).toBe('https-only');
    expect(behavior.AllowedMethods).toEqual(['GET', 'HEAD']);
    expect(distribution.DefaultRootObject).toBe('index.html');
    const policyId = idOf('AWS::CloudFront::ResponseHeadersPolicy');
    expect(behavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    const config = resources[policyId]?.Properties.ResponseHeadersPolicyConfig as Record<string, unknown>;
    const headers = config.SecurityHeadersConfig as Record<string, Record<string, unknown>>;
    expect(headers.StrictTransportSecurity).toEqual(
      expect.objectContaining({ AccessControlMaxAgeSec: 31_536_000, IncludeSubdomains: true }),
    );
    expect(headers.ContentTypeOptions).toEqual({ Override: true });
    expect(headers.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
    const csp = json(headers.ContentSecurityPolicy?.ContentSecurityPolicy);
    expect(csp).toContain(`connect-src 'self' wss://","Ref":"${apiId}"`.replace('","Ref"', '",{"Ref"'));
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-');
    // The header cannot name the files bucket (its CORS names this distribution: a cycle), so it allows the
    // region's S3 hosts; the exact bucket is in the page's own <meta> CSP, checked below.
    expect(csp).toContain(`; connect-src 'self' wss://`);
    expect(csp).not.toMatch(/connect-src[^;]*\s\*[\s;]/);
  });

  it('outputs the page URL', () => {
    template.hasOutput('WebUrl', {
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/']] },
    });
  });
});

describe('web page: deployed files', () => {
  const deployment = Object.values(resources).find((r) => r.Type === 'Custom::CDKBucketDeployment')
    ?.Properties as Record<string, unknown>;

  it('copies the page and a generated config.json into the page bucket, then invalidates the cache', () => {
    expect(deployment.DestinationBucketName).toEqual({ Ref: siteBucketId });
    expect(deployment.DistributionId).toEqual({ Ref: distributionId });
    expect(deployment.DistributionPaths).toEqual(['/*']);
    // app.js, index.html, style.css and config.json: one source each.
    expect(deployment.SourceObjectKeys).toHaveLength(4);
  });

  it('fills the wss:// URL into config.json and the exact files bucket into the page CSP at deploy time', () => {
    const markers = json(deployment.SourceMarkers);
    expect(markers).toContain(json({ Ref: apiId }));
    expect(markers).toContain(json({ 'Fn::GetAtt': [filesBucketId, 'RegionalDomainName'] }));
    expect(json(deployment.SourceMarkersConfig)).toContain('jsonEscape');
  });

  it('builds a CSP that names the WebSocket and the files bucket and nothing else to connect to', () => {
    const csp = pageCsp('wss://abc.example/prod', ['https://files.example']);
    expect(csp).toContain("connect-src 'self' wss://abc.example/prod https://files.example");
    expect(csp).toContain("img-src 'self' blob: https://files.example");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe');
  });
});

describe('files bucket CORS', () => {
  it('allows the page origin, and no other, to POST upload forms and GET files', () => {
    const cors = resources[filesBucketId]?.Properties.CorsConfiguration as {
      CorsRules: Record<string, unknown>[];
    };
    expect(cors.CorsRules).toHaveLength(1);
    const rule = cors.CorsRules[0] as Record<string, unknown>;
    expect(rule.AllowedMethods).toEqual(['POST', 'GET']);
    expect(rule.AllowedOrigins).toEqual([
      { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] },
    ]);
  });
});
