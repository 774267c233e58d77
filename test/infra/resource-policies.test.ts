/**
 * The resource policies of the synthesized stack, evaluated offline (test/support/iam-check.ts) the way AWS would
 * when a service acts on them: API Gateway invoking the route functions, S3 invoking file delivery, SQS feeding the
 * worker through its event source mapping and role, CloudWatch publishing alarms to the alarm topic. The calls the
 * functions themselves make are checked against real traffic in test/local/bundles.test.ts and `npm run test:bundles`.
 */
import { describe, expect, it } from 'vitest';
import type { AwsCall } from '../../local/call-recorder.js';
import { FAKE_ACCOUNT, type FunctionRole, readDeployment, type Template } from '../../local/template.js';
import { evaluate, simulationFor } from '../support/iam-check.js';
import { build } from './app.js';

const region = 'us-east-1';
const deployment = readDeployment(build().template.toJSON() as Template, {
  region,
  tableName: 'obrol',
  bucketName: 'obrol-files',
  queueName: 'obrol-jobs',
});
const { functions, names, stage } = deployment;
const apiArn = `arn:aws:execute-api:${region}:${FAKE_ACCOUNT}:${names.apiId}`;
const queueArn = `arn:aws:sqs:${region}:${FAKE_ACCOUNT}:${names.queueName}`;

function invoke(role: FunctionRole, principal: string, sourceArn: string): Promise<string> {
  const call: AwsCall = {
    function: role,
    action: 'lambda:InvokeFunction',
    resource: functions[role].arn,
    principal,
    context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': FAKE_ACCOUNT, 'aws:SecureTransport': 'true' },
    request: 'test',
  };
  return evaluate(simulationFor(deployment, call));
}

/** A call the function's own role makes (the event source mapping polls with the worker's role). */
function roleCall(role: FunctionRole, action: string, resource: string): Promise<string> {
  return evaluate(
    simulationFor(deployment, {
      function: role,
      action,
      resource,
      context: { 'aws:SecureTransport': 'true' },
      request: 'test',
    }),
  );
}

describe('API Gateway invokes the route functions', () => {
  const routes = [
    ['connect', '$connect'],
    ['disconnect', '$disconnect'],
    ['default', '$default'],
  ] as const;

  it.each(routes)('may invoke %s for %s on this API', async (role, routeKey) => {
    expect(await invoke(role, 'apigateway.amazonaws.com', `${apiArn}/${stage}/${routeKey}`)).toBe('Allowed');
  });

  it.each(routes)('may not invoke %s from another API or another route', async (role, routeKey) => {
    const other = `arn:aws:execute-api:${region}:${FAKE_ACCOUNT}:otherapi99/${stage}/${routeKey}`;
    expect(await invoke(role, 'apigateway.amazonaws.com', other)).not.toBe('Allowed');
    const wrongRoute = routeKey === '$default' ? '$connect' : '$default';
    expect(await invoke(role, 'apigateway.amazonaws.com', `${apiArn}/${stage}/${wrongRoute}`)).not.toBe(
      'Allowed',
    );
    expect(await invoke(role, 's3.amazonaws.com', `arn:aws:s3:::${names.bucketName}`)).not.toBe('Allowed');
  });
});

describe('S3 invokes file delivery', () => {
  it('may invoke it for the files bucket', async () => {
    expect(await invoke('file-uploaded', 's3.amazonaws.com', `arn:aws:s3:::${names.bucketName}`)).toBe(
      'Allowed',
    );
  });

  it('may not invoke it for another bucket, nor may another service', async () => {
    expect(await invoke('file-uploaded', 's3.amazonaws.com', 'arn:aws:s3:::someone-elses-bucket')).not.toBe(
      'Allowed',
    );
    expect(await invoke('file-uploaded', 'apigateway.amazonaws.com', `${apiArn}/${stage}/$default`)).not.toBe(
      'Allowed',
    );
  });
});

describe('SQS feeds the worker', () => {
  it('maps the job queue to the worker and to no other function', () => {
    expect(deployment.eventSourceMappings).toEqual([
      { functionId: functions['job-worker'].logicalId, sourceArn: queueArn },
    ]);
  });

  it("lets the worker's role do what the event source mapping does with it", async () => {
    // What Lambda's SQS poller calls with the function's role.
    for (const action of [
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      'sqs:GetQueueAttributes',
    ])
      expect(`${action}: ${await roleCall('job-worker', action, queueArn)}`).toBe(`${action}: Allowed`);
  });

  it('lets only the worker consume jobs; the other senders may only send', async () => {
    for (const role of ['default', 'disconnect', 'file-uploaded'] as const) {
      expect(await roleCall(role, 'sqs:SendMessage', queueArn)).toBe('Allowed');
      expect(await roleCall(role, 'sqs:ReceiveMessage', queueArn)).not.toBe('Allowed');
      expect(await roleCall(role, 'sqs:DeleteMessage', queueArn)).not.toBe('Allowed');
    }
    expect(await roleCall('connect', 'sqs:SendMessage', queueArn)).not.toBe('Allowed');
  });
});

describe('CloudWatch publishes alarms to the alarm topic', () => {
  it('has one alarm topic, and alarms to publish to it', () => {
    expect(deployment.topicArns).toHaveLength(1);
    expect(deployment.alarmArns.length).toBeGreaterThan(0);
    expect(deployment.topicPolicies.map((p) => p.topicArn)).toEqual(deployment.topicArns);
  });

  /** sns:Publish by CloudWatch for `alarmArn`, against the topic's resource policy. */
  async function publish(alarmArn: string): Promise<string> {
    const [topic] = deployment.topicPolicies;
    if (!topic) throw new Error('no topic policy');
    return evaluate({
      request: {
        principal: 'cloudwatch.amazonaws.com',
        action: 'sns:Publish',
        resource: { resource: topic.topicArn, accountId: FAKE_ACCOUNT },
        contextVariables: {
          'aws:SourceArn': alarmArn,
          'aws:SourceAccount': FAKE_ACCOUNT,
          'aws:SecureTransport': 'true',
        },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: topic.document,
    });
  }

  it('refuses publishing over plain HTTP and by anyone else', async () => {
    const [topic] = deployment.topicPolicies;
    const result = await evaluate({
      request: {
        principal: 'arn:aws:iam::210987654321:root',
        action: 'sns:Publish',
        resource: { resource: String(topic?.topicArn), accountId: FAKE_ACCOUNT },
        contextVariables: { 'aws:SecureTransport': 'false' },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: topic?.document,
    });
    expect(result).toBe('ExplicitlyDenied');
  });

  // The topic policy must allow CloudWatch, not only deny plain HTTP: a policy with only the deny silences every alarm.
  it("lets CloudWatch publish this account's alarms", async () => {
    expect(await publish(deployment.alarmArns[0] as string)).toBe('Allowed');
  });
});
