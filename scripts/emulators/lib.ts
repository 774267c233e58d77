/**
 * Shared plumbing for the emulator legs (DynamoDB Local, moto, LocalStack): free loopback ports, engines that
 * always stop (even when this process is killed), readiness probes, the suite's environment, and the
 * skip-or-fail rule that keeps a leg from ever passing silently in CI.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CACHE = join(ROOT, '.cache');
export const LOOPBACK = '127.0.0.1';

export function say(leg: string, message: string): void {
  process.stdout.write(`[${leg}] ${message}\n`);
}

/** True when running in CI, where every leg must run: a leg that cannot run fails instead of skipping. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = (env.CI ?? '').trim().toLowerCase();
  const required = (env.OBROL_REQUIRE_EMULATORS ?? '').trim().toLowerCase();
  const on = (v: string) => v !== '' && v !== '0' && v !== 'false' && v !== 'no';
  return on(ci) || on(required);
}

/**
 * A leg that cannot run here says so plainly. Outside CI that is a skip (exit 0); in CI (CI=true, or
 * OBROL_REQUIRE_EMULATORS=1) both legs must run, so it is a failure (exit 3).
 */
export function cannotRun(leg: string, reason: string): never {
  if (inCi()) {
    process.stdout.write(`FAILED ${leg} leg: ${reason} (CI is set, and in CI this leg must run)\n`);
    process.exit(3);
  }
  process.stdout.write(`SKIPPED ${leg} leg: ${reason}\n`);
  process.exit(0);
}

/** A port that was free on loopback a moment ago (the engine binds it next; callers retry on a clash). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Whether `command args` runs and exits 0; its output, for messages. */
export function probeCommand(
  command: string,
  args: string[],
  cwd = ROOT,
): { ok: boolean; output: string; missing: boolean } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  const missing = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  return { ok: !result.error && result.status === 0, output, missing };
}

// The guardian: a shell that waits on a pipe from this process. When this process asks it to (a line), dies
// (the pipe closes, even on SIGKILL) or overstays the time limit, it stops the engine's whole process group:
// TERM, then KILL after 10 s. So no engine, and no suite, outlives its leg.
const GUARDIAN = `
pgid=$1; max=$2
read -r -t "$max" _ || true
kill -TERM -- "-$pgid" 2>/dev/null || exit 0
i=0
while [ "$i" -lt 50 ]; do kill -0 -- "-$pgid" 2>/dev/null || exit 0; sleep 0.2; i=$((i + 1)); done
kill -KILL -- "-$pgid" 2>/dev/null
exit 0
`;

/** Starts a guardian for the process group `pgid`; write a line to its stdin (or die) to stop that group. */
function guard(pgid: number | undefined, maxSeconds: number): ChildProcess {
  const guardian = spawn('bash', ['-c', GUARDIAN, 'guardian', String(pgid ?? 0), String(maxSeconds)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  guardian.stdin?.on('error', () => undefined);
  return guardian;
}

export interface Engine {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or signal name) when the engine exits, for whatever reason. */
  readonly exited: Promise<string>;
  /** The last lines the engine printed. */
  tail(): string;
  stop(): Promise<void>;
}

const running = new Set<{ child: ChildProcess; guardian: ChildProcess }>();
/** Process groups of running commands (the suite, cdk), stopped with this process. */
const suites = new Set<number>();
let handlersInstalled = false;

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // Last resort on any exit path this process still controls; the guardians cover the ones it does not.
  process.on('exit', () => {
    for (const { child, guardian } of running) {
      killGroup(child.pid, 'SIGKILL');
      killGroup(guardian.pid, 'SIGKILL');
    }
    for (const pid of suites) killGroup(pid, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stdout.write(`\nreceived ${signal}: stopping engines\n`);
      for (const pid of suites) killGroup(pid, 'SIGTERM');
      for (const { child } of running) killGroup(child.pid, 'SIGTERM');
      setTimeout(() => process.exit(signal === 'SIGINT' ? 130 : 143), 2_000).unref();
    });
  }
}

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Hard limit on the engine's life, in seconds; the guardian stops it then. */
  maxSeconds: number;
  leg: string;
}

/** Starts an engine in a process group of its own, with its output in .cache/emulators/<name>.log. */
export function startEngine(name: string, command: string, args: string[], options: StartOptions): Engine {
  installHandlers();
  const logDir = join(CACHE, 'emulators');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}.log`);
  const log = createWriteStream(logFile);
  let recent = '';
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer) => {
    log.write(chunk);
    recent = (recent + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const guardian = guard(child.pid, options.maxSeconds);
  const entry = { child, guardian };
  running.add(entry);
  const exited = new Promise<string>((resolveExit) => {
    child.once('error', (error) => {
      recent += `\n${error.message}`;
      resolveExit('error');
    });
    child.once('exit', (code, signal) => resolveExit(signal ?? String(code)));
  });
  void exited.then(() => {
    running.delete(entry);
    log.end();
  });
  return {
    name,
    pid: child.pid ?? 0,
    logFile,
    exited,
    tail: () => recent.trim().split('\n').slice(-15).join('\n'),
    stop: async () => {
      if (guardian.exitCode === null) guardian.stdin?.write('stop\n');
      const timeout = new Promise<string>((r) => setTimeout(() => r('timeout'), 15_000).unref());
      if ((await Promise.race([exited, timeout])) === 'timeout') killGroup(child.pid, 'SIGKILL');
      await exited;
      guardian.stdin?.end();
      if (guardian.exitCode === null) killGroup(guardian.pid, 'SIGKILL');
      say(options.leg, `${name} stopped`);
    },
  };
}

/** Polls `probe` until it answers true; fails when the engine exits first or time runs out. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; engine?: Engine },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let exited: string | undefined;
  void options.engine?.exited.then((code) => {
    exited = code;
  });
  let lastError = '';
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new Error(
        `${what}: the engine exited (${exited}) before it answered:\n${options.engine?.tail()}`,
      );
    }
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `${what}: no answer within ${options.timeoutMs / 1000} s${lastError ? ` (${lastError})` : ''}`,
  );
}

/** One ListTables call: the engine speaks DynamoDB's JSON protocol on this endpoint. */
export async function dynamoAnswers(endpoint: string): Promise<boolean> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: { requestTimeout: 2_000, connectionTimeout: 1_000 },
  });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
    return true;
  } finally {
    client.destroy();
  }
}

/**
 * Starts an engine on a fresh free port and waits until it answers; retries on a new port when the engine
 * dies first (another process took the port between our check and its bind).
 */
export async function startOnFreePort(
  leg: string,
  start: (port: number) => Engine,
  answers: (endpoint: string) => Promise<boolean>,
  timeoutMs: number,
): Promise<{ engine: Engine; endpoint: string }> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const endpoint = `http://${LOOPBACK}:${port}`;
    const engine = start(port);
    say(leg, `started ${engine.name} (pid ${engine.pid}) on ${endpoint}; log: ${engine.logFile}`);
    const started = Date.now();
    try {
      await waitUntil(`${engine.name} on ${endpoint}`, () => answers(endpoint), { timeoutMs, engine });
      say(leg, `${engine.name} answers after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return { engine, endpoint };
    } catch (error) {
      lastError = error;
      await engine.stop();
      say(leg, `attempt ${attempt} failed: ${(error as Error).message}`);
    }
  }
  throw lastError;
}

/**
 * The suite's environment: this process's, minus anything that could point the suite at another engine or a
 * real AWS account, plus dummy credentials. `extra` then names the engine under test.
 */
export function suiteEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith('AWS_ENDPOINT_URL')) delete env[key];
  }
  for (const key of [
    'AWS_PROFILE',
    'AWS_DEFAULT_PROFILE',
    'AWS_SESSION_TOKEN',
    'AWS_SECURITY_TOKEN',
    'AWS_CONFIG_FILE',
    'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_ROLE_ARN',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'TABLE_NAME',
    'BUCKET_NAME',
    'CALLBACK_URL',
    'WS_URL',
  ]) {
    delete env[key];
  }
  env.AWS_ACCESS_KEY_ID = 'test';
  env.AWS_SECRET_ACCESS_KEY = 'test';
  env.AWS_REGION = 'us-east-1';
  env.AWS_DEFAULT_REGION = 'us-east-1';
  // No instance-metadata lookups: nothing here runs on EC2.
  env.AWS_EC2_METADATA_DISABLED = 'true';
  // The suite's waits for one answer, and its test timeouts with them (vitest.config.ts), up to API Gateway's 29 s
  // integration timeout: these engines are slower than dynalite (moto answers one request at a time, in Python), and
  // a wait is a bound on a test, never a speed check.
  env.TEST_WAIT_MS = '29000';
  return { ...env, ...extra };
}

/**
 * Runs vitest on the integration suite (or on the filters given after `--`) with `env`. Returns its exit code.
 */
export function runSuite(
  leg: string,
  env: NodeJS.ProcessEnv,
  extraArgs: string[],
  maxSeconds = 20 * 60,
): Promise<number> {
  const hasFilter = extraArgs.some((arg) => !arg.startsWith('-'));
  const args = ['vitest', 'run', ...(hasFilter ? [] : ['test/integration']), ...extraArgs];
  return runCommand(leg, 'npx', args, env, maxSeconds);
}

/**
 * Runs a command with inherited output, in a process group of its own that is stopped after `maxSeconds`
 * or when this process is interrupted. Returns its exit code.
 */
export async function runCommand(
  leg: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  maxSeconds: number,
): Promise<number> {
  installHandlers();
  say(leg, `running: ${command} ${args.join(' ')}`);
  const started = Date.now();
  const child = spawn(command, args, { cwd: ROOT, env, stdio: 'inherit', detached: true });
  if (child.pid) suites.add(child.pid);
  // Should this process die, the guardian stops the command's group too (a minute after the limit at most).
  const guardian = guard(child.pid, maxSeconds + 60);
  const timer = setTimeout(() => {
    say(leg, `${command} overran ${maxSeconds} s: stopping it`);
    killGroup(child.pid, 'SIGTERM');
    setTimeout(() => killGroup(child.pid, 'SIGKILL'), 10_000).unref();
  }, maxSeconds * 1000);
  const code = await new Promise<number>((r) => {
    child.once('error', () => r(127));
    child.once('exit', (c, signal) => r(c ?? (signal ? 1 : 0)));
  });
  clearTimeout(timer);
  if (child.pid) suites.delete(child.pid);
  killGroup(guardian.pid, 'SIGKILL');
  // Whatever it left behind in its group (vitest's forks) goes with it.
  killGroup(child.pid, 'SIGKILL');
  say(
    leg,
    `${command} ${args[0] ?? ''} exited ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return code;
}

/** Arguments after the script's own, handed to vitest (`npm run test:moto -- test/integration/groups.test.ts`). */
export function passThroughArgs(): string[] {
  return process.argv.slice(2).filter((arg) => arg !== '--');
}

/** Runs the suite against a started engine with `endpoints` in its environment, and stops the engine after. */
export async function suiteOn(
  leg: string,
  engine: Engine,
  endpoints: Record<string, string>,
): Promise<number> {
  try {
    return await runSuite(leg, suiteEnv(endpoints), passThroughArgs());
  } finally {
    await engine.stop();
  }
}

/** A leg's entry point: its exit code, or a plain FAILED line and 1 when it throws. */
export function runLeg(leg: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stdout.write(`FAILED ${leg} leg: ${error.message}\n`);
      process.exit(1);
    },
  );
}
