/**
 * `npm run bench`: requests per command, critical path, cost, cold start and load on the local runtime.
 * A benchmark, not a test: no figure fails the run, except messages lost under load (delivered ≠ sent).
 * Progress goes to stderr; the markdown report to stdout; raw figures and the chart to bench/results/.
 *
 * Settings (environment, or --name=value flags): BENCH_USERS (200), BENCH_SECONDS (20), BENCH_THINK_MS (500),
 * BENCH_RUNS (5), BENCH_DELAY_MS (20), BENCH_IMPORT_SAMPLES (20), BENCH_FANOUT_RUNS (3), BENCH_FLOOD (300: AUTHs
 * one address floods while a bystander logs in from another, bench/fairness.ts).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ChatClient } from '../test/support/client.js';
import { measureColdStarts } from './coldstart.js';
import { CAST, castGroups, type GroupSpec, measureCommands } from './commands.js';
import { costLines } from './cost.js';
import type { FairnessResult } from './fairness.js';
import { Recorder } from './instrument.js';
import { groupFanOut, privateLoad } from './load.js';
import { machine } from './machine.js';
import {
  coldStartTable,
  commandTable,
  costTable,
  fairnessTable,
  floorTable,
  groupTable,
  header,
  latencySvg,
  loadTable,
  type Verdict,
  verdictTable,
} from './report.js';
import { fmt, round } from './stats.js';
import { loginAll, seedGroup, seedUsers } from './users.js';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

function setting(name: string, fallback: number): number {
  const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
  const raw = flag?.split('=')[1] ?? process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${name} must be a positive number, got ${raw}`);
  return value;
}

const settings = {
  users: setting('users', 200),
  seconds: setting('seconds', 20),
  thinkMs: setting('think-ms', 500),
  runs: setting('runs', 5),
  delayMs: setting('delay-ms', 20),
  importSamples: setting('import-samples', 20),
  fanoutRuns: setting('fanout-runs', 3),
  flood: setting('flood', 300),
};
/** The environment as given, before this process raises the flood limits below: the fairness run needs the defaults. */
const GIVEN_ENV = { ...process.env };
if (settings.users < 2) throw new Error('--users must be at least 2: users send to each other');
const GROUP_SIZES = [10, 100, 1000];

const began = performance.now();
const progress = (what: string) =>
  process.stderr.write(`[bench ${fmt((performance.now() - began) / 1000, 0)} s] ${what}\n`);

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing measurement: ${what}`);
  return value;
}

/** bench/fairness.ts in a child process with the given environment (so every limit is the deployed default). */
async function measureFairness(flood: number): Promise<FairnessResult> {
  const script = fileURLToPath(new URL('./fairness.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...process.execArgv, script, `--flood=${Math.round(flood)}`],
    { env: { ...GIVEN_ENV, OBROL_LOG: 'silent' }, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as FairnessResult;
}

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  const host = machine();

  progress('cold start: bundling the handlers and their SDK-only floors');
  const coldStarts = await measureColdStarts(join(RESULTS, 'bundles'), settings.importSamples);

  progress(
    `one address cannot starve others: a bystander's AUTH, idle and while another address floods ${settings.flood} AUTHs (default limits, a process of its own)`,
  );
  const fairness = await measureFairness(settings.flood);
  progress(
    `bystander AUTH p50 ${fmt(fairness.idle.p50)} ms idle, ${fmt(fairness.during.p50)} ms during the flood (${fmt(fairness.ratio, 2)}×)`,
  );

  progress('starting the local runtime');
  process.env.OBROL_LOG ??= 'silent';
  // The bench measures what commands cost, not the flood limits: one connection repeats REGISTER, AUTH,
  // GROUP_CREATE… far past a user's budget (docs/SECURITY.md), and every user comes from 127.0.0.1.
  for (const name of ['SENDS', 'REGISTER', 'AUTH', 'CREATE', 'TYPING', 'WATCH', 'MEMBERSHIP'])
    process.env[`BUDGET_${name}_BURST`] ??= '1000000';
  for (const name of ['REGISTER', 'GROUP_CREATE', 'AUTH']) process.env[`IP_BUDGET_${name}`] ??= '1000000';
  // Its "wrong password" rows repeat one account's failures from 127.0.0.1 far past the guessing limit, and the
  // logins run several scrypts at once from that one address.
  process.env.AUTH_MAX_FAILURES ??= '1000000';
  process.env.AUTH_MAX_FAILURES_PER_IP ??= '1000000';
  process.env.IP_INFLIGHT_HASHES ??= '1000000';
  const raised = Object.keys(process.env)
    .filter(
      (name) => GIVEN_ENV[name] === undefined && /^(BUDGET_|IP_BUDGET_|AUTH_MAX_|IP_INFLIGHT_)/.test(name),
    )
    .sort();
  progress(
    `raised for this run, as limits it does not measure: ${raised.join(', ') || 'none'}; all else as deployed`,
  );
  const { startRuntime } = await import('../local/runtime.js');
  const runtime = await startRuntime({ port: 0 });
  const recorder = new Recorder();
  const [{ dynamo }, { s3 }, { onManagementClient }, { sqs }] = await Promise.all([
    import('../shared/data/client.js'),
    import('../shared/bucket/s3.js'),
    import('../shared/push/client.js'),
    import('../shared/queue/jobs.js'),
  ]);
  recorder.instrument(dynamo, 'dynamodb');
  recorder.instrument(s3, 's3');
  recorder.instrument(sqs, 'sqs');
  onManagementClient((client) => recorder.instrument(client, 'apigw'));

  const online = new Map<string, ChatClient>();
  try {
    const poolSize = Math.max(settings.users, ...GROUP_SIZES);
    const pool = Array.from({ length: poolSize }, (_, i) => `bu${String(i).padStart(5, '0')}`);
    const groups: GroupSpec[] = GROUP_SIZES.map((size) => ({
      name: `bg${size}`,
      size,
      online: size / 2,
      sender: pool[0] as string,
    }));
    progress(`seeding ${poolSize + Object.keys(CAST).length} accounts and ${groups.length + 2} groups`);
    await seedUsers([...pool, ...Object.values(CAST).filter((n) => n.startsWith('bs_'))]);
    // Online are pool[0, half); each group takes its first half from there and its second half from the rest,
    // so exactly half of every group is online (the sender, pool[0], among them).
    const half = Math.max(...GROUP_SIZES) / 2;
    const membersOf = (g: GroupSpec) => [
      ...pool.slice(0, g.size / 2),
      ...pool.slice(half, half + g.size / 2),
    ];
    for (const g of groups) await seedGroup(g.name, membersOf(g));
    for (const [name, members] of castGroups()) await seedGroup(name, members);

    const concurrency = availableParallelism() * 2;
    progress(`logging in ${half + 2} users over WebSockets (AUTH runs scrypt; ${concurrency} at a time)`);
    await loginAll(runtime.url, [CAST.alice, CAST.bob, ...pool.slice(0, half)], concurrency, online);

    progress(
      `requests per command: ${settings.runs} runs without and with ${settings.delayMs} ms per request`,
    );
    const world = { runtime, recorder, delayMs: settings.delayMs, runs: settings.runs, online };
    const commands = await measureCommands(world, groups);
    const groupResults = groups.map((g) => {
      const name = `SEND_GROUP, ${g.size} members (${g.online} online)`;
      return must(
        commands.find((c) => c.name === name),
        name,
      );
    });

    const loadUsers = pool.slice(0, settings.users);
    progress(`load: logging in the rest of ${loadUsers.length} users`);
    await loginAll(runtime.url, loadUsers, concurrency, online);
    progress(`load: ${loadUsers.length} users sending private messages for ${settings.seconds} s`);
    recorder.keep = false;
    const load = await privateLoad(
      loadUsers.map((n) => [n, online.get(n) as ChatClient]),
      settings.seconds,
      settings.thinkMs,
    );
    const big = groups.at(-1) as GroupSpec;
    progress(`fan-out: logging in all ${big.size} members of ${big.name}`);
    const bigMembers = membersOf(big);
    await loginAll(runtime.url, bigMembers, concurrency, online);
    progress(`fan-out: SEND_GROUP to ${big.size} members, ${settings.fanoutRuns} times`);
    const fan = await groupFanOut(
      big.name,
      online.get(big.sender) as ChatClient,
      bigMembers.filter((n) => n !== big.sender).map((n) => [n, online.get(n) as ChatClient]),
      settings.fanoutRuns,
    );
    recorder.keep = true;

    const costs = costLines(commands, `SEND_GROUP, 100 members (50 online)`);
    const scans = recorder.totals.get('dynamodb:Scan') ?? 0;
    const send = must(
      commands.find((c) => c.name === 'SEND, recipient online (1 device)'),
      'SEND online',
    );
    const nonQueryReads = groupResults.map((g) => g.counts.reads - g.counts.queries);
    const first = must(groupResults[0], 'SEND_GROUP');
    const last = must(groupResults.at(-1), 'SEND_GROUP');
    const lost = load.sent - load.delivered;
    const verdicts: Verdict[] = [
      {
        target: 'SEND to an online user: ≤ 2 round trips on the critical path',
        figure: `${fmt(send.rounds)} rounds (chain of ${send.chain})`,
        met: Math.round(send.rounds) <= 2,
      },
      {
        target: 'SEND to an online user: ≤ 4 DynamoDB requests',
        figure: `${send.counts.dynamodb} (${send.counts.ops})`,
        met: send.counts.dynamodb <= 4,
      },
      {
        target: 'SEND_GROUP: DynamoDB writes do not grow with group size',
        figure: `writes at ${GROUP_SIZES.join('/')}: ${groupResults.map((g) => g.counts.writes).join('/')}`,
        met: groupResults.every((g) => g.counts.writes === first.counts.writes),
      },
      {
        target: 'SEND_GROUP: reads grow only with result pages',
        figure: `reads ${groupResults.map((g) => g.counts.reads).join('/')}, of which Query pages ${groupResults.map((g) => g.counts.queries).join('/')}`,
        met: nonQueryReads.every((r) => r === nonQueryReads[0]),
      },
      {
        target: `SEND_GROUP: ${last.name.replace('SEND_GROUP, ', '')} within a small constant factor (≤ 2×) of ${first.name.replace('SEND_GROUP, ', '')} in DynamoDB requests`,
        figure: `${last.counts.dynamodb} vs ${first.counts.dynamodb} = ${fmt(last.counts.dynamodb / first.counts.dynamodb, 2)}×`,
        met: last.counts.dynamodb <= 2 * first.counts.dynamodb,
      },
      {
        target: 'No command issues a Scan',
        figure: `${scans} Scans in ${[...recorder.totals.values()].reduce((a, b) => a + b, 0)} AWS requests (whole run)`,
        met: scans === 0,
      },
      {
        target:
          "One address cannot starve others: a bystander's AUTH from another address ≤ 2× its idle latency",
        figure: `p50 ${fmt(fairness.during.p50)} ms during ${fairness.flood} AUTHs (${fairness.floodConcurrency} at once, ${fairness.floodRefused} refused) vs ${fmt(fairness.idle.p50)} ms idle = ${fmt(fairness.ratio, 2)}×`,
        met: fairness.ratio <= 2,
      },
      ...coldStarts.map((c) => ({
        target: `${c.handler}: import time ≤ 1.25× its SDK-only floor`,
        figure: `${fmt(c.importMs)} ms vs ${fmt(c.floorImportMs)} ms = ${fmt(c.ratio, 2)}×`,
        met: c.ratio <= 1.25,
      })),
      {
        target: 'Local load: zero messages lost',
        figure: `private ${load.delivered}/${load.sent} delivered; group ${fan.recipients * fan.lastMs.length - fan.lost}/${fan.recipients * fan.lastMs.length}`,
        met: lost === 0 && fan.lost === 0,
      },
      {
        target: 'Local load: p99 latency reported with the core count',
        figure: `send → push p99 ${fmt(load.pushLatency.p99)} ms on ${host.cores} cores`,
        met: true,
      },
    ];

    const elapsed = (performance.now() - began) / 1000;
    const report = [
      '# obrol benchmark',
      '',
      header(host, { ...settings, 'bench seconds': fmt(elapsed, 0) }),
      '',
      '## Targets',
      '',
      verdictTable(verdicts),
      '',
      '## Requests per command',
      '',
      `Each command alone, ${settings.runs} runs. Critical path = (median latency with ${settings.delayMs} ms added to every AWS request − without) / ${settings.delayMs} ms. G = the user's groups. "local ms" = median send → answer on loopback (dynalite, s3rver). Raised for these rows, as limits they do not measure: ${raised.join(', ') || 'none'}.`,
      '',
      commandTable(commands),
      '',
      '## Floors',
      '',
      'What each command cannot do without (bench/floors.ts), beside what it made: AWS requests of every service, and the chain of requests that waited on each other. "Security" is the part issue 22 and the flood control force: † the credential read of every logged-in command, the block read, the membership check of each page of recipients before a group push; ‡ the per-address budget, hash slot and failure counter.',
      '',
      floorTable(commands),
      '',
      '## SEND_GROUP by group size (half the members online)',
      '',
      groupTable(groupResults),
      '',
      '## Cost per million (list prices)',
      '',
      costTable(costs),
      '',
      '## Cold start (bundles as deployed)',
      '',
      coldStartTable(coldStarts),
      '',
      '## Load on the local runtime',
      '',
      loadTable(load, fan, host),
      '',
      '## One address cannot starve others',
      '',
      fairnessTable(fairness),
      '',
    ].join('\n');
    process.stdout.write(report);

    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const raw = {
      takenAt: new Date().toISOString(),
      machine: host,
      settings,
      elapsedSeconds: round(elapsed),
      verdicts,
      commands,
      costs,
      coldStarts,
      load: { ...load, samples: undefined },
      fanOut: fan,
      fairness,
      awsRequestTotals: Object.fromEntries(recorder.totals),
    };
    writeFileSync(join(RESULTS, `bench-${stamp}.json`), JSON.stringify(raw, null, 2));
    writeFileSync(join(RESULTS, 'latest.json'), JSON.stringify(raw, null, 2));
    writeFileSync(join(RESULTS, 'latest.md'), report);
    writeFileSync(
      join(RESULTS, 'latency.svg'),
      latencySvg([
        { label: `private SEND → push, ${load.users} users`, color: '#1f77b4', samples: load.samples },
        {
          label: `SEND_GROUP → each of ${fan.recipients} members (first run)`,
          color: '#ff7f0e',
          samples: fan.arrivals,
        },
      ]),
    );
    progress(`done in ${fmt(elapsed, 0)} s; raw figures and latency.svg in ${RESULTS}`);
    if (lost !== 0 || fan.lost !== 0) {
      process.stderr.write(
        `\nBENCH FAILED: messages lost under load: private ${lost} of ${load.sent}, group ${fan.lost}\n`,
      );
      process.exitCode = 1;
    }
  } finally {
    await Promise.all([...online.values()].map((c) => c.close()));
    await runtime.stop();
  }
}

await main();
