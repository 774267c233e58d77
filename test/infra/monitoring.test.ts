/**
 * Monitoring in the template: the alarm topic (and its optional e-mail), every alarm with its metric and
 * threshold, wired to the topic, the job queue alarms when a queue is given, the dashboard, and Lambda's
 * JSON log format on every obrol function.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { readSettings } from '../../infra/config.js';
import { Monitoring, THRESHOLDS } from '../../infra/monitoring.js';
import { build } from './app.js';

const { template } = build();
type Props = Record<string, unknown>;
const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
  (r) => r.Properties as Props,
);
const alarmNamed = (name: string): Props => {
  const found = alarms.find((a) => a.AlarmName === `obrol-prod-${name}`);
  if (!found) throw new Error(`no alarm obrol-prod-${name}`);
  return found;
};
const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0] as string;
const FUNCTIONS = ['connect', 'disconnect', 'default', 'file-uploaded', 'job-worker'];
const TIMEOUT_MS: Record<string, number> = { 'file-uploaded': 30_000, 'job-worker': 60_000 };

/** Every metric an alarm's expression reads: [namespace, name, dimension names]. */
function metricsOf(alarm: Props): [string, string, string[]][] {
  const stat = (m: {
    MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string }[] } };
  }) => m.MetricStat?.Metric;
  const list =
    alarm.Metrics === undefined
      ? [{ Namespace: alarm.Namespace, MetricName: alarm.MetricName, Dimensions: alarm.Dimensions }]
      : (alarm.Metrics as Parameters<typeof stat>[0][]).map(stat).filter((m) => m !== undefined);
  return list.map((m) => [
    String(m.Namespace),
    String(m.MetricName),
    ((m.Dimensions ?? []) as { Name: string }[]).map((d) => d.Name).sort(),
  ]);
}

describe('alarm topic', () => {
  it('has a topic that refuses plain HTTP publishers and, by default, no subscription', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasOutput('*', { Value: { Ref: topicId } });
  });

  it('subscribes the e-mail from -c alarmEmail, and refuses what is not an address', () => {
    build({ alarmEmail: 'ops@example.com' }).template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    expect(() => readSettings(new App({ context: { alarmEmail: 'not an address' } }).node)).toThrow(
      /alarmEmail/,
    );
  });
});

describe('alarms', () => {
  const expected = [
    ...FUNCTIONS.flatMap((f) => [`${f}-errors`, `${f}-throttles`, `${f}-duration`]),
    'api-integration-errors',
    'api-execution-errors',
    'api-client-errors',
    'table-throttles',
    'table-system-errors',
    'push-failures',
    'queued-ratio',
    'queue-age',
    'dead-letters',
  ];

  it('are exactly the argued set, each notifying the topic on alarm and on recovery', () => {
    expect(alarms.map((a) => String(a.AlarmName).replace('obrol-prod-', '')).sort()).toEqual(
      [...expected].sort(),
    );
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions).toEqual([{ Ref: topicId }]);
      expect(alarm.TreatMissingData).toBe('notBreaching');
      expect(alarm.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
      expect(String(alarm.AlarmDescription)).toMatch(/docs\/OPERATIONS\.md/);
    }
  });

  it.each(FUNCTIONS)(
    'watch the %s function: errors, throttles, and p99 duration at 80%% of its timeout',
    (f) => {
      const timeoutMs = TIMEOUT_MS[f] ?? 10_000;
      for (const [name, metric] of [
        ['errors', 'Errors'],
        ['throttles', 'Throttles'],
        ['duration', 'Duration'],
      ] as const) {
        const alarm = alarmNamed(`${f}-${name}`);
        expect(metricsOf(alarm)).toEqual([['AWS/Lambda', metric, ['FunctionName']]]);
      }
      expect(alarmNamed(`${f}-errors`)).toMatchObject({ Threshold: 1, Statistic: 'Sum', Period: 300 });
      expect(alarmNamed(`${f}-throttles`)).toMatchObject({ Threshold: 1, Statistic: 'Sum' });
      expect(alarmNamed(`${f}-duration`)).toMatchObject({
        Threshold: timeoutMs * THRESHOLDS.durationOfTimeout.fraction,
        ExtendedStatistic: 'p99',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
      });
    },
  );

  it.each([
    ['api-integration-errors', 'IntegrationError', 0.01],
    ['api-execution-errors', 'ExecutionError', 0.01],
    ['api-client-errors', 'ClientError', 0.05],
  ])(
    'rate %s: %s over connects + messages of this API and stage, above a minimum volume',
    (name, metric, t) => {
      const alarm = alarmNamed(name);
      expect(alarm.Threshold).toBe(t);
      const read = metricsOf(alarm);
      expect(read.map(([, n]) => n).sort()).toEqual([metric, 'ConnectCount', 'MessageCount'].sort());
      for (const [ns, , dims] of read) {
        expect(ns).toBe('AWS/ApiGateway');
        expect(dims).toEqual(['ApiId', 'Stage']);
      }
      expect(JSON.stringify(alarm.Metrics)).toMatch(/IF\(.*>= 50/);
    },
  );

  it('watch the table: throttle events and system errors', () => {
    const throttles = alarmNamed('table-throttles');
    expect(metricsOf(throttles)).toEqual([
      ['AWS/DynamoDB', 'ReadThrottleEvents', ['TableName']],
      ['AWS/DynamoDB', 'WriteThrottleEvents', ['TableName']],
    ]);
    expect(throttles.Threshold).toBe(THRESHOLDS.tableThrottles.threshold);
    const errors = metricsOf(alarmNamed('table-system-errors'));
    expect(errors.length).toBeLessThanOrEqual(10);
    expect(new Set(errors.map(([ns, n, d]) => `${ns} ${n} ${d.join(',')}`))).toEqual(
      new Set(['AWS/DynamoDB SystemErrors Operation,TableName']),
    );
  });

  it('watch delivery through the app metrics: push failure ratio and queued-for-later ratio', () => {
    const pushes = alarmNamed('push-failures');
    expect(
      metricsOf(pushes)
        .map(([ns, n]) => `${ns}/${n}`)
        .sort(),
    ).toEqual(['obrol/PushesDelivered', 'obrol/PushesFailed', 'obrol/PushesGone']);
    expect(pushes.Threshold).toBe(0.05);
    const queued = alarmNamed('queued-ratio');
    expect(
      metricsOf(queued)
        .map(([ns, n]) => `${ns}/${n}`)
        .sort(),
    ).toEqual(['obrol/FanOutSize', 'obrol/MessagesQueued']);
    expect(queued.Threshold).toBe(0.9);
  });
});

describe('job queue alarms (when the stack has the queue)', () => {
  function monitored(withQueues: boolean) {
    const stack = new Stack(new App(), 'obrol-q');
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {}'),
      timeout: Duration.seconds(20),
    });
    const api = new apigw.WebSocketApi(stack, 'Api');
    const stage = new apigw.WebSocketStage(stack, 'Stage', { webSocketApi: api, stageName: 'q' });
    const table = new dynamodb.Table(stack, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });
    const deadLetterQueue = new sqs.Queue(stack, 'Dlq');
    const queue = new sqs.Queue(stack, 'Queue', {
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 3 },
    });
    new Monitoring(stack, 'Monitoring', {
      functions: { worker: fn },
      api,
      stage,
      table,
      ...(withQueues ? { queue, deadLetterQueue } : {}),
    });
    return Template.fromStack(stack);
  }

  it('alarms on the age of the oldest job and on any dead letter', () => {
    const t = monitored(true);
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'obrol-q-queue-age',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Statistic: 'Maximum',
      Threshold: 60,
      EvaluationPeriods: 5,
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'obrol-q-dead-letters',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Dlq'), 'QueueName'] } },
      ],
      Threshold: 1,
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'obrol-q-worker-duration',
      Threshold: 16_000,
    });
  });

  it('has no queue alarms without a queue', () => {
    const names = Object.values(monitored(false).findResources('AWS::CloudWatch::Alarm')).map(
      (r) => r.Properties.AlarmName as string,
    );
    expect(names.filter((n) => /queue-age|dead-letters/.test(n))).toEqual([]);
  });
});

describe('dashboard', () => {
  it('is one dashboard with traffic, delivery, latency, errors and cost drivers', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0] as {
      Properties: { DashboardName: string; DashboardBody: unknown };
    };
    expect(dashboard.Properties.DashboardName).toBe('obrol-prod');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of [
      'Connections and messages per minute',
      'Delivery outcomes per minute',
      'Command latency p50 / p99 (ms)',
      'Errors and throttles',
      'Cost drivers: API Gateway messages and connections, Lambda invocations',
      'Cost drivers: DynamoDB capacity units consumed per minute',
    ]) {
      expect(body).toContain(title);
    }
    for (const metric of [
      'ConnectCount',
      'MessageCount',
      'PushesDelivered',
      'PushesFailed',
      'MessagesQueued',
      'CommandDuration',
      'ConsumedReadCapacityUnits',
      'ConsumedWriteCapacityUnits',
    ]) {
      expect(body).toContain(metric);
    }
    expect(body).toMatch(/'p99'/);
    // The alarm status widget lists every alarm.
    expect(body.match(/MonitoringAlarm/g)?.length).toBe(alarms.length);
  });
});

describe('logs', () => {
  it("uses Lambda's JSON log format with levels on every obrol function", () => {
    const fns = Object.values(template.findResources('AWS::Lambda::Function')).filter((r) =>
      String(r.Properties.Description ?? '').startsWith('obrol'),
    );
    expect(fns).toHaveLength(FUNCTIONS.length);
    for (const fn of fns) {
      expect(fn.Properties.LoggingConfig).toMatchObject({
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        SystemLogLevel: 'INFO',
      });
    }
  });
});
