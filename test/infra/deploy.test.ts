/**
 * What a first deploy into a new account depends on (issue 21 D): the alarm topic lets CloudWatch publish, no
 * reservation the account's concurrency quota could refuse, a chat-only stack without CloudFront, the API Gateway
 * account setting waiting for its role, alarms that can fire on sparse series, and names unique per region.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { build, functionId, functionProps } from './app.js';

type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string[];
};
const resourcesOf = (t: Template) => t.toJSON().Resources as Record<string, Resource>;
const { template } = build();
const resources = resourcesOf(template);

describe('alarm notifications reach the topic', () => {
  const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0] as string;
  const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0] as Resource;
  const statements = (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;

  it("lets CloudWatch publish, only from this account and for this stack's alarms", () => {
    expect(policy.Properties.Topics).toEqual([{ Ref: topicId }]);
    const allow = statements.filter((s) => s.Effect === 'Allow');
    expect(allow).toEqual([
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: {
            'aws:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':cloudwatch:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':alarm:obrol-prod-*',
                ],
              ],
            },
          },
        },
      }),
    ]);
    // Every alarm's name falls under that pattern, so each one may publish.
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm')))
      expect(String(alarm.Properties.AlarmName)).toMatch(/^obrol-prod-/);
  });

  it('keeps refusing publishers that do not use TLS', () => {
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  it('scopes the pattern to the stage', () => {
    const dev = build({ stage: 'dev' }).template;
    expect(JSON.stringify(dev.findResources('AWS::SNS::TopicPolicy'))).toContain(':alarm:obrol-dev-*');
  });
});

describe('reserved concurrency', () => {
  const reserved = (t: Template) =>
    Object.values(t.findResources('AWS::Lambda::Function'))
      .map((f) => f.Properties.ReservedConcurrentExecutions)
      .filter((r) => r !== undefined);

  it('reserves nothing unless asked: a new account with a quota of 10 or 50 can deploy', () => {
    expect(reserved(template)).toEqual([]);
    expect(reserved(build({ stage: 'dev' }).template)).toEqual([]);
  });

  it('reserves -c reservedConcurrency=N for $default alone', () => {
    const { template: t } = build({ reservedConcurrency: '20' });
    expect(reserved(t)).toEqual([20]);
    expect(functionProps(t, functionId(t, 'obrol $default')).ReservedConcurrentExecutions).toBe(20);
  });
});

describe('-c web=false: a chat without CloudFront', () => {
  const { template: chat } = build({ web: 'false' });
  const types = new Set(Object.values(resourcesOf(chat)).map((r) => r.Type));

  it('has no CloudFront resource, no page deployment and no WebUrl output', () => {
    expect([...types].filter((t) => t.startsWith('AWS::CloudFront::'))).toEqual([]);
    expect(types).not.toContain('Custom::CDKBucketDeployment');
    expect(Object.keys(chat.toJSON().Outputs)).not.toContain('WebUrl');
  });

  it('still has the whole chat: API, five handlers, table, files bucket, queue, alarms', () => {
    chat.hasOutput('WebSocketUrl', Match.anyValue());
    for (const d of [
      'obrol $connect',
      'obrol $disconnect',
      'obrol $default',
      'obrol file delivery',
      'obrol job worker',
    ])
      functionId(chat, d);
    for (const t of ['AWS::DynamoDB::Table', 'AWS::SQS::Queue', 'AWS::CloudWatch::Alarm'])
      expect(types).toContain(t);
  });

  it('passes cdk-nag', () => {
    const { app } = build({ web: 'false' }, { nag: true });
    expect(() => app.synth()).not.toThrow();
  });

  it('refuses values that are not true or false', () => {
    expect(() => build({ web: 'maybe' })).toThrow(/web/);
  });
});

describe('API Gateway account setting', () => {
  it('waits for its role (IAM propagation) and can be left out', () => {
    const accounts = Object.values(template.findResources('AWS::ApiGateway::Account')) as Resource[];
    expect(accounts).toHaveLength(1);
    const account = accounts[0] as Resource;
    const roleId = (account.Properties.CloudWatchRoleArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    expect(resources[roleId]?.Type).toBe('AWS::IAM::Role');
    expect(account.DependsOn).toEqual(expect.arrayContaining([roleId]));
    // Any policy attached to the role apart from the managed one is waited for too.
    for (const [policyId, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
      if (JSON.stringify(policy.Properties.Roles).includes(roleId))
        expect(account.DependsOn).toContain(policyId);
    }
    const without = build({ apiGatewayCloudWatchRole: 'false' }).template;
    without.resourceCountIs('AWS::ApiGateway::Account', 0);
    expect(JSON.stringify(without.findResources('AWS::IAM::Role'))).not.toContain('apigateway.amazonaws.com');
  });
});

/** The DynamoDB operations shared/ and lambdas/ call, from their lib-dynamodb commands. */
function operationsCalled(): string[] {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
    });
  const operation: Record<string, string> = {
    Get: 'GetItem',
    Put: 'PutItem',
    Update: 'UpdateItem',
    Delete: 'DeleteItem',
    Query: 'Query',
    Scan: 'Scan',
    BatchGet: 'BatchGetItem',
    BatchWrite: 'BatchWriteItem',
    TransactGet: 'TransactGetItems',
    TransactWrite: 'TransactWriteItems',
  };
  const found = new Set<string>();
  for (const file of [...files('shared'), ...files('lambdas')]) {
    const code = readFileSync(file, 'utf8');
    for (const m of code.matchAll(
      /\bnew (Get|Put|Update|Delete|Query|Scan|BatchGet|BatchWrite|TransactGet|TransactWrite)(?:Item)?Command\b/g,
    ))
      found.add(operation[m[1] as string] as string);
  }
  return [...found].sort();
}

describe('alarms over several series', () => {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
    (a) => a.Properties as Record<string, unknown>,
  );
  type Query = { Id: string; Expression?: string; MetricStat?: { Metric: Record<string, unknown> } };

  it('table-system-errors sums, with gaps filled, exactly the operations the code calls', () => {
    const alarm = alarms.find((a) => a.AlarmName === 'obrol-prod-table-system-errors') as {
      Metrics: Query[];
    };
    const stats = alarm.Metrics.filter((m) => m.MetricStat);
    const ops = stats
      .map(
        (m) =>
          ((m.MetricStat?.Metric.Dimensions ?? []) as { Name: string; Value: unknown }[]).find(
            (d) => d.Name === 'Operation',
          )?.Value,
      )
      .sort();
    const called = operationsCalled();
    expect(called).toContain('GetItem');
    expect(ops).toEqual(called);
    const [expression] = alarm.Metrics.filter((m) => m.Expression);
    for (const m of stats) expect(expression?.Expression).toContain(`FILL(${m.Id}, 0)`);
  });

  it('every alarm that adds series fills their gaps with 0 (a sum with one series missing is missing)', () => {
    for (const alarm of alarms) {
      const queries = (alarm.Metrics ?? []) as Query[];
      const ids = queries.filter((m) => m.MetricStat).map((m) => m.Id);
      for (const { Expression } of queries.filter((m) => m.Expression?.includes('+'))) {
        for (const id of ids) {
          const bare = (Expression as string).replace(new RegExp(`FILL\\(${id}, 0\\)`, 'g'), '');
          expect(bare, `${alarm.AlarmName}: ${Expression}`).not.toMatch(new RegExp(`\\b${id}\\b`));
        }
      }
    }
  });
});

describe('names unique per region', () => {
  it("names the page's response headers policy after the stack and the region", () => {
    const [headers] = Object.values(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    const name = JSON.stringify(headers?.Properties.ResponseHeadersPolicyConfig.Name);
    expect(name).toContain('obrol-prod');
    expect(name).toContain('{"Ref":"AWS::Region"}');
  });
});
