/**
 * `npm run test:localstack`: the integration suite against LocalStack, and, when LocalStack offers WebSocket
 * APIs (its paid tier), the CDK stack deployed into it and the black-box suite (`test:deployed`) against it.
 *
 * 1. Checks docker-compose.localstack.yml offline.
 * 2. Uses a LocalStack already answering on LOCALSTACK_ENDPOINT (default http://127.0.0.1:4566), or starts
 *    one with `docker compose -f docker-compose.localstack.yml up -d` (needs Docker and LOCALSTACK_AUTH_TOKEN)
 *    and removes it afterwards (LOCALSTACK_KEEP=1 keeps it).
 * 3. Waits for /_localstack/health to report dynamodb and s3.
 * 4. Runs test/integration with AWS_ENDPOINT_URL pointing at LocalStack: the local gateway and the lambdas/
 *    handlers, with the table and bucket created there from the shared schema (path-style S3).
 * 5. If the health report lists apigatewayv2 as available (or LOCALSTACK_DEPLOY=1; LOCALSTACK_DEPLOY=0 skips):
 *    `cdk bootstrap` and `cdk deploy` with AWS_ENDPOINT_URL (plain aws-cdk honours it, no cdklocal needed),
 *    then `npm run test:deployed` with WS_URL set to the stack's WebSocket URL rewritten to LocalStack's host
 *    (LOCALSTACK_WS_URL overrides it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPOSE_FILE, checkCompose } from './check-compose.js';
import {
  CACHE,
  passThroughArgs,
  probeCommand,
  ROOT,
  runCommand,
  runSuite,
  say,
  suiteEnv,
  waitUntil,
} from './lib.js';

const LEG = 'localstack';
const ENDPOINT = (process.env.LOCALSTACK_ENDPOINT ?? 'http://127.0.0.1:4566').replace(/\/+$/, '');
const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const STAGE = 'localstack';
const STACK = `obrol-${STAGE}`;
const READY = new Set(['available', 'running']);

class Unavailable extends Error {}

interface Health {
  services?: Record<string, string>;
  edition?: string;
  version?: string;
}

async function health(): Promise<Health | undefined> {
  try {
    const response = await fetch(`${ENDPOINT}/_localstack/health`, { signal: AbortSignal.timeout(3_000) });
    if (!response.ok) return undefined;
    return (await response.json()) as Health;
  } catch {
    return undefined;
  }
}

/** `docker compose` (v2 plugin) or the old `docker-compose`, whichever this machine has. */
function composeCommand(): string[] {
  const docker = probeCommand('docker', ['--version']);
  if (docker.missing) {
    throw new Unavailable(
      'Docker not found: test:localstack starts LocalStack with Docker (or start LocalStack yourself and ' +
        `let it answer on ${ENDPOINT})`,
    );
  }
  const engine = probeCommand('docker', ['info', '--format', '{{.ServerVersion}}']);
  if (!engine.ok) {
    throw new Unavailable(
      `the Docker engine is not reachable (${engine.output.split('\n').pop()}): start Docker, then rerun`,
    );
  }
  if (probeCommand('docker', ['compose', 'version']).ok) return ['docker', 'compose'];
  if (probeCommand('docker-compose', ['version']).ok) return ['docker-compose'];
  throw new Unavailable('neither `docker compose` nor `docker-compose` is installed');
}

function compose(cmd: string[], args: string[]): void {
  const [bin, ...pre] = cmd;
  const result = spawnSync(bin ?? 'docker', [...pre, '-f', COMPOSE_FILE, ...args], {
    cwd: ROOT,
    stdio: 'inherit',
    env: process.env,
  });
  if (result.status !== 0) throw new Error(`${cmd.join(' ')} ${args.join(' ')} exited ${result.status}`);
}

/** The environment for the AWS CLIs and SDKs (cdk) talking to LocalStack: its endpoint and dummy credentials. */
function awsEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return suiteEnv({
    AWS_ENDPOINT_URL: ENDPOINT,
    // An IP endpoint makes the SDK use path-style S3, which LocalStack serves without DNS tricks.
    AWS_ENDPOINT_URL_S3: ENDPOINT,
    CDK_DEFAULT_ACCOUNT: ACCOUNT,
    CDK_DEFAULT_REGION: REGION,
    ...extra,
  });
}

const CDK_CONTEXT = [
  '-c',
  `stage=${STAGE}`,
  '-c',
  'removalPolicy=destroy',
  '-c',
  'apiGatewayCloudWatchRole=false',
];

/** wss://<api>.execute-api.<region>.amazonaws.com/<stage> → ws://<api>.execute-api.localhost.localstack.cloud:4566/<stage> */
function localstackWsUrl(deployedUrl: string, endpoint = ENDPOINT): string {
  const url = new URL(deployedUrl);
  const apiId = url.hostname.split('.')[0];
  const port = new URL(endpoint).port || '4566';
  return `ws://${apiId}.execute-api.localhost.localstack.cloud:${port}${url.pathname}`;
}

async function deployAndTest(): Promise<number> {
  const outputsFile = join(CACHE, 'localstack', 'outputs.json');
  mkdirSync(join(CACHE, 'localstack'), { recursive: true });
  const env = awsEnv();
  let code = await runCommand(
    LEG,
    'npx',
    ['cdk', 'bootstrap', `aws://${ACCOUNT}/${REGION}`, ...CDK_CONTEXT],
    env,
    15 * 60,
  );
  if (code !== 0) return code;
  code = await runCommand(
    LEG,
    'npx',
    ['cdk', 'deploy', STACK, ...CDK_CONTEXT, '--require-approval', 'never', '--outputs-file', outputsFile],
    env,
    20 * 60,
  );
  if (code !== 0) return code;
  let wsUrl = process.env.LOCALSTACK_WS_URL;
  if (!wsUrl) {
    const outputs = existsSync(outputsFile)
      ? (JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>)
      : {};
    const deployed = outputs[STACK]?.WebSocketUrl;
    if (!deployed) throw new Error(`${outputsFile} has no ${STACK}.WebSocketUrl output`);
    wsUrl = localstackWsUrl(deployed);
    say(LEG, `stack output WebSocketUrl ${deployed} → ${wsUrl}`);
  }
  return runCommand(
    LEG,
    'npm',
    ['run', 'test:deployed', '--', ...passThroughArgs()],
    suiteEnv({ WS_URL: wsUrl }),
    20 * 60,
  );
}

async function main(): Promise<number> {
  const problems = checkCompose();
  if (problems.length) throw new Error(`docker-compose.localstack.yml: ${problems.join('; ')}`);
  say(LEG, 'compose file checked');

  let started: string[] | undefined;
  if (await health()) {
    say(LEG, `using the LocalStack already answering on ${ENDPOINT}`);
  } else {
    if (!process.env.LOCALSTACK_AUTH_TOKEN) {
      throw new Unavailable(
        "LOCALSTACK_AUTH_TOKEN is not set: LocalStack's image needs an auth token since March 2026 " +
          '(create one in the LocalStack web app, then export LOCALSTACK_AUTH_TOKEN=...)',
      );
    }
    const cmd = composeCommand();
    say(LEG, `starting LocalStack: ${cmd.join(' ')} -f docker-compose.localstack.yml up -d`);
    compose(cmd, ['up', '-d']);
    started = cmd;
  }

  let deployed = false;
  try {
    let report: Health | undefined;
    await waitUntil(
      `LocalStack health on ${ENDPOINT}`,
      async () => {
        report = await health();
        const services = report?.services ?? {};
        return ['dynamodb', 's3', 'sqs'].every((name) => READY.has(services[name] ?? ''));
      },
      { timeoutMs: 180_000 },
    );
    const services = report?.services ?? {};
    say(
      LEG,
      `LocalStack ${report?.version ?? '?'} (${report?.edition ?? 'edition not reported'}): ` +
        ['dynamodb', 's3', 'apigatewayv2', 'apigatewaymanagementapi', 'lambda', 'cloudformation']
          .map((s) => `${s}=${services[s] ?? 'absent'}`)
          .join(' '),
    );

    const suite = await runSuite(LEG, suiteEnv({ AWS_ENDPOINT_URL: ENDPOINT }), passThroughArgs());
    if (suite !== 0) return suite;

    const wanted = process.env.LOCALSTACK_DEPLOY;
    const websockets = READY.has(services.apigatewayv2 ?? '');
    if (wanted === '0' || (!websockets && wanted !== '1')) {
      say(
        LEG,
        wanted === '0'
          ? 'SKIPPED deployed suite: LOCALSTACK_DEPLOY=0'
          : 'SKIPPED deployed suite: LocalStack does not report apigatewayv2 as available (WebSocket APIs ' +
              'and @connections are in its paid tier); the integration suite above ran',
      );
      return 0;
    }
    deployed = true;
    return await deployAndTest();
  } finally {
    if (started && process.env.LOCALSTACK_KEEP !== '1') {
      say(LEG, 'removing the LocalStack container (LOCALSTACK_KEEP=1 keeps it)');
      compose(started, ['down', '--volumes']);
    } else if (deployed) {
      say(LEG, `destroying ${STACK} in the LocalStack that was already running`);
      await runCommand(LEG, 'npx', ['cdk', 'destroy', STACK, ...CDK_CONTEXT, '--force'], awsEnv(), 10 * 60);
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    const kind = error instanceof Unavailable ? 'cannot run' : 'failed';
    process.stdout.write(`FAILED ${LEG} leg (${kind}): ${error.message}\n`);
    process.exit(1);
  },
);
