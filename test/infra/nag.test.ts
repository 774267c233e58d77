import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { readSettings } from '../../infra/config.js';
import { applyNag } from '../../infra/nag.js';
import { build } from './app.js';

describe('cdk-nag AwsSolutions', () => {
  it('fails synthesis on an unacknowledged finding (the check has teeth)', () => {
    const app = new App();
    const stack = new Stack(app, 'Bad');
    new s3.Bucket(stack, 'Unlogged');
    applyNag(app);
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });

  it.each<Record<string, string>>([{}, { stage: 'dev' }])(
    'leaves no finding unacknowledged (context %j)',
    (context) => {
      const { app } = build(context, { nag: true });
      expect(() => app.synth()).not.toThrow();
    },
  );
});

describe('context settings', () => {
  it('defaults a non-prod stage to destroy: buckets auto-empty, table and logs are deleted with the stack', () => {
    const { stack, template } = build({ stage: 'dev' });
    expect(stack.stackName).toBe('obrol-dev');
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 3);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: 'dev' });
    template.hasOutput('WebSocketUrl', {
      Value: { 'Fn::Join': ['', Match.arrayWith(['wss://', '/dev'])] },
    });
  });

  it('lets removalPolicy=retain override the stage default', () => {
    const { template } = build({ stage: 'dev', removalPolicy: 'retain' });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  it('reads throttling, file retention and the CloudWatch role switch from context', () => {
    const { template } = build({
      throttleRateLimit: '7',
      throttleBurstLimit: '9',
      fileRetentionDays: '3',
      apiGatewayCloudWatchRole: 'false',
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 7, ThrottlingBurstLimit: 9 },
    });
    const rules = Object.values(template.findResources('AWS::S3::Bucket'))
      .flatMap(
        (b) =>
          (b.Properties.LifecycleConfiguration?.Rules ?? []) as { Id: string; ExpirationInDays?: number }[],
      )
      .filter((r) => r.Id === 'expire-files');
    expect(rules).toEqual([expect.objectContaining({ ExpirationInDays: 3 })]);
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  it('reads the per-address budgets, reserved concurrency and route throttles from context', () => {
    const { template } = build({
      throttleRateLimit: '40',
      throttleBurstLimit: '80',
      ipBudgetWindowSeconds: '60',
      ipBudgetRegister: '5',
      ipBudgetGroupCreate: '6',
      ipBudgetAuth: '7',
      reservedConcurrency: '25',
      defaultRouteThrottleRateLimit: '30',
    });
    const fns = Object.values(template.findResources('AWS::Lambda::Function'));
    const defaultRoute = fns.find((f) => String(f.Properties.Description).startsWith('obrol $default'));
    expect(defaultRoute?.Properties.ReservedConcurrentExecutions).toBe(25);
    expect(defaultRoute?.Properties.Environment.Variables).toMatchObject({
      IP_BUDGET_WINDOW_SECONDS: '60',
      IP_BUDGET_REGISTER: '5',
      IP_BUDGET_GROUP_CREATE: '6',
      IP_BUDGET_AUTH: '7',
    });
    // $connect follows the stage at half; $default's rate was set, its burst follows the stage.
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 40, ThrottlingBurstLimit: 80 },
      RouteSettings: {
        $connect: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
        $default: { ThrottlingRateLimit: 30, ThrottlingBurstLimit: 80 },
      },
    });
    const explicit = build({ connectThrottleRateLimit: '3', connectThrottleBurstLimit: '4' }).template;
    explicit.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      RouteSettings: { $connect: { ThrottlingRateLimit: 3, ThrottlingBurstLimit: 4 } },
    });
  });

  it.each(['off', 'false', '0'])('drops reserved concurrency with reservedConcurrency=%s', (off) => {
    const { template } = build({ reservedConcurrency: off, defaultReservedConcurrency: '30' });
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function')))
      expect(fn.Properties).not.toHaveProperty('ReservedConcurrentExecutions');
    expect(() => readSettings(new App({ context: { reservedConcurrency: 'lots' } }).node)).toThrow(
      /reservedConcurrency/,
    );
  });

  it('still reads the former name, defaultReservedConcurrency', () => {
    const settings = (context: Record<string, string>) => readSettings(new App({ context }).node);
    expect(settings({ defaultReservedConcurrency: '12' }).defaultReservedConcurrency).toBe(12);
    expect(
      settings({ reservedConcurrency: '7', defaultReservedConcurrency: '12' }).defaultReservedConcurrency,
    ).toBe(7);
    expect(settings({}).defaultReservedConcurrency).toBeUndefined();
  });

  it('rejects nonsense instead of deploying it', () => {
    const settings = (context: Record<string, string>) => readSettings(new App({ context }).node);
    expect(() => settings({ removalPolicy: 'maybe' })).toThrow(/removalPolicy/);
    expect(() => settings({ throttleRateLimit: '-1' })).toThrow(/throttleRateLimit/);
    expect(() => settings({ stage: 'no spaces' })).toThrow(/stage/);
    expect(settings({}).removalPolicy).toBe('retain');
  });

  it('is environment-agnostic: no account or region is baked in', () => {
    const { stack } = build();
    expect(stack.environment).toBe('aws://unknown-account/unknown-region');
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toMatch(/:\d{12}:|[a-z]{2}-[a-z]+-\d/);
  });
});
