import { ArnFormat, CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NAMESPACE } from '../shared/metrics.js';

export interface MonitoringProps {
  /** Every function of the stack, by a short label used in alarm names (`default` → `obrol-prod-default-errors`). */
  readonly functions: Readonly<Record<string, lambda.Function>>;
  readonly api: apigw.WebSocketApi;
  readonly stage: apigw.WebSocketStage;
  readonly table: dynamodb.ITable;
  /** The job queue: alarmed on the age of its oldest message. */
  readonly queue?: sqs.IQueue;
  /** The job queue's dead-letter queue: alarmed on any message in it. */
  readonly deadLetterQueue?: sqs.IQueue;
  /** Subscribed to the alarm topic when given (`-c alarmEmail=ops@example.com`). */
  readonly alarmEmail?: string;
}

/**
 * Every threshold, in one place; docs/OPERATIONS.md argues each one. Periods are in minutes; an alarm fires
 * when `datapoints` of the last `periods` periods breach.
 */
export const THRESHOLDS = {
  /** Handlers catch everything, so any Lambda error is a timeout, a crash or a failed cold start. */
  functionErrors: { threshold: 1, period: 5, periods: 1, datapoints: 1 },
  /** A throttle means the account's concurrency (or $default's reserved concurrency) is exhausted: users get errors. */
  functionThrottles: { threshold: 1, period: 5, periods: 1, datapoints: 1 },
  /** p99 duration at this fraction of the function's timeout, for three periods in a row. */
  durationOfTimeout: { fraction: 0.8, period: 5, periods: 3, datapoints: 3 },
  /** Share of connects + messages that API Gateway answered with an integration or execution error. */
  apiServerErrorRate: { threshold: 0.01, period: 5, periods: 2, datapoints: 2, minRequests: 50 },
  /** Share of connects + messages refused before the integration (4xx: throttling, bad frames). */
  apiClientErrorRate: { threshold: 0.05, period: 5, periods: 3, datapoints: 3, minRequests: 50 },
  /** Read + write throttle events: the SDK retries a few; ten in five minutes, twice, is a hot key or a cap. */
  tableThrottles: { threshold: 10, period: 5, periods: 2, datapoints: 2 },
  /** DynamoDB 5xx: the SDK retries them; seen in two periods in a row, it is DynamoDB's problem, not a blip. */
  tableSystemErrors: { threshold: 1, period: 5, periods: 2, datapoints: 2 },
  /** Pushes that failed for a reason other than 410 Gone, as a share of all pushes. */
  pushFailureRatio: { threshold: 0.05, period: 5, periods: 3, datapoints: 3, minPushes: 20 },
  /** Recipients whose message had to wait, as a share of all recipients (FanOutSize). */
  queuedRatio: { threshold: 0.9, period: 10, periods: 3, datapoints: 3, minRecipients: 50 },
  /** Age of the oldest job, in seconds. */
  queueAgeSeconds: { threshold: 60, period: 1, periods: 5, datapoints: 5 },
  /** Any message in the dead-letter queue is a fan-out that gave up. */
  deadLetters: { threshold: 1, period: 1, periods: 1, datapoints: 1 },
} as const;

/**
 * The table operations shared/ and lambdas/ call (their lib-dynamodb commands; test/infra/deploy.test.ts derives
 * the list from the code and compares). DynamoDB publishes SystemErrors per operation, and only for operations
 * that ran, so an operation listed here that the code never calls would be a series that never exists.
 */
export const TABLE_OPERATIONS = [
  dynamodb.Operation.GET_ITEM,
  dynamodb.Operation.BATCH_GET_ITEM,
  dynamodb.Operation.QUERY,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.DELETE_ITEM,
  dynamodb.Operation.BATCH_WRITE_ITEM,
] as const;

const minutes = (n: number) => Duration.minutes(n);

/** One of the app's own metrics (shared/metrics.ts), summed. */
function appMetric(name: string, period: number, dimensionsMap?: Record<string, string>): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: NAMESPACE,
    metricName: name,
    statistic: cloudwatch.Stats.SUM,
    period: minutes(period),
    ...(dimensionsMap ? { dimensionsMap } : {}),
  });
}

/** A SEARCH over one of the app's metrics that has a dimension, for graphs (alarms cannot use SEARCH). */
function appSearch(name: string, dimensions: string[], stat: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SEARCH('{${NAMESPACE},${dimensions.join(',')}} MetricName="${name}"', '${stat}', 60)`,
    usingMetrics: {},
    period: minutes(1),
  });
}

/**
 * Operations for obrol: an SNS topic every alarm notifies (with an optional e-mail subscription), the alarms
 * argued in docs/OPERATIONS.md, and one dashboard. Built only from what it is given, so adding a function or
 * the job queue is one more prop.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.prefix = Stack.of(this).stackName;

    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `${this.prefix} alarms`,
      enforceSSL: true,
    });
    // With a topic policy present (enforceSSL writes one), a service may only publish what the policy allows: without
    // this statement CloudWatch's alarm actions fail and no alarm reaches anyone. Limited to this account's alarms
    // whose names start with the stack's (every alarm below), so no other alarm can use the topic.
    const stack = Stack.of(this);
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: `${this.prefix}-*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'CloudWatch alarms cannot publish to a topic encrypted with the AWS managed key (aws/sns), only with a ' +
        'customer managed key. The notifications carry alarm names, states and metric values, never user data ' +
        'or messages, which does not justify a key to administer and pay for; publishing requires TLS.',
    });
    if (props.alarmEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }

    for (const [label, fn] of Object.entries(props.functions)) this.functionAlarms(label, fn);
    this.apiAlarms(props.stage);
    this.tableAlarms(props.table);
    this.deliveryAlarms();
    if (props.queue) this.queueAgeAlarm(props.queue);
    if (props.deadLetterQueue) this.deadLetterAlarm(props.deadLetterQueue);

    this.dashboard = this.buildDashboard(props);

    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.topic.topicArn,
      description: 'SNS topic every alarm notifies (subscribe: -c alarmEmail=… or the console)',
    });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboardName });
  }

  private alarm(
    name: string,
    description: string,
    metric: cloudwatch.IMetric,
    rule: { threshold: number; periods: number; datapoints: number },
    runbook = name,
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, `Alarm-${name}`, {
      alarmName: `${this.prefix}-${name}`,
      alarmDescription: `${description} Runbook: docs/OPERATIONS.md, section ${runbook}.`,
      metric,
      threshold: rule.threshold,
      evaluationPeriods: rule.periods,
      datapointsToAlarm: rule.datapoints,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No traffic is not an incident: a quiet night must not page anyone.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }

  private functionAlarms(label: string, fn: lambda.Function): void {
    const t = THRESHOLDS;
    this.alarm(
      `${label}-errors`,
      `The ${label} function failed (timeout, crash or failed cold start).`,
      fn.metricErrors({ period: minutes(t.functionErrors.period), statistic: cloudwatch.Stats.SUM }),
      t.functionErrors,
      'function-errors',
    );
    this.alarm(
      `${label}-throttles`,
      `Lambda throttled the ${label} function: its reserved concurrency or the account's is exhausted.`,
      fn.metricThrottles({ period: minutes(t.functionThrottles.period), statistic: cloudwatch.Stats.SUM }),
      t.functionThrottles,
      'function-throttles',
    );
    const timeoutMs = (fn.timeout ?? Duration.seconds(3)).toMilliseconds();
    this.alarm(
      `${label}-duration`,
      `The ${label} function's p99 duration is near its ${timeoutMs / 1000} s timeout.`,
      fn.metricDuration({ period: minutes(t.durationOfTimeout.period), statistic: 'p99' }),
      { ...t.durationOfTimeout, threshold: Math.round(timeoutMs * t.durationOfTimeout.fraction) },
      'function-duration',
    );
  }

  private apiAlarms(stage: apigw.WebSocketStage): void {
    const rate = (
      name: string,
      description: string,
      errorMetrics: string[],
      rule: { threshold: number; period: number; periods: number; datapoints: number; minRequests: number },
    ) => {
      const sum = (metricName: string) =>
        stage.metric(metricName, { statistic: cloudwatch.Stats.SUM, period: minutes(rule.period) });
      const usingMetrics: Record<string, cloudwatch.IMetric> = {
        connects: sum('ConnectCount'),
        messages: sum('MessageCount'),
      };
      errorMetrics.forEach((metricName, i) => {
        usingMetrics[`e${i}`] = sum(metricName);
      });
      const errors = errorMetrics.map((_, i) => `FILL(e${i}, 0)`).join(' + ');
      const total = 'FILL(connects, 0) + FILL(messages, 0)';
      this.alarm(
        name,
        description,
        new cloudwatch.MathExpression({
          // Below the minimum volume a single error would be a large share: not an incident.
          expression: `IF((${total}) >= ${rule.minRequests}, (${errors}) / (${total}), 0)`,
          usingMetrics,
          label: `${errorMetrics.join(' + ')} / (ConnectCount + MessageCount)`,
          period: minutes(rule.period),
        }),
        rule,
      );
    };
    rate(
      'api-integration-errors',
      'API Gateway could not run or reach the handlers (IntegrationError) for over 1% of requests.',
      ['IntegrationError'],
      THRESHOLDS.apiServerErrorRate,
    );
    rate(
      'api-execution-errors',
      'API Gateway failed while executing the integration (ExecutionError) for over 1% of requests.',
      ['ExecutionError'],
      THRESHOLDS.apiServerErrorRate,
    );
    rate(
      'api-client-errors',
      'API Gateway refused over 5% of requests before the handlers (ClientError: throttling, bad frames).',
      ['ClientError'],
      THRESHOLDS.apiClientErrorRate,
    );
  }

  private tableAlarms(table: dynamodb.ITable): void {
    const t = THRESHOLDS;
    const period = minutes(t.tableThrottles.period);
    this.alarm(
      'table-throttles',
      'DynamoDB throttled reads or writes on the table beyond what the SDK retries absorb.',
      new cloudwatch.MathExpression({
        expression: 'FILL(reads, 0) + FILL(writes, 0)',
        usingMetrics: {
          reads: table.metric('ReadThrottleEvents', { statistic: cloudwatch.Stats.SUM, period }),
          writes: table.metric('WriteThrottleEvents', { statistic: cloudwatch.Stats.SUM, period }),
        },
        label: 'ReadThrottleEvents + WriteThrottleEvents',
        period,
      }),
      t.tableThrottles,
    );
    // One series per operation, each present only in periods where that operation failed: a plain sum (what
    // metricSystemErrorsForOperations builds) is missing whenever one operation had no error, so it would almost
    // never fire. Every series is filled with 0 before adding.
    const errorsPeriod = minutes(t.tableSystemErrors.period);
    const usingMetrics: Record<string, cloudwatch.IMetric> = {};
    TABLE_OPERATIONS.forEach((operation, i) => {
      usingMetrics[`op${i}`] = table.metric('SystemErrors', {
        dimensionsMap: { TableName: table.tableName, Operation: operation },
        statistic: cloudwatch.Stats.SUM,
        period: errorsPeriod,
      });
    });
    this.alarm(
      'table-system-errors',
      'DynamoDB answered requests on the table with internal errors (5xx), two periods in a row.',
      new cloudwatch.MathExpression({
        expression: Object.keys(usingMetrics)
          .map((id) => `FILL(${id}, 0)`)
          .join(' + '),
        usingMetrics,
        label: `SystemErrors (${TABLE_OPERATIONS.join(', ')})`,
        period: errorsPeriod,
      }),
      t.tableSystemErrors,
    );
  }

  private deliveryAlarms(): void {
    const p = THRESHOLDS.pushFailureRatio;
    const all = 'FILL(d, 0) + FILL(g, 0) + FILL(f, 0)';
    this.alarm(
      'push-failures',
      'Over 5% of pushes to connections failed (not counting 410 Gone): recipients get messages late.',
      new cloudwatch.MathExpression({
        expression: `IF((${all}) >= ${p.minPushes}, FILL(f, 0) / (${all}), 0)`,
        usingMetrics: {
          d: appMetric('PushesDelivered', p.period),
          g: appMetric('PushesGone', p.period),
          f: appMetric('PushesFailed', p.period),
        },
        label: 'PushesFailed / all pushes',
        period: minutes(p.period),
      }),
      p,
    );
    const q = THRESHOLDS.queuedRatio;
    this.alarm(
      'queued-ratio',
      'Nearly every recipient got no push and their message waits for the next AUTH.',
      new cloudwatch.MathExpression({
        expression: `IF(FILL(n, 0) >= ${q.minRecipients}, FILL(q, 0) / n, 0)`,
        usingMetrics: { q: appMetric('MessagesQueued', q.period), n: appMetric('FanOutSize', q.period) },
        label: 'MessagesQueued / FanOutSize',
        period: minutes(q.period),
      }),
      q,
    );
  }

  private queueAgeAlarm(queue: sqs.IQueue): void {
    const t = THRESHOLDS.queueAgeSeconds;
    this.alarm(
      'queue-age',
      'The oldest job has waited over a minute: group messages and files are arriving late.',
      queue.metricApproximateAgeOfOldestMessage({
        period: minutes(t.period),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      t,
    );
  }

  private deadLetterAlarm(deadLetterQueue: sqs.IQueue): void {
    const t = THRESHOLDS.deadLetters;
    this.alarm(
      'dead-letters',
      'A job failed every retry and sits in the dead-letter queue: its recipients have not been told.',
      deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: minutes(t.period),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      t,
    );
  }

  private buildDashboard(props: MonitoringProps): cloudwatch.Dashboard {
    const perMinute = { statistic: cloudwatch.Stats.SUM, period: minutes(1) };
    const stageSum = (name: string) => props.stage.metric(name, { ...perMinute, label: name });
    const app = (name: string) => appMetric(name, 1).with({ label: name });
    const fns = Object.entries(props.functions);
    const wide = { width: 12, height: 6 };

    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: this.prefix,
      defaultInterval: Duration.hours(3),
    });
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# ${this.prefix}\nAlarms and what to do about them: docs/OPERATIONS.md in the repository.`,
        width: 24,
        height: 2,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        ...wide,
        title: 'Connections and messages per minute',
        left: [stageSum('ConnectCount'), stageSum('MessageCount')],
        right: [appSearch('Commands', ['command'], 'Sum')],
        rightYAxis: { label: 'commands by word', showUnits: false },
      }),
      new cloudwatch.GraphWidget({
        ...wide,
        title: 'Delivery outcomes per minute',
        left: ['PushesDelivered', 'PushesGone', 'PushesFailed', 'MessagesQueued', 'OfflineDelivered'].map(
          app,
        ),
        right: [app('UploadsArrived'), appSearch('UploadsFailed', ['reason'], 'Sum')],
        rightYAxis: { label: 'uploads', showUnits: false },
        stacked: false,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        ...wide,
        title: 'Command latency p50 / p99 (ms)',
        left: [appSearch('CommandDuration', ['command'], 'p50')],
        right: [appSearch('CommandDuration', ['command'], 'p99')],
        leftYAxis: { label: 'p50', showUnits: false },
        rightYAxis: { label: 'p99', showUnits: false },
      }),
      new cloudwatch.GraphWidget({
        ...wide,
        title: 'Function duration p99 (ms)',
        left: fns.map(([label, fn]) =>
          fn.metricDuration({ statistic: 'p99', period: minutes(1), label: `${label} p99` }),
        ),
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        ...wide,
        title: 'Errors and throttles',
        left: [
          ...fns.flatMap(([label, fn]) => [
            fn.metricErrors({ ...perMinute, label: `${label} errors` }),
            fn.metricThrottles({ ...perMinute, label: `${label} throttles` }),
          ]),
          app('InternalErrors'),
          stageSum('IntegrationError'),
          stageSum('ExecutionError'),
          stageSum('ClientError'),
          props.table.metric('ReadThrottleEvents', { ...perMinute, label: 'table read throttles' }),
          props.table.metric('WriteThrottleEvents', { ...perMinute, label: 'table write throttles' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        ...wide,
        title: 'Answers that were errors, by reason',
        left: [appSearch('CommandErrors', ['command', 'reason'], 'Sum')],
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        ...wide,
        title: 'Cost drivers: API Gateway messages and connections, Lambda invocations',
        left: [stageSum('MessageCount'), stageSum('ConnectCount')],
        right: fns.map(([label, fn]) =>
          fn.metricInvocations({ ...perMinute, label: `${label} invocations` }),
        ),
      }),
      new cloudwatch.GraphWidget({
        ...wide,
        title: 'Cost drivers: DynamoDB capacity units consumed per minute',
        left: [
          props.table.metricConsumedReadCapacityUnits({ ...perMinute, label: 'RCU' }),
          props.table.metricConsumedWriteCapacityUnits({ ...perMinute, label: 'WCU' }),
        ],
      }),
    );
    if (props.queue || props.deadLetterQueue) {
      dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          width: 24,
          height: 6,
          title: 'Fan-out queue',
          left: props.queue
            ? [
                props.queue.metricApproximateAgeOfOldestMessage({
                  period: minutes(1),
                  label: 'oldest job (s)',
                }),
              ]
            : [],
          right: props.deadLetterQueue
            ? [
                props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
                  period: minutes(1),
                  label: 'dead letters',
                }),
              ]
            : [],
        }),
      );
    }
    return dashboard;
  }
}
