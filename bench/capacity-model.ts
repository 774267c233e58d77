/**
 * The capacity model behind docs/CAPACITY.md: pure arithmetic and small deterministic simulations over AWS quotas,
 * fed with the per-command request counts `npm run bench` measured (docs/PERFORMANCE.md). Nothing here talks to AWS;
 * `bench/capacity.ts` runs it and prints the plan, `test/unit/capacity-model.test.ts` checks the formulas.
 */

// ---------------------------------------------------------------------------------------------------------------
// Quotas (defaults, us-east-1) and what the stack sets

/** AWS's default quotas on obrol's path. Sources in docs/CAPACITY.md, "Quotas". */
export const QUOTAS = {
  /** API Gateway: new WebSocket connections per second per account and region (adjustable). */
  newConnectionsPerSecond: 500,
  /** API Gateway: account-level steady request rate and burst, across all APIs in the region (adjustable). */
  accountRequestsPerSecond: 10_000,
  accountBurst: 5_000,
  /** Lambda: concurrent executions per account and region (adjustable); 100 always stay unreserved. */
  lambdaAccountConcurrency: 1_000,
  lambdaUnreservedMinimum: 100,
  /** Lambda: each function may add this many execution environments every 10 s. */
  lambdaScalingPer10s: 1_000,
  /** SQS event source mapping: starts with 5 concurrent batches, adds up to 300 a minute, at most 1,000. */
  esmInitialConcurrency: 5,
  esmScalingPerMinute: 300,
  esmMaxConcurrency: 1_000,
  /** DynamoDB: per partition, per second (on-demand and provisioned alike). */
  partitionRcu: 3_000,
  partitionWcu: 1_000,
  /** DynamoDB on-demand: a new table serves this at once; beyond the previous peak ×2 within 30 min throttles. */
  onDemandInitialRru: 12_000,
  onDemandInitialWru: 4_000,
  onDemandTableMaxRru: 40_000,
  onDemandTableMaxWru: 40_000,
} as const;

/** What the stack deploys today (cdk.json context, infra/). */
export const STACK = {
  stageRateLimit: 100,
  stageBurstLimit: 200,
  connectRateLimit: 50,
  connectBurstLimit: 100,
  defaultReservedConcurrency: 100,
  defaultMemoryMb: 1024,
  workerMemoryMb: 256,
  otherMemoryMb: 256,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Deterministic randomness

/** mulberry32: a small seeded generator, so every run of the plan prints the same numbers. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Token bucket (API Gateway's throttles are token buckets: a rate and a burst)

export interface Bucket {
  rate: number;
  burst: number;
  tokens: number;
}

export function bucket(rate: number, burst: number): Bucket {
  return { rate, burst, tokens: burst };
}

/** Refills `dt` seconds' worth, never above the burst. */
export function refill(b: Bucket, dt: number): void {
  b.tokens = Math.min(b.burst, b.tokens + b.rate * dt);
}

/** Takes one token from every bucket if each has one; false (nothing taken) otherwise. */
export function take(buckets: readonly Bucket[]): boolean {
  if (buckets.some((b) => b.tokens < 1)) return false;
  for (const b of buckets) b.tokens -= 1;
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Reconnect storm

export type Jitter = 'full' | 'equal' | 'none';

/** The client's back-off (client/backoff.ts is `full`), with the other two for comparison. */
export function delayMs(
  attempt: number,
  jitter: Jitter,
  random: () => number,
  baseMs = 500,
  maxMs = 30_000,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  if (jitter === 'full') return ceiling * random();
  if (jitter === 'equal') return ceiling * (0.5 + 0.5 * random());
  return ceiling;
}

export interface StormOptions {
  clients: number;
  jitter: Jitter;
  /** Throttles in front of `$connect`: [rate, burst] pairs, all of which must admit a connection. */
  throttles: ReadonlyArray<readonly [number, number]>;
  tickMs?: number;
  seed?: number;
  /** Give up (report what is left) after this many simulated seconds. */
  horizonS?: number;
  /** Draws the first attempt with `attempt` 0, as client/connection.ts does after a close. */
  random?: () => number;
}

export interface StormResult {
  clients: number;
  connected: number;
  /** Seconds until the last client was connected (or the horizon). */
  lastConnectedS: number;
  medianConnectedS: number;
  attempts: number;
  refused: number;
  /** The most attempts `$connect` saw in one second. */
  peakAttemptsPerSecond: number;
  /** Attempts per second averaged over the storm. */
  meanAttemptsPerSecond: number;
}

/**
 * Every client drops at t = 0 and reconnects after `delayMs(0)`; an attempt the throttles refuse (API Gateway answers
 * the upgrade with 429) closes, and the client waits `delayMs(attempt + 1)`. A discrete-time simulation in ticks.
 */
export function simulateStorm(options: StormOptions): StormResult {
  const tickMs = options.tickMs ?? 10;
  const horizonTicks = Math.ceil(((options.horizonS ?? 7200) * 1000) / tickMs);
  const random = options.random ?? seeded(options.seed ?? 1);
  const buckets = options.throttles.map(([rate, burst]) => bucket(rate, burst));
  const due = new Map<number, number[]>();
  const attemptOf = new Int32Array(options.clients);
  const schedule = (client: number, tick: number) => {
    const list = due.get(tick);
    if (list) list.push(client);
    else due.set(tick, [client]);
  };
  for (let c = 0; c < options.clients; c++) {
    schedule(c, Math.floor(delayMs(0, options.jitter, random) / tickMs));
  }
  const connectedAt: number[] = [];
  let attempts = 0;
  let refused = 0;
  let peak = 0;
  let inSecond = 0;
  const ticksPerSecond = Math.round(1000 / tickMs);
  let tick = 0;
  for (; tick <= horizonTicks && connectedAt.length < options.clients; tick++) {
    for (const b of buckets) refill(b, tickMs / 1000);
    const list = due.get(tick) ?? [];
    due.delete(tick);
    for (const client of list) {
      attempts += 1;
      inSecond += 1;
      if (take(buckets)) {
        connectedAt.push((tick * tickMs) / 1000);
      } else {
        refused += 1;
        attemptOf[client] = (attemptOf[client] ?? 0) + 1;
        const wait = delayMs(attemptOf[client] ?? 0, options.jitter, random);
        schedule(client, tick + Math.max(1, Math.ceil(wait / tickMs)));
      }
    }
    if ((tick + 1) % ticksPerSecond === 0) {
      peak = Math.max(peak, inSecond);
      inSecond = 0;
    }
  }
  peak = Math.max(peak, inSecond);
  const last = connectedAt.length === options.clients ? (connectedAt.at(-1) ?? 0) : (tick * tickMs) / 1000;
  const durationS = Math.max(last, tickMs / 1000);
  return {
    clients: options.clients,
    connected: connectedAt.length,
    lastConnectedS: last,
    medianConnectedS: connectedAt[Math.floor(connectedAt.length / 2)] ?? 0,
    attempts,
    refused,
    peakAttemptsPerSecond: peak,
    meanAttemptsPerSecond: attempts / durationS,
  };
}

/** The floor any storm meets: clients ÷ the tightest throttle's rate (after its burst). */
export function stormFloorS(clients: number, throttles: ReadonlyArray<readonly [number, number]>): number {
  const rate = Math.min(...throttles.map(([r]) => r));
  const burst = Math.min(...throttles.map(([, b]) => b));
  return Math.max(0, clients - burst) / rate;
}

// ---------------------------------------------------------------------------------------------------------------
// Per-command costs (measured) and the workload

/** One command's AWS work. */
export interface CommandCost {
  dynamoRequests: number;
  rru: number;
  wru: number;
  /** @connections POSTs (one API Gateway message each). */
  pushes: number;
  /** SQS SendMessage. */
  sqs: number;
  /** AWS requests one after another on the critical path (the measured chain). */
  chain: number;
  /** CPU-heavy work besides the requests (scrypt for AUTH), ms. */
  cpuMs: number;
}

/**
 * A row of docs/PERFORMANCE.md's "Latest run" → "Requests per command", as printed: the columns the model uses
 * ("DynamoDB requests", "RRU / WRU", "@connections", SendMessage in "requests made", the chain in brackets of
 * "critical path"); the CPU work is the model's own.
 */
export type BenchRow = Omit<CommandCost, 'cpuMs'>;

/**
 * The rows the model is fed with, copied from docs/PERFORMANCE.md's "Latest run" (`npm run bench`, defaults,
 * 2026-12-07 at `c7b1dd9`: `shared/`, `lambdas/`, `local/` as at `abed097`, the merge of issues 22 and 24 parts
 * 3–4). A copy, not a read of the bench's output: `bench/results/` is not committed (each run writes its own
 * `latest.json` there), so the committed table is the one source both can name. test/unit/capacity-model.test.ts
 * parses that table and fails when a row here differs from it, so a new run that is pasted into PERFORMANCE.md
 * without re-feeding the model fails the unit tests.
 *
 * These rows were measured after issue 22: each logged-in command's strong GetItem of the profile (the credential)
 * and SEND's block read are in them. What they cannot show is added by the model below: the answered mark (not
 * re-measured, `ANSWERED_MARK`) and the fan-out's membership reads beyond the 10-member row (`membershipReads`).
 */
export const BENCH_ROWS = {
  $connect: { dynamoRequests: 1, rru: 0, wru: 1, pushes: 0, sqs: 0, chain: 1 },
  '$disconnect (logged in, G=1)': { dynamoRequests: 9, rru: 1.5, wru: 4, pushes: 0, sqs: 0, chain: 8 },
  'AUTH (G=0, nothing waiting)': { dynamoRequests: 29, rru: 5.5, wru: 20, pushes: 1, sqs: 1, chain: 16 },
  'AUTH (G=0, 10 waiting)': { dynamoRequests: 33, rru: 13.5, wru: 30, pushes: 2, sqs: 1, chain: 21 },
  'AUTH (G=1, nothing waiting)': { dynamoRequests: 31, rru: 7.5, wru: 22, pushes: 1, sqs: 1, chain: 16 },
  'SEND, recipient online (1 device)': { dynamoRequests: 6, rru: 3, wru: 2, pushes: 1, sqs: 0, chain: 5 },
  'SEND, recipient offline': { dynamoRequests: 8, rru: 3, wru: 3, pushes: 0, sqs: 0, chain: 6 },
  'SEND_GROUP, 10 members (5 online)': { dynamoRequests: 9, rru: 8.5, wru: 2, pushes: 4, sqs: 0, chain: 7 },
  'SEND_GROUP, 100 members (50 online)': {
    dynamoRequests: 9,
    rru: 54.5,
    wru: 2,
    pushes: 49,
    sqs: 0,
    chain: 7,
  },
  'SEND_FILE, upload form': { dynamoRequests: 6, rru: 3, wru: 2, pushes: 0, sqs: 0, chain: 4 },
  'upload arrives (file-uploaded handler)': {
    dynamoRequests: 7,
    rru: 2.5,
    wru: 3,
    pushes: 2,
    sqs: 0,
    chain: 8,
  },
  'FILE_URL (own file)': { dynamoRequests: 4, rru: 3, wru: 0, pushes: 0, sqs: 0, chain: 3 },
  PING: { dynamoRequests: 0, rru: 0, wru: 0, pushes: 0, sqs: 0, chain: 0 },
} as const satisfies Record<string, BenchRow>;

/**
 * Not in the run of 2026-12-07 (PERFORMANCE.md, "Changed since this run, not re-measured"): AUTH and RESUME end with
 * a conditional UpdateItem that marks the login answered (1 WRU), one more round on AUTH's critical path. Added to
 * every AUTH row the model uses; their difference (what a waiting message adds) does not change.
 */
export const ANSWERED_MARK = { dynamoRequests: 1, rru: 0, wru: 1, pushes: 0, sqs: 0, chain: 1 } as const;

/** RRU a strongly consistent read of one small item costs (a membership or `META`: ≤ 4 KB). */
export const MEMBERSHIP_RRU = 1;

/**
 * Issue 22's check before every push of a group page (`membersOnly`, shared/data/groups.ts; DATA_MODEL.md, "What it
 * costs"): one strong BatchGetItem of `META` and the page's U distinct online users' memberships, 100 keys a request,
 * beside the render (no round). Nothing when the page is empty. One device per user (the workload's average).
 */
export function membershipReads(users: number): { dynamoRequests: number; rru: number } {
  if (users <= 0) return { dynamoRequests: 0, rru: 0 };
  return { dynamoRequests: Math.ceil((1 + users) / 100), rru: (1 + users) * MEMBERSHIP_RRU };
}

function cost(row: BenchRow, cpuMs = 0, plus: Partial<BenchRow> = {}): CommandCost {
  return {
    dynamoRequests: row.dynamoRequests + (plus.dynamoRequests ?? 0),
    rru: row.rru + (plus.rru ?? 0),
    wru: row.wru + (plus.wru ?? 0),
    pushes: row.pushes + (plus.pushes ?? 0),
    sqs: row.sqs + (plus.sqs ?? 0),
    chain: row.chain + (plus.chain ?? 0),
    cpuMs,
  };
}

const authNothing = cost(BENCH_ROWS['AUTH (G=0, nothing waiting)'], 120, ANSWERED_MARK);
const authTen = cost(BENCH_ROWS['AUTH (G=0, 10 waiting)'], 120, ANSWERED_MARK);
const sendGroupTen = BENCH_ROWS['SEND_GROUP, 10 members (5 online)'];
const tenMembersReads = membershipReads(sendGroupTen.pushes);

/** Each command's AWS work, from `BENCH_ROWS` and the additions above. */
export const MEASURED = {
  connect: cost(BENCH_ROWS.$connect),
  disconnect: cost(BENCH_ROWS['$disconnect (logged in, G=1)']),
  /** scrypt ≈ 120 ms of CPU (PERFORMANCE.md). Run: 29 requests in a chain of 16; with the answered mark 30 / 17. */
  auth: authNothing,
  /** What one waiting message adds to the AUTH that delivers it: (AUTH with 10 waiting − AUTH with none) / 10. */
  waitingAtAuth: {
    dynamoRequests: (authTen.dynamoRequests - authNothing.dynamoRequests) / 10,
    rru: (authTen.rru - authNothing.rru) / 10,
    wru: (authTen.wru - authNothing.wru) / 10,
    pushes: (authTen.pushes - authNothing.pushes) / 10,
    sqs: 0,
    chain: 0,
    cpuMs: 0,
  },
  sendOnline: cost(BENCH_ROWS['SEND, recipient online (1 device)']),
  sendOffline: cost(BENCH_ROWS['SEND, recipient offline']),
  /**
   * SEND_GROUP with 10 members (5 online) without its 4 pushes and without its page's membership read (1 request,
   * `META` and 4 memberships: 5 RRU), which `groupMessageCost` adds for each page of any size.
   */
  sendGroupBase: cost(sendGroupTen, 0, {
    dynamoRequests: -tenMembersReads.dynamoRequests,
    rru: -tenMembersReads.rru,
    pushes: -sendGroupTen.pushes,
  }),
  /**
   * One worker page, counted from the code (DATA_MODEL.md, "fan-out page"): GetItem of the message (s), the group
   * connections' Query (s, per device: GROUP_CONNECTION_RRU_PER_DEVICE), the departure marks (s, ≥ 1 RRU); and the next
   * page's job. Its membership read (`membershipReads`) is added by `groupMessageCost`.
   */
  fanOutPage: { dynamoRequests: 3, rru: 2, wru: 0, pushes: 0, sqs: 1, chain: 3, cpuMs: 0 },
  uploadForm: cost(BENCH_ROWS['SEND_FILE, upload form']),
  uploadArrives: cost(BENCH_ROWS['upload arrives (file-uploaded handler)']),
  fileUrl: cost(BENCH_ROWS['FILE_URL (own file)']),
  ping: cost(BENCH_ROWS.PING),
} satisfies Record<string, CommandCost>;

/**
 * RRU per online device a fan-out reads (group connections, strongly consistent): 1,801 RRU / 50,000 at 100k × 50 %.
 */
export const GROUP_CONNECTION_RRU_PER_DEVICE = 0.036;
/**
 * The app's fan-out constants, copied so the plan runs without the app's configuration; test/unit/capacity-model.test.ts
 * checks they equal shared/delivery/group.ts INLINE_CONNECTIONS, PAGE_CONNECTIONS and shared/push/client.ts
 * PUSH_CONCURRENCY.
 */
export const INLINE_CONNECTIONS = 100;
export const PAGE_CONNECTIONS = 1000;
export const PUSH_CONCURRENCY = 64;

/** A share of group messages going to groups of about `members` members. */
export interface GroupBand {
  members: number;
  share: number;
}

export interface Workload {
  registered: number;
  /** Connections open at the peak. */
  onlineAtPeak: number;
  /** Messages (of every kind) each online user sends per minute at the peak. */
  messagesPerUserMinute: number;
  privateShare: number;
  groupShare: number;
  fileShare: number;
  /** Private messages whose recipient is online. */
  recipientOnline: number;
  /** Members of a group online at a time (the peak's online / registered, unless stated otherwise). */
  groupOnline: number;
  groupBands: readonly GroupBand[];
  /** Average / peak, for monthly totals. */
  averageToPeak: number;
  /** Each connection PINGs every this many seconds when idle (client/connection.ts). */
  pingEveryS: number;
  /** API Gateway closes every connection after 2 hours: each is a reconnect + AUTH. */
  connectionLifetimeS: number;
  /** Average size of an uploaded file, MB, and how often each is downloaded. */
  fileMb: number;
  downloadsPerFile: number;
}

export const WORKLOAD: Workload = {
  registered: 1_000_000,
  onlineAtPeak: 100_000,
  messagesPerUserMinute: 0.5,
  privateShare: 0.7,
  groupShare: 0.28,
  fileShare: 0.02,
  recipientOnline: 0.6,
  groupOnline: 0.1,
  groupBands: [
    { members: 5, share: 0.5 },
    { members: 50, share: 0.3 },
    { members: 500, share: 0.15 },
    { members: 5_000, share: 0.045 },
    { members: 50_000, share: 0.005 },
  ],
  averageToPeak: 0.4,
  pingEveryS: 240,
  connectionLifetimeS: 7200,
  fileMb: 1,
  downloadsPerFile: 3,
};

/** Per-second AWS work. */
export interface Load {
  frames: number;
  /** API Gateway messages: frames in, answers out, pushes out. */
  apiMessages: number;
  pushes: number;
  lambdaInvocations: number;
  /** Lambda concurrency (Little's law: arrivals × seconds each). */
  lambdaConcurrency: number;
  /** $default alone: what its reserved concurrency must cover. */
  defaultConcurrency: number;
  dynamoRequests: number;
  rru: number;
  wru: number;
  sqs: number;
  newConnections: number;
}

export function emptyLoad(): Load {
  return {
    frames: 0,
    apiMessages: 0,
    pushes: 0,
    lambdaInvocations: 0,
    lambdaConcurrency: 0,
    defaultConcurrency: 0,
    dynamoRequests: 0,
    rru: 0,
    wru: 0,
    sqs: 0,
    newConnections: 0,
  };
}

/** Assumed AWS latencies (docs/CAPACITY.md states them): in-region DynamoDB / SQS request, and a push. */
export interface Latency {
  requestMs: number;
  pushMs: number;
  /** Per invocation outside the requests (runtime, parsing, logging). */
  overheadMs: number;
  /** SendMessage until the worker's invocation starts (event source mapping long-polling). */
  handoverMs: number;
}

/**
 * handoverMs: SQS standard queue → Lambda event source mapping, p90 33.8 ms (p50 16.2, p99 105) as measured by
 * bitesizedserverless.com, "Serverless Messaging: Latency Compared" (eu-west-1, 2022). pushMs and requestMs are
 * assumptions (in-region HTTPS round trips with kept-alive sockets); the plan shows 15 / 30 / 60 ms pushes.
 */
export const AWS_LATENCY: Latency = { requestMs: 8, pushMs: 30, overheadMs: 5, handoverMs: 35 };

/** Lambda time of one command on AWS: its chain of requests, push waves of `pushConcurrency`, CPU work. */
export function commandMs(cost: CommandCost, latency: Latency, pushConcurrency = 128): number {
  const waves = Math.ceil(cost.pushes / pushConcurrency);
  return latency.overheadMs + cost.chain * latency.requestMs + waves * latency.pushMs + cost.cpuMs;
}

/** Adds `rate` per second of a command handled by $default (or another function when `onDefault` is false). */
export function addCommand(
  load: Load,
  cost: CommandCost,
  rate: number,
  latency: Latency,
  onDefault = true,
): void {
  const seconds = commandMs(cost, latency) / 1000;
  load.dynamoRequests += rate * cost.dynamoRequests;
  load.rru += rate * cost.rru;
  load.wru += rate * cost.wru;
  load.pushes += rate * cost.pushes;
  load.apiMessages += rate * cost.pushes;
  load.sqs += rate * cost.sqs;
  load.lambdaInvocations += rate;
  load.lambdaConcurrency += rate * seconds;
  if (onDefault) load.defaultConcurrency += rate * seconds;
}

/** Online devices a group message reaches (the sender's own device excluded). */
export function groupDevices(members: number, online: number): number {
  return Math.max(0, Math.round(members * online) - 1);
}

/** Worker pages after the request's inline page. */
export function fanOutPages(devices: number, pageSize: number, inline = INLINE_CONNECTIONS): number {
  return devices <= inline ? 0 : Math.ceil((devices - inline) / pageSize);
}

/** The membership reads of a group message's pages: the request's inline page, then each worker page. */
export function groupMembershipReads(
  devices: number,
  pageSize: number,
): { dynamoRequests: number; rru: number } {
  const inline = Math.min(devices, INLINE_CONNECTIONS);
  const total = membershipReads(inline);
  for (let left = devices - inline; left > 0; left -= pageSize) {
    const page = membershipReads(Math.min(left, pageSize));
    total.dynamoRequests += page.dynamoRequests;
    total.rru += page.rru;
  }
  return total;
}

/** One group message's work: the request, the worker's pages, every push; offline members' share at their login. */
export function groupMessageCost(
  members: number,
  online: number,
  pageSize: number,
): CommandCost & { pages: number } {
  const devices = groupDevices(members, online);
  const pages = fanOutPages(devices, pageSize);
  const offline = Math.max(0, members - devices - 1);
  const base = MEASURED.sendGroupBase;
  const page = MEASURED.fanOutPage;
  const members22 = groupMembershipReads(devices, pageSize);
  return {
    pages,
    dynamoRequests: base.dynamoRequests + pages * page.dynamoRequests + members22.dynamoRequests,
    // Group connections read per device and (issue 22) `META` per page and each online member's membership, all strong;
    // a waiting message costs its offline members ~1/20 RRU each in their catch-up's log pages (≈190-byte items, 4 KB
    // per RRU) and nothing per member at send time.
    rru:
      base.rru +
      pages * page.rru +
      devices * GROUP_CONNECTION_RRU_PER_DEVICE +
      members22.rru +
      offline * 0.05,
    wru: base.wru,
    pushes: devices,
    sqs: pages,
    chain: base.chain,
    cpuMs: 0,
  };
}

/** Peak per-second load of the workload, with the fan-out page size in force. */
export function peakLoad(w: Workload, latency: Latency, pageSize: number): Load {
  const load = emptyLoad();
  const messages = (w.onlineAtPeak * w.messagesPerUserMinute) / 60;
  const privateRate = messages * w.privateShare;
  const groupRate = messages * w.groupShare;
  const fileRate = messages * w.fileShare;
  const pings = w.onlineAtPeak / w.pingEveryS;
  const reconnects = w.onlineAtPeak / w.connectionLifetimeS;
  load.frames = messages + pings + reconnects + fileRate * (1 + w.downloadsPerFile);
  // Every frame in is a message, and so is its answer.
  load.apiMessages += 2 * load.frames;
  load.newConnections = reconnects;

  addCommand(load, MEASURED.sendOnline, privateRate * w.recipientOnline, latency);
  addCommand(load, MEASURED.sendOffline, privateRate * (1 - w.recipientOnline), latency);
  addCommand(load, MEASURED.waitingAtAuth, privateRate * (1 - w.recipientOnline), latency);
  // The waiting-at-AUTH share is part of an AUTH already counted: take its invocation back.
  load.lambdaInvocations -= privateRate * (1 - w.recipientOnline);
  for (const band of w.groupBands) {
    const cost = groupMessageCost(band.members, w.groupOnline, pageSize);
    const rate = groupRate * band.share;
    const inline = { ...cost, pushes: Math.min(cost.pushes, INLINE_CONNECTIONS) };
    addCommand(load, inline, rate, latency);
    const workerPushes = cost.pushes - inline.pushes;
    load.dynamoRequests += rate * (cost.dynamoRequests - inline.dynamoRequests);
    load.pushes += rate * workerPushes;
    load.apiMessages += rate * workerPushes;
    // Worker invocations: one per page (batches of one: the pages arrive one after another).
    const perPage = workerPushes / Math.max(1, cost.pages);
    const pageMs = commandMs({ ...MEASURED.fanOutPage, pushes: perPage }, latency);
    load.lambdaInvocations += rate * cost.pages;
    load.lambdaConcurrency += (rate * cost.pages * pageMs) / 1000;
  }
  addCommand(load, MEASURED.uploadForm, fileRate, latency);
  addCommand(load, MEASURED.uploadArrives, fileRate, latency, false);
  addCommand(load, MEASURED.fileUrl, fileRate * w.downloadsPerFile, latency);
  addCommand(load, MEASURED.ping, pings, latency);
  addCommand(load, MEASURED.connect, reconnects, latency, false);
  addCommand(load, MEASURED.auth, reconnects, latency);
  addCommand(load, MEASURED.disconnect, reconnects, latency, false);
  return load;
}

// ---------------------------------------------------------------------------------------------------------------
// Hot partitions

export interface HotGroupOptions {
  members: number;
  online: number;
  sendsPerSecond: number;
  pageSize: number;
}

export interface HotGroupResult {
  devices: number;
  pages: number;
  /** RCU per second on `GROUP#g` (group item, group connection pages, departure marks, `META` again per page). */
  groupPartitionRcu: number;
  /** RCU and WCU per second on `GMSG#g` (the message log: one write per message, one read per worker page). */
  logPartitionRcu: number;
  logPartitionWcu: number;
  /** The highest send rate each partition sustains (3,000 RCU / 1,000 WCU per partition). */
  maxSendsGroupPartition: number;
  maxSendsLogPartition: number;
  /** RCU per second on each online member's `USER#u` (its membership, read by every send's page). */
  memberPartitionRcu: number;
  /** RCU per second the group's sends read from the whole table (what on-demand's table quotas and the bill see). */
  tableRcu: number;
  /** Pushes per second the group alone asks of @connections. */
  pushesPerSecond: number;
  saturated: boolean;
}

/**
 * One group whose members send `sendsPerSecond`: every send reads the group item (`META`, 1 RCU), every group
 * connection item of the online devices (strong), and per page (the request's and each worker page) the departure marks
 * (≥ 1 RCU, AWS's minimum) and, since issue 22, `META` again with the page's memberships (strong, `membersOnly`); it
 * writes the message (1 WCU) and each worker page reads it back (1 RCU). The sender's membership and the online
 * members' memberships are `USER#u / GROUP#g` items: each in its own user's partition, 1 RCU per send there.
 */
export function hotGroup(o: HotGroupOptions): HotGroupResult {
  const devices = groupDevices(o.members, o.online);
  const pages = fanOutPages(devices, o.pageSize);
  const pageReads = devices > 0 ? 1 + pages : 0;
  const groupRcuPerSend =
    1 + devices * GROUP_CONNECTION_RRU_PER_DEVICE + (1 + pages) + pageReads * MEMBERSHIP_RRU;
  const logRcuPerSend = pages * 1;
  const logWcuPerSend = 1;
  const groupPartitionRcu = o.sendsPerSecond * groupRcuPerSend;
  const logPartitionRcu = o.sendsPerSecond * logRcuPerSend;
  const logPartitionWcu = o.sendsPerSecond * logWcuPerSend;
  const maxSendsGroupPartition = QUOTAS.partitionRcu / groupRcuPerSend;
  // Spread over users' partitions: the sender's membership and each online member's (one device each).
  const memberRcuPerSend = (1 + devices) * MEMBERSHIP_RRU;
  const tableRcu = o.sendsPerSecond * (groupRcuPerSend + logRcuPerSend + memberRcuPerSend);
  const maxSendsLogPartition = Math.min(
    logRcuPerSend > 0 ? QUOTAS.partitionRcu / logRcuPerSend : Number.POSITIVE_INFINITY,
    QUOTAS.partitionWcu / logWcuPerSend,
  );
  return {
    devices,
    pages,
    groupPartitionRcu,
    logPartitionRcu,
    logPartitionWcu,
    maxSendsGroupPartition,
    maxSendsLogPartition,
    memberPartitionRcu: o.sendsPerSecond * MEMBERSHIP_RRU,
    tableRcu,
    pushesPerSecond: o.sendsPerSecond * devices,
    saturated:
      groupPartitionRcu > QUOTAS.partitionRcu ||
      logPartitionRcu > QUOTAS.partitionRcu ||
      logPartitionWcu > QUOTAS.partitionWcu ||
      o.sendsPerSecond * MEMBERSHIP_RRU > QUOTAS.partitionRcu,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Fan-out on AWS

export interface FanOutOptions {
  devices: number;
  pageSize: number;
  /** Pushes in flight at once inside one invocation (shared/push/client.ts PUSH_CONCURRENCY). */
  pushConcurrency: number;
  latency: Latency;
  /** CPU ms one push costs the worker at 1 vCPU (measured by bench/capacity.ts), and the worker's memory. */
  pushCpuMs: number;
  workerMemoryMb: number;
  /** The event source mapping's MaximumConcurrency (undefined: none, up to the account's). */
  maxConcurrency?: number;
  /** Start from the ESM's cold floor of 5 concurrent batches, adding 300 a minute (true), or fully scaled (false). */
  cold?: boolean;
  /** Group connections per ms a Query returns and the SDK parses (≈140 bytes each: 5,000 items, 700 KB, in 100 ms). */
  itemsPerMs?: number;
}

export interface FanOutResult {
  pages: number;
  /** When the last device had the message, s after the send arrived. */
  lastDeviceS: number;
  /** When the last page started (the chain of page hand-overs). */
  lastPageStartS: number;
  /** The most pages running at once. */
  peakConcurrency: number;
  /** Seconds one full page takes. */
  pageS: number;
}

/** vCPU share Lambda gives a function at `memoryMb` (1 full vCPU at 1,769 MB). */
export function vcpuShare(memoryMb: number): number {
  return Math.min(6, memoryMb / 1769);
}

/** Seconds to push `n` devices from one invocation: waves of `pushConcurrency` round trips, or CPU, whichever is longer. */
export function pushSeconds(
  n: number,
  o: Pick<FanOutOptions, 'pushConcurrency' | 'latency' | 'pushCpuMs' | 'workerMemoryMb'>,
): number {
  const byLatency = Math.ceil(n / o.pushConcurrency) * o.latency.pushMs;
  const byCpu = (n * o.pushCpuMs) / Math.min(1, vcpuShare(o.workerMemoryMb));
  return Math.max(byLatency, byCpu) / 1000;
}

/**
 * Discrete-event model of shared/delivery/group.ts on AWS: the request stores the message, reads the first 100
 * group connections and enqueues page 1 before pushing; each page's job starts after the SQS hand-over (when a worker
 * slot is free), reads the message and its page of group connections, enqueues the next page, then pushes its page.
 */
export function fanOutOnAws(o: FanOutOptions): FanOutResult {
  const itemsPerMs = o.itemsPerMs ?? 50;
  const req = o.latency.requestMs;
  const pages = fanOutPages(o.devices, o.pageSize);
  const inlineDevices = Math.min(o.devices, INLINE_CONNECTIONS);
  // Request: session, group, membership reads in two rounds; store; first page of group connections; enqueue.
  const enqueuedFirst = (2 * req + req + req + INLINE_CONNECTIONS / itemsPerMs + req) / 1000;
  let last = enqueuedFirst + pushSeconds(inlineDevices, o);
  const running: number[] = []; // end times of pages in flight
  let peak = 0;
  let readyAt = enqueuedFirst;
  let lastStart = 0;
  const cap = o.maxConcurrency ?? QUOTAS.esmMaxConcurrency;
  const concurrencyAt = (t: number) =>
    o.cold === false
      ? cap
      : Math.min(cap, QUOTAS.esmInitialConcurrency + (QUOTAS.esmScalingPerMinute * t) / 60);
  let pageS = 0;
  for (let p = 0; p < pages; p++) {
    const size = p === pages - 1 ? o.devices - inlineDevices - p * o.pageSize : o.pageSize;
    let start = readyAt + o.latency.handoverMs / 1000;
    // Wait for a free slot.
    running.sort((a, b) => a - b);
    while (running.filter((end) => end > start).length >= Math.floor(concurrencyAt(start))) {
      const next = running.find((end) => end > start);
      if (next === undefined) break;
      start = next;
    }
    const read = (req + Math.min(o.pageSize, Math.max(size, 1)) / itemsPerMs) / 1000;
    const enqueued = start + read + req / 1000;
    const end = enqueued + pushSeconds(size, o);
    running.push(end);
    peak = Math.max(peak, running.filter((e) => e > start).length);
    readyAt = enqueued;
    lastStart = start;
    last = Math.max(last, end);
    if (p === 0) pageS = end - start;
  }
  return { pages, lastDeviceS: last, lastPageStartS: lastStart, peakConcurrency: peak, pageS };
}

// ---------------------------------------------------------------------------------------------------------------
// Prices and the monthly bill

export const PRICES_US_EAST_1 = {
  apiMessageFirstBillion: 1.0 / 1e6,
  apiMessageBeyond: 0.8 / 1e6,
  apiConnectionMinute: 0.25 / 1e6,
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecondArm: 0.0000133334,
  dynamoWru: 0.625 / 1e6,
  dynamoRru: 0.125 / 1e6,
  dynamoStorageGbMonth: 0.25,
  s3StorageGbMonth: 0.023,
  s3Put: 0.005 / 1000,
  s3Get: 0.0004 / 1000,
  sqsRequest: 0.4 / 1e6,
  logsIngestGb: 0.5,
  dataTransferOutGb: 0.09,
} as const;

export const SECONDS_PER_MONTH = 30.4375 * 24 * 3600;

export interface BillLine {
  item: string;
  quantity: string;
  usd: number;
}

/** API Gateway WebSocket messages, tiered: the first billion at $1.00 per million, the rest at $0.80. */
export function apiMessagesUsd(messages: number): number {
  const first = Math.min(messages, 1e9);
  return (
    first * PRICES_US_EAST_1.apiMessageFirstBillion +
    Math.max(0, messages - 1e9) * PRICES_US_EAST_1.apiMessageBeyond
  );
}

export interface BillInputs {
  peak: Load;
  workload: Workload;
  latency: Latency;
  /** Bytes of log per invocation (the platform's START/END/REPORT lines and the app's JSON line). */
  logBytesPerInvocation: number;
  /** Bytes one stored message takes in the table with its pointer items, and messages kept (months). */
  storedBytesPerMessage: number;
  monthsKept: number;
  /** Average bytes of a frame leaving API Gateway. */
  frameBytes: number;
  /** Mean GB of memory over the invocations (most are $default's 1 GB). */
  meanMemoryGb: number;
}

export function monthlyBill(b: BillInputs): BillLine[] {
  const f = b.workload.averageToPeak * SECONDS_PER_MONTH;
  const p = PRICES_US_EAST_1;
  const messages = b.peak.apiMessages * f;
  const connectionMinutes = b.workload.onlineAtPeak * b.workload.averageToPeak * (SECONDS_PER_MONTH / 60);
  const invocations = b.peak.lambdaInvocations * f;
  // Concurrency × seconds = busy seconds.
  const gbSeconds = b.peak.lambdaConcurrency * f * b.meanMemoryGb;
  const rru = b.peak.rru * f;
  const wru = b.peak.wru * f;
  const userMessages = ((b.workload.onlineAtPeak * b.workload.messagesPerUserMinute) / 60) * f;
  const storageGb = (userMessages * b.monthsKept * b.storedBytesPerMessage) / 1e9;
  const files = userMessages * b.workload.fileShare;
  const fileGb = (files * b.workload.fileMb) / 1000;
  const sqsRequests = b.peak.sqs * f * 3; // send, receive, delete
  const logGb = (invocations * b.logBytesPerInvocation) / 1e9;
  const egressGb = (messages * b.frameBytes) / 1e9 + fileGb * b.workload.downloadsPerFile;
  const m = (n: number) => `${(n / 1e6).toFixed(1)} M`;
  return [
    {
      item: 'API Gateway messages (frames in, answers, pushes)',
      quantity: m(messages),
      usd: apiMessagesUsd(messages),
    },
    {
      item: 'API Gateway connection minutes',
      quantity: m(connectionMinutes),
      usd: connectionMinutes * p.apiConnectionMinute,
    },
    { item: 'Lambda requests', quantity: m(invocations), usd: invocations * p.lambdaRequest },
    { item: 'Lambda duration (arm64 GB-s)', quantity: m(gbSeconds), usd: gbSeconds * p.lambdaGbSecondArm },
    { item: 'DynamoDB write request units', quantity: m(wru), usd: wru * p.dynamoWru },
    { item: 'DynamoDB read request units', quantity: m(rru), usd: rru * p.dynamoRru },
    {
      item: `DynamoDB storage (${b.monthsKept} months of messages)`,
      quantity: `${storageGb.toFixed(0)} GB`,
      usd: storageGb * p.dynamoStorageGbMonth,
    },
    {
      item: 'S3 storage (30 days of files)',
      quantity: `${fileGb.toFixed(0)} GB`,
      usd: fileGb * p.s3StorageGbMonth,
    },
    {
      item: 'S3 requests (PUT, COPY per upload; GET per download)',
      quantity: m(files * (2 + b.workload.downloadsPerFile)),
      usd: files * 2 * p.s3Put + files * b.workload.downloadsPerFile * p.s3Get,
    },
    {
      item: 'SQS requests (send, receive, delete per job)',
      quantity: m(sqsRequests),
      usd: sqsRequests * p.sqsRequest,
    },
    { item: 'CloudWatch Logs ingestion', quantity: `${logGb.toFixed(0)} GB`, usd: logGb * p.logsIngestGb },
    {
      item: 'Data transfer out (frames and file downloads)',
      quantity: `${egressGb.toFixed(0)} GB`,
      usd: egressGb * p.dataTransferOutGb,
    },
  ];
}
