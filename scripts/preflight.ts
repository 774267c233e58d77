/**
 * `npm run preflight [-- -c key=value …]`: reads what it can of the AWS account before `cdk deploy` and says, in
 * plain words, what would make the deploy fail and which `-c` setting (or one-off command) avoids it. Exit 1 when
 * something blocks the deploy, 0 otherwise. It takes the same `-c` settings as `npm run deploy` and reads them
 * with the stack's own parser (infra/config.ts), over cdk.json's defaults.
 *
 * Credentials and region come from the SDK's default chain (AWS_PROFILE, AWS_REGION, SSO, …), as for the CDK CLI.
 * It only reads: sts:GetCallerIdentity, ssm:GetParameter (the bootstrap version), cloudformation:DescribeStacks
 * (CDKToolkit and the app's stack) and DescribeStackResources (the app's stack, when it exists),
 * lambda:GetAccountSettings and GetFunctionConcurrency ($default's, when the stack exists), and apigateway:GET on the
 * account. A question it
 * may not ask is reported as unknown, never as fine.
 *
 * The checks are a pure function (`assess`) over the answers (`gather`), tested with stubbed SDK clients in
 * test/unit/preflight.test.ts. CloudFront has no API that tells whether the account may create distributions, so
 * for the web page it can only say what to do if CloudFront refuses.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { GetAccountCommand } from '@aws-sdk/client-api-gateway';
import { DescribeStackResourcesCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetAccountSettingsCommand, GetFunctionConcurrencyCommand } from '@aws-sdk/client-lambda';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { App } from 'aws-cdk-lib';
import { readSettings } from '../infra/config.js';

/** The bootstrap version the app's templates require (aws-cdk-lib's DefaultStackSynthesizer; its CheckBootstrapVersion rule). */
export const MIN_BOOTSTRAP_VERSION = 6;
/** Where `cdk bootstrap` (default qualifier) records its version. */
export const BOOTSTRAP_VERSION_PARAMETER = '/cdk-bootstrap/hnb659fds/version';
export const TOOLKIT_STACK = 'CDKToolkit';
/** Lambda keeps this much of the account's concurrency unreserved (all of it on accounts with a smaller quota). */
export const MIN_UNRESERVED_CONCURRENCY = 100;

export type Known<T> = { kind: 'found' } & T;
export type Missing = { kind: 'missing' };
/** The question could not be asked (no permission, no network, throttled): the answer is not known. */
export type Unknown = { kind: 'unknown'; error: string };

export interface Answers {
  region: string | undefined;
  identity: Known<{ account: string; arn: string }> | Unknown;
  bootstrapVersion: Known<{ version: number }> | Missing | Unknown;
  toolkitStack: Known<{ status: string }> | Missing | Unknown;
  /** The app's own stack (obrol-<stage>), if a deploy made it before. */
  stack: Known<{ status: string }> | Missing | Unknown;
  lambda: Known<{ concurrentExecutions: number; unreservedConcurrentExecutions: number }> | Unknown;
  /**
   * What the deployed stack's $default reserves now (0 for none; 0 when there is no stack yet): the account's
   * unreserved figure already leaves it out, and a deploy replaces it.
   */
  currentReservation: Known<{ reserved: number }> | Unknown;
  apiGateway: Known<{ cloudwatchRoleArn: string | undefined }> | Unknown;
}

/** What the deploy would ask for: the settings that meet the account. */
export interface Plan {
  stackName: string;
  stage: string;
  reservedConcurrency: number | undefined;
  web: boolean;
  apiGatewayCloudWatchRole: boolean;
}

export type Level = 'blocker' | 'warning' | 'ok' | 'note';

export interface Finding {
  level: Level;
  topic: string;
  /** What is so, and what it means for the deploy. */
  text: string;
  /** What avoids the problem: a `-c` setting or a command. */
  fix?: string;
}

const stageFlag = (plan: Plan) => (plan.stage === 'prod' ? '' : ` -c stage=${plan.stage}`);

function credentials(answers: Answers): Finding[] {
  if (!answers.region)
    return [
      {
        level: 'blocker',
        topic: 'Region',
        text: 'No AWS region is set, so neither this check nor `cdk deploy` knows where to deploy.',
        fix: 'export AWS_REGION=eu-west-1 (any region), or set `region` in your AWS profile.',
      },
    ];
  if (answers.identity.kind === 'unknown')
    return [
      {
        level: 'blocker',
        topic: 'Credentials',
        text: `No working AWS credentials (${answers.identity.error}).`,
        fix: 'aws configure, or aws sso login --profile <name> and export AWS_PROFILE=<name>.',
      },
    ];
  return [
    {
      level: 'ok',
      topic: 'Account',
      text: `${answers.identity.account} in ${answers.region}, as ${answers.identity.arn}.`,
    },
  ];
}

function bootstrap(answers: Answers, account: string): Finding[] {
  const { bootstrapVersion: version, toolkitStack: toolkit } = answers;
  const command = `npx cdk bootstrap aws://${account}/${answers.region}`;
  const topic = 'CDK bootstrap';
  if (toolkit.kind === 'found' && /(_FAILED|ROLLBACK_COMPLETE)$/.test(toolkit.status))
    return [
      {
        level: 'blocker',
        topic,
        text: `The ${TOOLKIT_STACK} stack is in ${toolkit.status}: CDK cannot upload the function bundles.`,
        fix: `Delete the ${TOOLKIT_STACK} stack (CloudFormation console) once its bucket is empty, then ${command}.`,
      },
    ];
  if (version.kind === 'missing' && toolkit.kind !== 'found')
    return [
      {
        level: 'blocker',
        topic,
        text: `This account and region are not bootstrapped for CDK (no ${TOOLKIT_STACK} stack, no ${BOOTSTRAP_VERSION_PARAMETER}): the deploy has nowhere to upload the bundles.`,
        fix: command,
      },
    ];
  if (version.kind === 'found' && version.version < MIN_BOOTSTRAP_VERSION)
    return [
      {
        level: 'blocker',
        topic,
        text: `The bootstrap is version ${version.version}; this app's templates require ${MIN_BOOTSTRAP_VERSION} or newer.`,
        fix: `${command} (upgrades it in place)`,
      },
    ];
  if (version.kind === 'found')
    return [
      {
        level: 'ok',
        topic,
        text: `version ${version.version}${toolkit.kind === 'found' ? ` (${TOOLKIT_STACK}: ${toolkit.status})` : ''}.`,
      },
    ];
  if (version.kind === 'missing')
    return [
      {
        level: 'warning',
        topic,
        text: `The ${TOOLKIT_STACK} stack exists but ${BOOTSTRAP_VERSION_PARAMETER} does not: it was bootstrapped with another qualifier, which this app does not use.`,
        fix: command,
      },
    ];
  return [
    {
      level: 'warning',
      topic,
      text: `Could not read ${BOOTSTRAP_VERSION_PARAMETER} (${version.error}); if the deploy says the environment is not bootstrapped, run the fix.`,
      fix: command,
    },
  ];
}

function stack(answers: Answers, plan: Plan): Finding[] {
  const { stack: found } = answers;
  const topic = `Stack ${plan.stackName}`;
  if (found.kind === 'missing')
    return [{ level: 'ok', topic, text: 'does not exist yet: the deploy creates it.' }];
  if (found.kind === 'unknown')
    return [{ level: 'warning', topic, text: `Could not look it up (${found.error}).` }];
  if (found.status === 'ROLLBACK_COMPLETE' || found.status === 'ROLLBACK_FAILED')
    return [
      {
        level: 'blocker',
        topic,
        text: `is in ${found.status}: its first deploy failed, and CloudFormation cannot update a stack in that state.`,
        fix: `npx cdk destroy${stageFlag(plan)} (retained tables, buckets and log groups stay; see README), then deploy again.`,
      },
    ];
  if (found.status === 'UPDATE_ROLLBACK_FAILED')
    return [
      {
        level: 'blocker',
        topic,
        text: 'is in UPDATE_ROLLBACK_FAILED: CloudFormation accepts no update until the rollback finishes.',
        fix: `aws cloudformation continue-update-rollback --stack-name ${plan.stackName}`,
      },
    ];
  if (found.status.endsWith('_IN_PROGRESS'))
    return [
      {
        level: 'blocker',
        topic,
        text: `is busy (${found.status}): a deploy now would be refused.`,
        fix: 'Wait until it finishes, then run the preflight again.',
      },
    ];
  return [{ level: 'ok', topic, text: `exists (${found.status}): the deploy updates it.` }];
}

function concurrency(answers: Answers, plan: Plan): Finding[] {
  const topic = 'Lambda concurrency';
  if (answers.lambda.kind === 'unknown')
    return [
      {
        level: plan.reservedConcurrency === undefined ? 'warning' : 'blocker',
        topic,
        text: `Could not read the account's Lambda concurrency (${answers.lambda.error})${
          plan.reservedConcurrency === undefined
            ? '.'
            : `, so whether Lambda accepts a reservation of ${plan.reservedConcurrency} is unknown.`
        }`,
        ...(plan.reservedConcurrency === undefined
          ? {}
          : {
              fix: 'Deploy without -c reservedConcurrency, or grant lambda:GetAccountSettings and run this again.',
            }),
      },
    ];
  const { concurrentExecutions: quota } = answers.lambda;
  // A deploy replaces $default's current reservation: what it holds now becomes unreserved first.
  const current = answers.currentReservation.kind === 'found' ? answers.currentReservation.reserved : 0;
  const unreserved = answers.lambda.unreservedConcurrentExecutions + current;
  const floor = Math.min(MIN_UNRESERVED_CONCURRENCY, quota);
  const findings: Finding[] = [];
  if (plan.reservedConcurrency !== undefined) {
    const left = unreserved - plan.reservedConcurrency;
    const most = unreserved - floor;
    findings.push(
      left < floor
        ? {
            level: 'blocker',
            topic,
            text:
              `reservedConcurrency=${plan.reservedConcurrency} would leave ${left} of the account's ${quota} unreserved; ` +
              `Lambda refuses any reservation that leaves less than ${floor}, and the stack would roll back.`,
            fix:
              most > 0
                ? `-c reservedConcurrency=${most} at most, or leave it out (no reservation), or raise "Concurrent executions" in Service Quotas.`
                : 'Leave -c reservedConcurrency out (no reservation), or raise "Concurrent executions" in Service Quotas.',
          }
        : {
            level: 'ok',
            topic,
            text: `reserving ${plan.reservedConcurrency} for $default leaves ${left} of ${quota} unreserved (Lambda needs ${floor}).`,
          },
    );
  } else {
    findings.push({
      level: 'ok',
      topic,
      text: `quota ${quota}, ${unreserved} unreserved; no reservation asked for (-c reservedConcurrency=N sets one).`,
    });
  }
  if (quota < MIN_UNRESERVED_CONCURRENCY)
    findings.push({
      level: 'warning',
      topic,
      text: `The account may run only ${quota} functions at once (new accounts start low): beyond that, requests are throttled and users see errors.`,
      fix: 'Service Quotas → AWS Lambda → Concurrent executions: ask for 1,000.',
    });
  return findings;
}

function apiGatewayRole(answers: Answers, plan: Plan): Finding[] {
  const topic = 'API Gateway logging role';
  if (answers.apiGateway.kind === 'unknown')
    return [
      {
        level: 'warning',
        topic,
        text: `Could not read the account's API Gateway settings (${answers.apiGateway.error}).`,
      },
    ];
  const arn = answers.apiGateway.cloudwatchRoleArn;
  const ours = arn?.includes(`:role/${plan.stackName}-`) === true;
  if (!plan.apiGatewayCloudWatchRole) {
    return arn
      ? [
          {
            level: 'ok',
            topic,
            text: `the account has one (${arn}); the stack leaves it alone (apiGatewayCloudWatchRole=false).`,
          },
        ]
      : [
          {
            level: 'blocker',
            topic,
            text:
              'The account has no CloudWatch Logs role in its API Gateway settings, and apiGatewayCloudWatchRole=false ' +
              "keeps the stack from setting one: API Gateway refuses the stage's access logging, and the deploy fails.",
            fix: 'Leave out -c apiGatewayCloudWatchRole=false (the stack sets the role, and keeps it on destroy).',
          },
        ];
  }
  if (arn && !ours)
    return [
      {
        level: 'warning',
        topic,
        text:
          `The account already has one (${arn}). The setting is account- and region-wide: this stack would replace ` +
          'it with its own role, for every API in the region.',
        fix: '-c apiGatewayCloudWatchRole=false keeps the existing role.',
      },
    ];
  return [
    {
      level: 'ok',
      topic,
      text: arn
        ? `set by this stack before (${arn}).`
        : 'none yet: the stack sets one (account- and region-wide, kept on destroy).',
    },
  ];
}

function webPage(plan: Plan): Finding[] {
  return plan.web
    ? [
        {
          level: 'note',
          topic: 'CloudFront (web page)',
          text:
            'The page is served by CloudFront, which refuses accounts AWS has not verified yet ("Your account must be ' +
            'verified before you can add new CloudFront resources"); no API tells beforehand. On a new account:',
          fix: `-c web=false deploys the chat without the page; add it later by deploying without it once AWS support verified the account.`,
        },
      ]
    : [
        {
          level: 'note',
          topic: 'Web page',
          text: 'left out (web=false): chat with the terminal client or wscat; no CloudFront is created.',
        },
      ];
}

/** Every finding for these answers and this plan, in the order to read them. */
export function assess(answers: Answers, plan: Plan): Finding[] {
  const first = credentials(answers);
  if (answers.identity.kind !== 'found' || !answers.region) return first;
  return [
    ...first,
    ...bootstrap(answers, answers.identity.account),
    ...stack(answers, plan),
    ...concurrency(answers, plan),
    ...apiGatewayRole(answers, plan),
    ...webPage(plan),
  ];
}

/** The SDK clients the preflight asks (a stub with `send` in the tests). */
export interface Clients {
  // biome-ignore lint/suspicious/noExplicitAny: each client's send is typed by its own commands; only send is used.
  sts: { send(command: any): Promise<any> };
  // biome-ignore lint/suspicious/noExplicitAny: as above
  ssm: { send(command: any): Promise<any> };
  // biome-ignore lint/suspicious/noExplicitAny: as above
  cloudFormation: { send(command: any): Promise<any> };
  // biome-ignore lint/suspicious/noExplicitAny: as above
  lambda: { send(command: any): Promise<any> };
  // biome-ignore lint/suspicious/noExplicitAny: as above
  apiGateway: { send(command: any): Promise<any> };
}

const describe = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
const unknown = (error: unknown): Unknown => ({ kind: 'unknown', error: describe(error) });

async function stackStatus(clients: Clients, name: string): Promise<Answers['stack']> {
  try {
    const out = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: name }));
    const status = out.Stacks?.[0]?.StackStatus;
    return status ? { kind: 'found', status: String(status) } : { kind: 'missing' };
  } catch (error) {
    // CloudFormation answers a stack that does not exist with a ValidationError.
    if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message))
      return { kind: 'missing' };
    return unknown(error);
  }
}

/** The $default function of the deployed stack (logical id `DefaultRoute` + hash) and its reserved concurrency. */
async function reservedNow(clients: Clients, plan: Plan): Promise<Answers['currentReservation']> {
  try {
    const out = await clients.cloudFormation.send(
      new DescribeStackResourcesCommand({ StackName: plan.stackName }),
    );
    const fn = (out.StackResources ?? []).find(
      (r: { ResourceType?: string; LogicalResourceId?: string }) =>
        r.ResourceType === 'AWS::Lambda::Function' &&
        /^DefaultRoute[0-9A-F]{8}$/.test(String(r.LogicalResourceId)),
    );
    if (!fn?.PhysicalResourceId) return { kind: 'found', reserved: 0 };
    const concurrency = await clients.lambda.send(
      new GetFunctionConcurrencyCommand({ FunctionName: fn.PhysicalResourceId }),
    );
    return { kind: 'found', reserved: Number(concurrency.ReservedConcurrentExecutions ?? 0) };
  } catch (error) {
    return unknown(error);
  }
}

/** Asks every question; none throws: an answer that could not be had is `unknown`, with the error. */
export async function gather(clients: Clients, region: string | undefined, plan: Plan): Promise<Answers> {
  const unasked: Unknown = { kind: 'unknown', error: 'not asked' };
  const none: Answers = {
    region,
    identity: unasked,
    bootstrapVersion: unasked,
    toolkitStack: unasked,
    stack: unasked,
    lambda: unasked,
    currentReservation: unasked,
    apiGateway: unasked,
  };
  if (!region) return none;
  let identity: Answers['identity'];
  try {
    const out = await clients.sts.send(new GetCallerIdentityCommand({}));
    identity = { kind: 'found', account: String(out.Account), arn: String(out.Arn) };
  } catch (error) {
    return { ...none, identity: unknown(error) };
  }
  const [bootstrapVersion, toolkitStack, stack, lambda, apiGateway] = await Promise.all([
    clients.ssm.send(new GetParameterCommand({ Name: BOOTSTRAP_VERSION_PARAMETER })).then(
      (out): Answers['bootstrapVersion'] => {
        const version = Number(out.Parameter?.Value);
        return Number.isInteger(version)
          ? { kind: 'found', version }
          : { kind: 'unknown', error: `unreadable value ${JSON.stringify(out.Parameter?.Value)}` };
      },
      (error): Answers['bootstrapVersion'] =>
        (error as Error).name === 'ParameterNotFound' ? { kind: 'missing' } : unknown(error),
    ),
    stackStatus(clients, TOOLKIT_STACK),
    stackStatus(clients, plan.stackName),
    clients.lambda.send(new GetAccountSettingsCommand({})).then(
      (out): Answers['lambda'] => ({
        kind: 'found',
        concurrentExecutions: Number(out.AccountLimit?.ConcurrentExecutions),
        unreservedConcurrentExecutions: Number(out.AccountLimit?.UnreservedConcurrentExecutions),
      }),
      unknown,
    ),
    clients.apiGateway.send(new GetAccountCommand({})).then(
      (out): Answers['apiGateway'] => ({
        kind: 'found',
        cloudwatchRoleArn: out.cloudwatchRoleArn || undefined,
      }),
      unknown,
    ),
  ]);
  const currentReservation =
    stack.kind === 'missing' ? ({ kind: 'found', reserved: 0 } as const) : await reservedNow(clients, plan);
  return { region, identity, bootstrapVersion, toolkitStack, stack, lambda, currentReservation, apiGateway };
}

/** `-c key=value` / `--context key=value` / `--context=key=value` pairs, as the CDK CLI takes them. */
export function contextArgs(argv: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    let pair: string | undefined;
    if (arg === '-c' || arg === '--context') pair = argv[++i];
    else if (arg.startsWith('--context=')) pair = arg.slice('--context='.length);
    else
      throw new Error(
        `unknown argument ${JSON.stringify(arg)}: only -c key=value settings, as for npm run deploy`,
      );
    const at = pair?.indexOf('=') ?? -1;
    if (!pair || at < 1) throw new Error(`-c needs key=value, got ${JSON.stringify(pair)}`);
    context[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return context;
}

/** The plan the stack would deploy with: cdk.json's context under the given `-c` settings, read by infra/config.ts. */
export function planOf(
  overrides: Record<string, string>,
  cdkJsonContext: Record<string, unknown> = {},
): Plan {
  const settings = readSettings(new App({ context: { ...cdkJsonContext, ...overrides } }).node);
  return {
    stackName: `obrol-${settings.stage}`,
    stage: settings.stage,
    reservedConcurrency: settings.defaultReservedConcurrency,
    web: settings.web,
    apiGatewayCloudWatchRole: settings.apiGatewayCloudWatchRole,
  };
}

const LABEL: Record<Level, string> = { blocker: 'BLOCKER', warning: 'warning', ok: 'ok', note: 'note' };

/** The report, line by line, and the exit code: 1 when anything blocks the deploy. */
export function report(findings: Finding[], plan: Plan): { lines: string[]; exitCode: number } {
  const lines = [`obrol preflight for stack ${plan.stackName}`];
  for (const f of findings) {
    lines.push(`  ${LABEL[f.level].padEnd(8)} ${f.topic}: ${f.text}`);
    if (f.fix && f.level !== 'ok') lines.push(`  ${''.padEnd(8)} → ${f.fix}`);
  }
  const blockers = findings.filter((f) => f.level === 'blocker').length;
  lines.push(
    blockers > 0
      ? `NOT READY: ${blockers} thing${blockers === 1 ? '' : 's'} would make \`cdk deploy\` fail; fix ${blockers === 1 ? 'it' : 'them'} as shown and run the preflight again.`
      : 'READY: nothing found that would make the deploy fail (warnings and notes above are worth reading).',
  );
  return { lines, exitCode: blockers > 0 ? 1 : 0 };
}

async function main(): Promise<void> {
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  };
  let plan: Plan;
  try {
    plan = planOf(contextArgs(process.argv.slice(2)), cdkJson.context);
  } catch (error) {
    console.error(`preflight: ${(error as Error).message}`);
    process.exit(2);
  }
  const { STSClient } = await import('@aws-sdk/client-sts');
  const { SSMClient } = await import('@aws-sdk/client-ssm');
  const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
  const { LambdaClient } = await import('@aws-sdk/client-lambda');
  const { APIGatewayClient } = await import('@aws-sdk/client-api-gateway');
  const sts = new STSClient({});
  const region = await sts.config.region().catch(() => undefined);
  const clients: Clients = {
    sts,
    ssm: new SSMClient({}),
    cloudFormation: new CloudFormationClient({}),
    lambda: new LambdaClient({}),
    apiGateway: new APIGatewayClient({}),
  };
  const answers = await gather(clients, region || undefined, plan);
  const { lines, exitCode } = report(assess(answers, plan), plan);
  for (const line of lines) console.log(line);
  process.exit(exitCode);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
