/**
 * Cost per million messages from AWS list prices (bench/prices.ts) and the figures measured in this run:
 * requests and capacity units per command, handler durations, pushes. Messages that wait for an offline
 * recipient are charged their later delivery too (the marginal cost of one waiting message at AUTH).
 */
import type { CommandResult } from './commands.js';
import { PRICES } from './prices.js';

/** $default runs at this memory (infra/stack.ts DEFAULT_ROUTE_MEMORY_MB). */
export const DEFAULT_ROUTE_MEMORY_MB = 1024;
/**
 * Connection minutes are a cost of being online, not of a message; to put them per message we assume a user
 * sends one message per connected minute (stated beside the figures).
 */
export const CONNECTION_MINUTES_PER_MESSAGE = 1;
/**
 * On AWS each request on the critical path takes longer than on loopback; the second total adds this much handler
 * time per request in the longest chain.
 */
export const AWS_MS_PER_ROUND = 10;

export interface Usage {
  apiMessages: number;
  connectionMinutes: number;
  lambdaRequests: number;
  /** Handler milliseconds, as measured locally. */
  lambdaMs: number;
  rounds: number;
  readUnits: number;
  writeUnits: number;
  s3Puts: number;
  s3Gets: number;
}

export interface CostLine {
  label: string;
  usage: Usage;
  /** USD per million, by service, with measured local durations. */
  apiGateway: number;
  lambda: number;
  dynamodb: number;
  s3: number;
  total: number;
  /** The same with each critical-path round costing AWS_MS_PER_ROUND more handler time. */
  totalAwsLatency: number;
}

function usageOf(r: CommandResult): Usage {
  return {
    apiMessages: 2 + r.counts.pushes,
    connectionMinutes: 0,
    lambdaRequests: 1,
    lambdaMs: r.latencyMs,
    rounds: r.chain,
    readUnits: r.counts.readUnits,
    writeUnits: r.counts.writeUnits,
    s3Puts: r.counts.s3Puts,
    s3Gets: r.counts.s3Gets,
  };
}

function plus(a: Usage, b: Usage, times = 1): Usage {
  return {
    apiMessages: a.apiMessages + b.apiMessages * times,
    connectionMinutes: a.connectionMinutes + b.connectionMinutes * times,
    lambdaRequests: a.lambdaRequests + b.lambdaRequests * times,
    lambdaMs: a.lambdaMs + b.lambdaMs * times,
    rounds: a.rounds + b.rounds * times,
    readUnits: a.readUnits + b.readUnits * times,
    writeUnits: a.writeUnits + b.writeUnits * times,
    s3Puts: a.s3Puts + b.s3Puts * times,
    s3Gets: a.s3Gets + b.s3Gets * times,
  };
}

/** What one more waiting message adds to an AUTH: (AUTH with n waiting − AUTH with none) / n. */
function marginal(withWaiting: CommandResult, without: CommandResult, n: number): Usage {
  const a = usageOf(withWaiting);
  const b = usageOf(without);
  return {
    apiMessages: (a.apiMessages - b.apiMessages) / n,
    connectionMinutes: 0,
    lambdaRequests: 0,
    lambdaMs: Math.max(0, a.lambdaMs - b.lambdaMs) / n,
    rounds: Math.max(0, a.rounds - b.rounds) / n,
    readUnits: (a.readUnits - b.readUnits) / n,
    writeUnits: (a.writeUnits - b.writeUnits) / n,
    s3Puts: 0,
    s3Gets: 0,
  };
}

function price(label: string, u: Usage): CostLine {
  const p = PRICES;
  const gb = DEFAULT_ROUTE_MEMORY_MB / 1024;
  const M = 1e6;
  const apiGateway =
    (u.apiMessages * p.apiGateway.perMessage + u.connectionMinutes * p.apiGateway.perConnectionMinute) * M;
  const lambdaFor = (ms: number) =>
    (u.lambdaRequests * p.lambda.perRequest + gb * (ms / 1000) * p.lambda.perGbSecondArm) * M;
  const lambda = lambdaFor(u.lambdaMs);
  const dynamodb = (u.readUnits * p.dynamodb.perReadUnit + u.writeUnits * p.dynamodb.perWriteUnit) * M;
  const s3 = (u.s3Puts * p.s3.perPut + u.s3Gets * p.s3.perGet) * M;
  const total = apiGateway + lambda + dynamodb + s3;
  const totalAwsLatency = total - lambda + lambdaFor(u.lambdaMs + u.rounds * AWS_MS_PER_ROUND);
  return { label, usage: u, apiGateway, lambda, dynamodb, s3, total, totalAwsLatency };
}

export function costLines(results: readonly CommandResult[], group100: string): CostLine[] {
  const find = (name: string) => {
    const r = results.find((x) => x.name === name);
    if (!r) throw new Error(`cost: no measurement named "${name}"`);
    return r;
  };
  const session = { connectionMinutes: CONNECTION_MINUTES_PER_MESSAGE };
  const online = usageOf(find('SEND, recipient online (1 device)'));
  const perWaiting = marginal(find('AUTH (G=0, 10 waiting)'), find('AUTH (G=0, nothing waiting)'), 10);
  const perGroupWaiting = marginal(
    find('AUTH (G=1, 10 waiting group messages)'),
    find('AUTH (G=1, nothing waiting)'),
    10,
  );
  const group = find(group100);
  const groupSize = Number(/(\d+) members/.exec(group100)?.[1]);
  const groupOnline = Number(/\((\d+) online\)/.exec(group100)?.[1]);
  const waitingMembers = groupSize - groupOnline;
  const file = usageOf(find('SEND_FILE inline 1 KB, recipient online'));
  return [
    price('private message, recipient online', { ...online, ...session }),
    price(
      'private message, recipient offline (incl. delivery at next AUTH)',
      plus({ ...usageOf(find('SEND, recipient offline')), ...session }, perWaiting),
    ),
    price(
      `group message, ${groupSize} members, ${groupOnline} online (incl. ${waitingMembers} deliveries at AUTH)`,
      plus({ ...usageOf(group), ...session }, perGroupWaiting, waitingMembers),
    ),
    price('private file, 1 KB inline, recipient online, downloaded once', {
      ...file,
      ...session,
      s3Gets: file.s3Gets + 1,
    }),
  ];
}
