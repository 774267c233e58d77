/**
 * The deploy preflight (scripts/preflight.ts): the pure assessment over the account's answers, the gathering with
 * stubbed SDK clients (no network), the `-c` settings read as the stack reads them, and the report's exit code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type Answers,
  assess,
  BOOTSTRAP_VERSION_PARAMETER,
  type Clients,
  contextArgs,
  type Finding,
  gather,
  MIN_BOOTSTRAP_VERSION,
  type Plan,
  planOf,
  report,
} from '../../scripts/preflight.js';
import { build } from '../infra/app.js';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

/** An established account, bootstrapped, with the default quota and no API Gateway role yet. */
const healthy: Answers = {
  region: 'eu-west-1',
  identity: { kind: 'found', account: '111122223333', arn: 'arn:aws:iam::111122223333:user/ops' },
  bootstrapVersion: { kind: 'found', version: 27 },
  toolkitStack: { kind: 'found', status: 'UPDATE_COMPLETE' },
  stack: { kind: 'missing' },
  lambda: { kind: 'found', concurrentExecutions: 1000, unreservedConcurrentExecutions: 1000 },
  currentReservation: { kind: 'found', reserved: 0 },
  apiGateway: { kind: 'found', cloudwatchRoleArn: undefined },
};
const plan: Plan = planOf({}, cdkJson.context);
const blockers = (findings: Finding[]) => findings.filter((f) => f.level === 'blocker');
const only = (findings: Finding[], topic: string) => findings.filter((f) => f.topic.startsWith(topic));

describe('assess', () => {
  it('finds nothing blocking on a healthy account with the default settings', () => {
    const findings = assess(healthy, plan);
    expect(blockers(findings)).toEqual([]);
    expect(report(findings, plan).exitCode).toBe(0);
  });

  it('a new account with a concurrency quota of 10: no reservation by default deploys, with a warning', () => {
    const small = {
      ...healthy,
      lambda: { kind: 'found', concurrentExecutions: 10, unreservedConcurrentExecutions: 10 },
    } as const;
    const findings = only(assess(small, plan), 'Lambda');
    expect(blockers(findings)).toEqual([]);
    expect(findings.find((f) => f.level === 'warning')?.fix).toMatch(/Service Quotas/);
  });

  it.each([
    [10, 10, 5],
    [50, 50, 20],
    [1000, 1000, 950],
    [1000, 150, 100],
  ])(
    'quota %i, %i unreserved: reserving %i would leave too little, a blocker naming the -c setting',
    (quota, unreserved, reserved) => {
      const answers = {
        ...healthy,
        lambda: { kind: 'found', concurrentExecutions: quota, unreservedConcurrentExecutions: unreserved },
      } as const;
      const [blocker] = blockers(assess(answers, { ...plan, reservedConcurrency: reserved }));
      expect(blocker?.topic).toBe('Lambda concurrency');
      expect(blocker?.fix).toMatch(/reservedConcurrency/);
      const most = unreserved - Math.min(100, quota);
      if (most > 0) expect(blocker?.fix).toContain(`-c reservedConcurrency=${most} at most`);
    },
  );

  it('accepts a reservation that leaves Lambda its minimum', () => {
    const answers = {
      ...healthy,
      lambda: { kind: 'found', concurrentExecutions: 1000, unreservedConcurrentExecutions: 1000 },
    } as const;
    expect(blockers(assess(answers, { ...plan, reservedConcurrency: 900 }))).toEqual([]);
  });

  it("counts the deployed $default's own reservation as free: a deploy replaces it", () => {
    const redeploy = {
      ...healthy,
      stack: { kind: 'found', status: 'UPDATE_COMPLETE' },
      lambda: { kind: 'found', concurrentExecutions: 1000, unreservedConcurrentExecutions: 900 },
      currentReservation: { kind: 'found', reserved: 100 },
    } as const;
    expect(blockers(assess(redeploy, { ...plan, reservedConcurrency: 850 }))).toEqual([]);
    const elsewhere = { ...redeploy, currentReservation: { kind: 'found', reserved: 0 } } as const;
    expect(blockers(assess(elsewhere, { ...plan, reservedConcurrency: 850 }))).toHaveLength(1);
  });

  it('an unreadable concurrency blocks only a deploy that asks for a reservation', () => {
    const answers = { ...healthy, lambda: { kind: 'unknown', error: 'AccessDeniedException: no' } } as const;
    expect(blockers(assess(answers, plan))).toEqual([]);
    expect(blockers(assess(answers, { ...plan, reservedConcurrency: 10 }))).toHaveLength(1);
  });

  it('not bootstrapped: a blocker with the bootstrap command for this account and region', () => {
    const answers = {
      ...healthy,
      bootstrapVersion: { kind: 'missing' },
      toolkitStack: { kind: 'missing' },
    } as const;
    const [blocker] = blockers(assess(answers, plan));
    expect(blocker?.fix).toBe('npx cdk bootstrap aws://111122223333/eu-west-1');
  });

  it('an old bootstrap or a failed toolkit stack blocks; an unreadable version only warns', () => {
    const old = {
      ...healthy,
      bootstrapVersion: { kind: 'found', version: MIN_BOOTSTRAP_VERSION - 1 },
    } as const;
    expect(blockers(assess(old, plan))[0]?.text).toMatch(/version 5/);
    const failed = { ...healthy, toolkitStack: { kind: 'found', status: 'ROLLBACK_COMPLETE' } } as const;
    expect(blockers(assess(failed, plan))).toHaveLength(1);
    const hidden = { ...healthy, bootstrapVersion: { kind: 'unknown', error: 'AccessDenied' } } as const;
    const findings = assess(hidden, plan);
    expect(blockers(findings)).toEqual([]);
    expect(only(findings, 'CDK bootstrap')[0]?.level).toBe('warning');
  });

  it.each(['ROLLBACK_COMPLETE', 'UPDATE_ROLLBACK_FAILED', 'UPDATE_IN_PROGRESS'])(
    "the app's stack in %s blocks, with what to do",
    (status) => {
      const answers = { ...healthy, stack: { kind: 'found', status } } as const;
      const [blocker] = blockers(assess(answers, plan));
      expect(blocker?.topic).toBe('Stack obrol-prod');
      expect(blocker?.fix).toBeTruthy();
    },
  );

  it('names the stage in the destroy command of a failed dev stack', () => {
    const dev = planOf({ stage: 'dev' }, cdkJson.context);
    const answers = { ...healthy, stack: { kind: 'found', status: 'ROLLBACK_COMPLETE' } } as const;
    expect(blockers(assess(answers, dev))[0]?.fix).toMatch(/^npx cdk destroy -c stage=dev/);
  });

  it('API Gateway role: none and apiGatewayCloudWatchRole=false blocks; a foreign one warns; our own is fine', () => {
    const off = { ...plan, apiGatewayCloudWatchRole: false };
    expect(blockers(assess(healthy, off))[0]?.fix).toMatch(/apiGatewayCloudWatchRole=false/);
    const foreign = {
      ...healthy,
      apiGateway: { kind: 'found', cloudwatchRoleArn: 'arn:aws:iam::111122223333:role/other-project-logs' },
    } as const;
    const warned = only(assess(foreign, plan), 'API Gateway');
    expect(warned[0]).toMatchObject({
      level: 'warning',
      fix: '-c apiGatewayCloudWatchRole=false keeps the existing role.',
    });
    expect(only(assess(foreign, off), 'API Gateway')[0]?.level).toBe('ok');
    const ours = {
      ...healthy,
      apiGateway: {
        kind: 'found',
        cloudwatchRoleArn: 'arn:aws:iam::111122223333:role/obrol-prod-ChatCloudWatchRoleABC-XYZ',
      },
    } as const;
    expect(only(assess(ours, plan), 'API Gateway')[0]?.level).toBe('ok');
  });

  it('with the web page on, says how to deploy without CloudFront; with web=false, says it is left out', () => {
    expect(only(assess(healthy, plan), 'CloudFront')[0]?.fix).toMatch(/-c web=false/);
    const chat = planOf({ web: 'false' }, cdkJson.context);
    expect(assess(healthy, chat).some((f) => f.topic.startsWith('CloudFront'))).toBe(false);
  });

  it('no region or no credentials: one blocker, and nothing else is claimed', () => {
    const noRegion = assess({ ...healthy, region: undefined }, plan);
    expect(noRegion).toHaveLength(1);
    expect(noRegion[0]).toMatchObject({ level: 'blocker', topic: 'Region' });
    const noCredentials = assess(
      { ...healthy, identity: { kind: 'unknown', error: 'CredentialsProviderError' } },
      plan,
    );
    expect(noCredentials).toEqual([expect.objectContaining({ level: 'blocker', topic: 'Credentials' })]);
  });
});

/** Stubbed clients: each answers its command by name, or throws the given error. */
function stubs(answers: Record<string, unknown | Error>, asked: string[] = []): Clients {
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const key =
        command.constructor.name === 'DescribeStacksCommand'
          ? `DescribeStacks ${command.input.StackName}`
          : command.constructor.name.replace(/Command$/, '');
      asked.push(key);
      const answer = answers[key];
      if (answer instanceof Error) throw answer;
      if (answer === undefined) throw new Error(`unexpected ${key}`);
      return answer;
    },
  };
  return { sts: client, ssm: client, cloudFormation: client, lambda: client, apiGateway: client };
}
const named = (name: string, message = name) => Object.assign(new Error(message), { name });

describe('gather (stubbed SDK clients)', () => {
  const found = {
    GetCallerIdentity: { Account: '111122223333', Arn: 'arn:aws:iam::111122223333:user/ops' },
    GetParameter: { Parameter: { Name: BOOTSTRAP_VERSION_PARAMETER, Value: '27' } },
    'DescribeStacks CDKToolkit': { Stacks: [{ StackStatus: 'UPDATE_COMPLETE' }] },
    'DescribeStacks obrol-prod': named('ValidationError', 'Stack with id obrol-prod does not exist'),
    GetAccountSettings: {
      AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 },
    },
    GetAccount: {},
  };

  it('reads each answer', async () => {
    const asked: string[] = [];
    expect(await gather(stubs(found, asked), 'eu-west-1', plan)).toEqual(healthy);
    expect(asked.sort()).toEqual(Object.keys(found).sort());
  });

  it('tells missing (ParameterNotFound, a stack that does not exist) from unknown (any other error)', async () => {
    const answers = await gather(
      stubs({
        ...found,
        GetParameter: named('ParameterNotFound'),
        'DescribeStacks CDKToolkit': named('ValidationError', 'Stack with id CDKToolkit does not exist'),
        GetAccountSettings: named('AccessDeniedException', 'not authorized'),
        GetAccount: named('TooManyRequestsException'),
        'DescribeStacks obrol-prod': named('AccessDenied'),
      }),
      'eu-west-1',
      plan,
    );
    expect(answers.bootstrapVersion).toEqual({ kind: 'missing' });
    expect(answers.toolkitStack).toEqual({ kind: 'missing' });
    expect(answers.lambda).toEqual({ kind: 'unknown', error: 'AccessDeniedException: not authorized' });
    expect(answers.apiGateway.kind).toBe('unknown');
    expect(answers.stack.kind).toBe('unknown');
    // …which the assessment reads as a blocker (not bootstrapped) and warnings, not as "fine".
    const findings = assess(answers, plan);
    expect(blockers(findings).map((f) => f.topic)).toEqual(['CDK bootstrap']);
    expect(report(findings, plan).exitCode).toBe(1);
  });

  it('asks nothing more once the credentials fail, and nothing at all without a region', async () => {
    const asked: string[] = [];
    const answers = await gather(
      stubs({ ...found, GetCallerIdentity: named('ExpiredToken') }, asked),
      'eu-west-1',
      plan,
    );
    expect(asked).toEqual(['GetCallerIdentity']);
    expect(answers.identity).toEqual({ kind: 'unknown', error: 'ExpiredToken: ExpiredToken' });
    const none: string[] = [];
    await gather(stubs(found, none), undefined, plan);
    expect(none).toEqual([]);
  });

  it("reads the deployed $default's reservation when the stack exists", async () => {
    const asked: string[] = [];
    const answers = await gather(
      stubs(
        {
          ...found,
          'DescribeStacks obrol-prod': { Stacks: [{ StackStatus: 'UPDATE_COMPLETE' }] },
          DescribeStackResources: {
            StackResources: [
              {
                ResourceType: 'AWS::IAM::Role',
                LogicalResourceId: 'DefaultRouteRole1234ABCD',
                PhysicalResourceId: 'r',
              },
              {
                ResourceType: 'AWS::Lambda::Function',
                LogicalResourceId: 'DefaultRoute2627871E',
                PhysicalResourceId: 'obrol-prod-DefaultRoute2627871E-abc',
              },
            ],
          },
          GetFunctionConcurrency: { ReservedConcurrentExecutions: 100 },
        },
        asked,
      ),
      'eu-west-1',
      plan,
    );
    expect(answers.currentReservation).toEqual({ kind: 'found', reserved: 100 });
    expect(asked).toContain('GetFunctionConcurrency');
  });

  it('a stack in ROLLBACK_COMPLETE is read as such', async () => {
    const answers = await gather(
      stubs({ ...found, 'DescribeStacks obrol-prod': { Stacks: [{ StackStatus: 'ROLLBACK_COMPLETE' }] } }),
      'eu-west-1',
      plan,
    );
    expect(answers.stack).toEqual({ kind: 'found', status: 'ROLLBACK_COMPLETE' });
  });
});

describe('settings and report', () => {
  it('reads -c settings the way the stack does, over cdk.json', () => {
    expect(
      contextArgs(['-c', 'reservedConcurrency=20', '--context', 'web=false', '--context=stage=dev']),
    ).toEqual({
      reservedConcurrency: '20',
      web: 'false',
      stage: 'dev',
    });
    expect(() => contextArgs(['--force'])).toThrow(/unknown argument/);
    expect(() => contextArgs(['-c', 'novalue'])).toThrow(/key=value/);
    expect(plan).toEqual({
      stackName: 'obrol-prod',
      stage: 'prod',
      reservedConcurrency: undefined,
      web: true,
      apiGatewayCloudWatchRole: true,
    });
    expect(
      planOf({ reservedConcurrency: '20', web: 'false', apiGatewayCloudWatchRole: 'false' }, cdkJson.context),
    ).toMatchObject({
      reservedConcurrency: 20,
      web: false,
      apiGatewayCloudWatchRole: false,
    });
    expect(() => planOf({ reservedConcurrency: 'lots' })).toThrow(/reservedConcurrency/);
  });

  it('prints each finding with its fix, and exits 1 on a blocker', () => {
    const { lines, exitCode } = report(
      [
        { level: 'ok', topic: 'A', text: 'fine.', fix: 'not shown' },
        { level: 'blocker', topic: 'B', text: 'broken.', fix: '-c b=off' },
      ],
      plan,
    );
    expect(exitCode).toBe(1);
    expect(lines.join('\n')).toContain('BLOCKER  B: broken.');
    expect(lines.join('\n')).toContain('→ -c b=off');
    expect(lines.join('\n')).not.toContain('not shown');
    expect(lines.at(-1)).toMatch(/^NOT READY: 1 thing/);
  });

  it("requires the bootstrap version the app's templates check for", () => {
    const rule = build().template.toJSON().Rules?.CheckBootstrapVersion as {
      Assertions: { Assert: { 'Fn::Not': [{ 'Fn::Contains': [string[], unknown] }] } }[];
    };
    const refused = rule.Assertions[0]?.Assert['Fn::Not'][0]['Fn::Contains'][0].map(Number) as number[];
    expect(MIN_BOOTSTRAP_VERSION).toBe(Math.max(...refused) + 1);
  });
});
