/**
 * `npm run bench:scale`: issue 9's scale measurements on the local runtime, with a fixed delay on every AWS request.
 *  - SEND_GROUP at each group size and share online (requests, RRU/WRU, largest item, time to answer and to the last
 *    online member), online members beyond two real WebSockets being simulated devices (bench/scale/sinks.ts);
 *  - AUTH after an absence, for each shape groups × waiting messages and each group size;
 *  - the whole WRU to deliver one message to every offline member of a group (a sample logs in; extrapolated);
 *  - aws-samples/simple-websockets-chat-app's per-message Scan at the same sizes, beside obrol's SEND_GROUP reads.
 * The markdown report goes to stdout, progress to stderr, raw figures to bench/results/scale-*.json.
 *
 * Settings (flags --name=value, or BENCH_SCALE_NAME): sizes (100,1000,10000,100000), online (1,50, in percent),
 * auth-group-sizes (10,1000), auth-shapes (1x0,1x1000,1x10000,10x1000,50x1000), offline-members (10000),
 * offline-sample (200), offline-baseline (20), scan-measure-up-to (10000), delay-ms (20),
 * parts (send,auth,offline,scan), visibility (stack: jobs hidden 360 s as deployed; local: the runtime's 5 s, see
 * bench/scale/visibility.ts), worker-concurrency (4: the local worker's pollers; 100 as the stack caps it).
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine } from './machine.js';
import { header } from './report.js';
import { type CatchUpResult, catchUpRuns, parseShape } from './scale/catch-up.js';
import { type OfflineResult, offlineDelivery } from './scale/offline.js';
import { type ScanResult, scanBaseline } from './scale/scan-baseline.js';
import { type SendGroupResult, sendGroupAt } from './scale/send-group.js';
import { catchUpTable, offlineTable, scanTable, sendGroupTable } from './scale/tables.js';
import { startWorld } from './scale/world.js';
import { fmt, round } from './stats.js';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
/** The O(P²) figure issue 9 measured on the old model: one message to 10k members, half offline. */
const OLD_WRU_10K_HALF_OFFLINE = 100_000;

function raw(name: string): string | undefined {
  const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
  return flag?.slice(name.length + 3) ?? process.env[`BENCH_SCALE_${name.toUpperCase().replace(/-/g, '_')}`];
}

function list(name: string, fallback: string): string[] {
  return (raw(name) ?? fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function numbers(name: string, fallback: string): number[] {
  return list(name, fallback).map((s) => {
    const value = Number(s);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name}: ${s} is not a positive number`);
    return value;
  });
}

const settings = {
  sizes: numbers('sizes', '100,1000,10000,100000'),
  online: numbers('online', '1,50'),
  authGroupSizes: numbers('auth-group-sizes', '10,1000'),
  authShapes: list('auth-shapes', '1x0,1x1000,1x10000,10x1000,50x1000'),
  offlineMembers: numbers('offline-members', '10000')[0] as number,
  offlineSample: numbers('offline-sample', '200')[0] as number,
  offlineBaseline: numbers('offline-baseline', '20')[0] as number,
  scanMeasureUpTo: numbers('scan-measure-up-to', '10000')[0] as number,
  delayMs: numbers('delay-ms', '20')[0] as number,
  parts: list('parts', 'send,auth,offline,scan'),
  visibility: list('visibility', 'stack')[0] as string,
  /** Local worker pollers; 4 is the runtime's default, the stack caps the event source mapping at 100. */
  workerConcurrency: numbers('worker-concurrency', '4')[0] as number,
};
if (!['stack', 'local'].includes(settings.visibility)) throw new Error('--visibility is stack or local');
const shapes = settings.authShapes.map(parseShape);

const began = performance.now();
const progress = (what: string) =>
  process.stderr.write(`[scale ${fmt((performance.now() - began) / 1000, 0)} s] ${what}\n`);

function commit(): string {
  try {
    const sha = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
    const dirty = execSync('git status --porcelain -- shared lambdas local', { encoding: 'utf8' }).trim();
    return dirty ? `${sha} (shared/, lambdas/ or local/ modified)` : sha;
  } catch {
    return 'unknown';
  }
}

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  const host = machine();
  progress('starting the local runtime');
  const world = await startWorld(
    settings.delayMs,
    settings.visibility === 'stack',
    settings.workerConcurrency,
  );
  const has = (part: string) => settings.parts.includes(part);
  const sends: SendGroupResult[] = [];
  let catchUps: CatchUpResult[] = [];
  let offline: OfflineResult | undefined;
  let scans: ScanResult[] = [];
  try {
    if (has('send'))
      for (const size of [...settings.sizes].sort((a, b) => a - b))
        sends.push(...(await sendGroupAt(world, size, settings.online, progress)));
    if (has('auth')) catchUps = await catchUpRuns(world, settings.authGroupSizes, shapes, progress);
    if (has('offline'))
      offline = await offlineDelivery(
        world,
        settings.offlineMembers,
        settings.offlineSample,
        settings.offlineBaseline,
        progress,
      );
    if (has('scan')) {
      progress('aws-samples Scan baseline');
      scans = await scanBaseline(settings.sizes, settings.scanMeasureUpTo);
    }
  } finally {
    await world.runtime.stop();
  }

  const elapsed = (performance.now() - began) / 1000;
  const sections = [
    '# obrol scale benchmark',
    '',
    header(host, { commit: commit(), ...settings, 'bench seconds': fmt(elapsed, 0) }),
    '',
  ];
  if (sends.length > 0)
    sections.push(
      '## SEND_GROUP by group size and share online',
      '',
      `${settings.delayMs} ms added to every AWS request. Online members beyond the sender and one real WebSocket member are seeded devices whose pushes are answered, after the delay, without sending.`,
      '',
      sendGroupTable(sends),
      '',
    );
  if (catchUps.length > 0) sections.push('## AUTH after an absence', '', catchUpTable(catchUps), '');
  if (offline)
    sections.push(
      `## One message to every offline member of a ${offline.members.toLocaleString('en-US')}-member group`,
      '',
      offlineTable(offline, OLD_WRU_10K_HALF_OFFLINE),
      '',
    );
  if (scans.length > 0)
    sections.push(
      '## Reads per message beside aws-samples/simple-websockets-chat-app',
      '',
      scanTable(scans, sends),
      '',
    );
  const report = sections.join('\n');
  process.stdout.write(report);

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const figures = {
    takenAt: new Date().toISOString(),
    machine: host,
    commit: commit(),
    settings,
    elapsedSeconds: round(elapsed),
    sendGroup: sends,
    catchUp: catchUps,
    offline,
    scanBaseline: scans,
    awsRequestTotals: Object.fromEntries(world.recorder.totals),
  };
  writeFileSync(join(RESULTS, `scale-${stamp}.json`), JSON.stringify(figures, null, 2));
  writeFileSync(join(RESULTS, 'scale-latest.json'), JSON.stringify(figures, null, 2));
  writeFileSync(join(RESULTS, 'scale-latest.md'), report);
  progress(`done in ${fmt(elapsed, 0)} s; raw figures in ${RESULTS}`);
  const failures = [
    ...sends.flatMap((r) => r.failures),
    ...catchUps.flatMap((r) => r.failures),
    ...(offline?.failures ?? []),
  ];
  if (failures.length > 0) {
    process.stderr.write(`\n${failures.length} failures; see the tables\n`);
    process.exitCode = 1;
  }
}

await main();
