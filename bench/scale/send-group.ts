/**
 * SEND_GROUP at scale: one group per size, its members seeded, a share of them online. The sender and one member
 * (named to sort last, so they are in the very last page) are real WebSocket clients; every other online member is
 * a simulated device (bench/scale/sinks.ts). The group is reused from the smaller share online to the larger one.
 */
import { type Call, type Counts, countCalls } from '../instrument.js';
import { addMembers, names, seedAccounts, seedDevices, seedGroup } from './seeding.js';
import type { WrittenItem } from './sinks.js';
import { expectOk, login, type World } from './world.js';

export interface SendGroupResult {
  members: number;
  onlinePercent: number;
  /** Online devices besides the sender's: simulated ones plus the one real member. */
  recipients: number;
  counts: Counts;
  /** Requests by `service:op`. */
  byOp: Record<string, number>;
  /** The largest item written (PutItem, BatchWriteItem). */
  largest: WrittenItem | undefined;
  answerMs: number;
  /** Until the last online member had it: the last simulated push answered, or the real member's arrival. */
  lastMs: number;
  /** When the real member's WebSocket got it. */
  realMs: number;
  jobs: number;
  failures: string[];
}

export function byOp(calls: readonly Call[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const call of calls) out[`${call.service}:${call.op}`] = (out[`${call.service}:${call.op}`] ?? 0) + 1;
  return out;
}

export async function sendGroupAt(
  world: World,
  size: number,
  percents: readonly number[],
  progress: (what: string) => void,
): Promise<SendGroupResult[]> {
  const group = `sg${size}`;
  const sender = `a${size}sender`;
  const real = `zz${size}real`;
  const fillers = names(`s${size}m`, size - 2);
  progress(`SEND_GROUP ${size}: seeding ${size} members`);
  await seedAccounts(world, [sender, real]);
  await seedGroup(world, group, [sender, real]);
  await addMembers(world, group, fillers);
  const senderClient = await login(world, sender);
  const realClient = await login(world, real);
  await world.settle();

  const results: SendGroupResult[] = [];
  let devices = 0;
  try {
    for (const percent of [...percents].sort((a, b) => a - b)) {
      const online = Math.max(2, Math.round((size * percent) / 100));
      const simulated = Math.min(fillers.length, online - 2);
      progress(`SEND_GROUP ${size} at ${percent}% online: seeding ${simulated - devices} more devices`);
      await seedDevices(world, group, fillers.slice(devices, simulated));
      devices = simulated;
      await world.settle();

      const { recorder, pushes, items } = world;
      const mark = recorder.mark();
      const itemMark = items.mark();
      pushes.reset();
      const message = `scale ${size} members ${percent}% online`;
      const failures: string[] = [];
      const t0 = performance.now();
      const answer = await senderClient.request(`SEND_GROUP ${group} ${message}`);
      const answerMs = performance.now() - t0;
      try {
        expectOk(answer, 'SEND_GROUP');
      } catch (error) {
        failures.push((error as Error).message);
      }
      let realMs = Number.NaN;
      try {
        realMs = (await realClient.arrival((f) => f.message === message, 600_000)).at - t0;
      } catch (error) {
        failures.push(`real member: ${(error as Error).message}`);
      }
      await world.settle();
      const calls = recorder.since(mark);
      const lastPost = calls.reduce(
        (last, c) => (c.op === 'PostToConnection' ? Math.max(last, c.end) : last),
        t0,
      );
      const lastMs = Math.max(realMs, pushes.lastAt - t0, lastPost - t0);
      if (pushes.count !== simulated)
        failures.push(`${pushes.count} of ${simulated} simulated devices pushed`);
      const copies = realClient.arrivals.filter((a) => a.frame.message === message).length;
      if (copies > 1) failures.push(`real member got it ${copies} times`);
      const errors = calls.filter((c) => c.error);
      if (errors.length > 0)
        failures.push(`${errors.length} AWS errors (${errors[0]?.op}: ${errors[0]?.error})`);
      const counts = countCalls(calls);
      results.push({
        members: size,
        onlinePercent: percent,
        recipients: simulated + 1,
        counts,
        byOp: byOp(calls),
        largest: items.largestSince(itemMark),
        answerMs,
        lastMs,
        realMs,
        jobs: counts.sqs,
        failures,
      });
      progress(
        `SEND_GROUP ${size} at ${percent}%: answer ${answerMs.toFixed(0)} ms, last ${lastMs.toFixed(0)} ms, ${counts.readUnits}/${counts.writeUnits} RRU/WRU${failures.length ? `, FAILURES: ${failures.join('; ')}` : ''}`,
      );
    }
  } finally {
    await Promise.all([senderClient.close(), realClient.close()]);
    await world.settle();
  }
  return results;
}
