/**
 * The arithmetic of the capacity plan (bench/capacity-model.ts, docs/CAPACITY.md): throttles, the reconnect storm,
 * per-message costs, hot partitions, the fan-out model and the bill. Each expectation is worked out by hand in the
 * comment beside it, so a changed formula fails here.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ANSWERED_MARK,
  apiMessagesUsd,
  BENCH_ROWS,
  type BenchRow,
  bucket,
  delayMs,
  fanOutOnAws,
  fanOutPages,
  GROUP_CONNECTION_RRU_PER_DEVICE,
  groupDevices,
  groupMembershipReads,
  groupMessageCost,
  hotGroup,
  INLINE_CONNECTIONS,
  MEASURED,
  MEMBERSHIP_RRU,
  membershipReads,
  monthlyBill,
  PAGE_CONNECTIONS,
  PUSH_CONCURRENCY,
  peakLoad,
  pushSeconds,
  QUOTAS,
  refill,
  SECONDS_PER_MONTH,
  seeded,
  simulateStorm,
  stormFloorS,
  take,
  vcpuShare,
  WORKLOAD,
} from '../../bench/capacity-model.js';
import { useTable } from '../support/table.js';

await useTable();
process.env.QUEUE_URL = 'http://127.0.0.1:9/queue/unit';

const flat = { requestMs: 10, pushMs: 10, overheadMs: 0, handoverMs: 50 };

/** docs/PERFORMANCE.md's "Latest run" → "Requests per command" table, by command (the columns BenchRow holds). */
function latestRun(): Map<string, BenchRow> {
  const doc = readFileSync(new URL('../../docs/PERFORMANCE.md', import.meta.url), 'utf8');
  const run = doc.slice(doc.indexOf('\n## Latest run'));
  const section = run.slice(run.indexOf('\n### Requests per command'), run.indexOf('\n## ', 1));
  const rows = new Map<string, BenchRow>();
  for (const line of section.split('\n')) {
    const cells = line.split(' | ').map((c) => c.replace(/^\| ?| ?\|$/g, '').trim());
    const [name, requests, , units, , , pushes, path, , , made] = cells;
    const [rru, wru] = (units ?? '').split(' / ').map(Number);
    const chain = /\((\d+)\)/.exec(path ?? '')?.[1];
    if (!name || !/^\d/.test(requests ?? '') || made === undefined || chain === undefined) continue;
    const sqs = /(?:(\d+)×)?SendMessage/.exec(made);
    rows.set(name, {
      dynamoRequests: Number.parseInt(requests ?? '', 10),
      rru: rru ?? Number.NaN,
      wru: wru ?? Number.NaN,
      pushes: Number(pushes),
      sqs: sqs ? Number(sqs[1] ?? 1) : 0,
      chain: Number(chain),
    });
  }
  return rows;
}

describe('capacity model', () => {
  it('copies the app fan-out constants exactly', async () => {
    const group = await import('../../shared/delivery/group.js');
    const push = await import('../../shared/push/client.js');
    expect(INLINE_CONNECTIONS).toBe(group.INLINE_CONNECTIONS);
    expect(PAGE_CONNECTIONS).toBe(group.PAGE_CONNECTIONS);
    expect(PUSH_CONCURRENCY).toBe(push.PUSH_CONCURRENCY);
  });

  it("is fed with docs/PERFORMANCE.md's latest run: every row it copies is there, with the same figures", () => {
    const run = latestRun();
    expect(run.size).toBeGreaterThan(50); // the table was found and parsed
    for (const [name, row] of Object.entries(BENCH_ROWS)) {
      expect({ name, ...run.get(name) }).toEqual({ name, ...row });
    }
  });

  it('adds to the measured rows only what they cannot show: the answered mark and the pages beyond the 10-member row', () => {
    const auth = BENCH_ROWS['AUTH (G=0, nothing waiting)'];
    expect(MEASURED.auth).toEqual({
      dynamoRequests: auth.dynamoRequests + ANSWERED_MARK.dynamoRequests, // 30
      rru: auth.rru,
      wru: auth.wru + ANSWERED_MARK.wru, // 21
      pushes: 1,
      sqs: 1,
      chain: auth.chain + ANSWERED_MARK.chain, // 17
      cpuMs: 120,
    });
    // (33 − 29) / 10 requests, (13.5 − 5.5) / 10 RRU, (30 − 20) / 10 WRU, (2 − 1) / 10 pushes: the mark cancels out.
    expect(MEASURED.waitingAtAuth).toMatchObject({ dynamoRequests: 0.4, rru: 0.8, wru: 1, pushes: 0.1 });
    // SEND_GROUP to 5 online of 10 (9 requests, 8.5 RRU) less its 4 pushes and its page's BatchGetItem of META and 4
    // memberships; put back by groupMessageCost, the 10-member row is what the bench measured.
    expect(MEASURED.sendGroupBase).toMatchObject({
      dynamoRequests: 8,
      rru: 3.5,
      wru: 2,
      pushes: 0,
      chain: 7,
    });
    const ten = groupMessageCost(10, 0.5, 1000);
    const row = BENCH_ROWS['SEND_GROUP, 10 members (5 online)'];
    expect(ten.dynamoRequests).toBe(row.dynamoRequests);
    expect(ten.pushes).toBe(row.pushes);
    expect(ten.rru - 4 * GROUP_CONNECTION_RRU_PER_DEVICE - 5 * 0.05).toBeCloseTo(row.rru, 9);

    // The 100-member row (49 online) checks the per-member figure: the same 9 requests, and 54.5 RRU against the
    // model's 3.5 + 50 memberships + 49 group connections (measured as one 2-RRU Query where the 10-member row read 1,
    // modelled at 0.036 each).
    const hundred = groupMessageCost(100, 0.5, 1000);
    const measured = BENCH_ROWS['SEND_GROUP, 100 members (50 online)'];
    expect(hundred.dynamoRequests).toBe(measured.dynamoRequests);
    expect(hundred.rru - 50 * 0.05 - 49 * GROUP_CONNECTION_RRU_PER_DEVICE).toBeCloseTo(measured.rru - 1, 9);
    // AUTH per group (G=1 − G=0), as bench/capacity.ts scales it to 500 groups: +2 RRU (membership and group item
    // read back), +2 WRU (pending and live copies).
    const one = BENCH_ROWS['AUTH (G=1, nothing waiting)'];
    const none = BENCH_ROWS['AUTH (G=0, nothing waiting)'];
    expect([one.rru - none.rru, one.wru - none.wru]).toEqual([2 * MEMBERSHIP_RRU, 2]);
  });

  it("issue 22's membership reads: META and one membership per online user, 100 keys a request, per page", () => {
    expect(membershipReads(0)).toEqual({ dynamoRequests: 0, rru: 0 });
    expect(membershipReads(99)).toEqual({ dynamoRequests: 1, rru: 100 });
    expect(membershipReads(100)).toEqual({ dynamoRequests: 2, rru: 101 });
    expect(membershipReads(1000)).toEqual({ dynamoRequests: 11, rru: 1001 * MEMBERSHIP_RRU });
    // 2,600 devices in pages of 1,000: the inline 100 (2 requests, 101 RRU), then 1,000, 1,000, 500.
    expect(groupMembershipReads(2600, 1000)).toEqual({ dynamoRequests: 2 + 11 + 11 + 6, rru: 2600 + 4 });
  });

  it('token buckets refill at their rate up to the burst and admit only when every bucket has a token', () => {
    const a = bucket(10, 2);
    const b = bucket(1, 1);
    expect(take([a, b])).toBe(true); // a 1, b 0
    expect(take([a, b])).toBe(false); // b is empty: nothing taken from a
    expect(a.tokens).toBe(1);
    refill(a, 0.05); // +0.5
    refill(b, 0.5); // +0.5
    expect(a.tokens).toBe(1.5);
    expect(b.tokens).toBe(0.5);
    refill(a, 10);
    expect(a.tokens).toBe(2);
  });

  it('back-off draws: full jitter over [0, ceiling], equal jitter over [ceiling / 2, ceiling], none the ceiling', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (attempt, r) => {
          const ceiling = Math.min(30_000, 500 * 2 ** Math.min(attempt, 30));
          expect(delayMs(attempt, 'full', () => r)).toBeCloseTo(ceiling * r, 6);
          expect(delayMs(attempt, 'equal', () => r)).toBeGreaterThanOrEqual(ceiling / 2);
          expect(delayMs(attempt, 'none', () => r)).toBe(ceiling);
        },
      ),
    );
  });

  it('a storm can never beat clients ÷ the tightest rate, and every client gets in', () => {
    // 2,000 clients, 100/s with a burst of 100: (2,000 − 100) / 100 = 19 s.
    const throttles = [
      [100, 100],
      [500, 500],
    ] as const;
    expect(stormFloorS(2000, throttles)).toBe(19);
    const r = simulateStorm({ clients: 2000, jitter: 'full', throttles, seed: 3 });
    expect(r.connected).toBe(2000);
    expect(r.lastConnectedS).toBeGreaterThanOrEqual(19);
    expect(r.attempts).toBe(r.connected + r.refused);
    expect(r.peakAttemptsPerSecond).toBeGreaterThanOrEqual(100);
    // Deterministic for a seed.
    expect(simulateStorm({ clients: 2000, jitter: 'full', throttles, seed: 3 })).toEqual(r);
  });

  it('a storm below the rate connects everyone at their first attempt', () => {
    const r = simulateStorm({ clients: 50, jitter: 'full', throttles: [[1000, 1000]], random: () => 0.5 });
    expect(r).toMatchObject({ connected: 50, refused: 0, attempts: 50 });
    expect(r.lastConnectedS).toBe(0.25); // every first draw is 500 ms × 0.5
  });

  it('seeded draws are in [0, 1) and repeatable', () => {
    const a = seeded(42);
    const b = seeded(42);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });

  it('group messages: devices exclude the sender, pages follow the inline hundred', () => {
    expect(groupDevices(1000, 0.5)).toBe(499);
    expect(groupDevices(1, 0)).toBe(0);
    expect(fanOutPages(100, 1000)).toBe(0);
    expect(fanOutPages(101, 1000)).toBe(1);
    expect(fanOutPages(49_999, 1000)).toBe(50); // 49,899 after the inline 100
    // 1,000 members at 50 %: 499 devices, 1 page, 500 offline.
    const cost = groupMessageCost(1000, 0.5, 1000);
    expect(cost.pages).toBe(1);
    expect(cost.pushes).toBe(499);
    expect(cost.sqs).toBe(1);
    // Base 8 + the page's 3 + membership reads: inline 100 (2 requests), page of 399 (4).
    expect(cost.dynamoRequests).toBe(8 + 3 + 2 + 4);
    expect(cost.rru).toBeCloseTo(
      3.5 + 2 + 499 * GROUP_CONNECTION_RRU_PER_DEVICE + (101 + 400) * MEMBERSHIP_RRU + 500 * 0.05,
      9,
    );
    expect(cost.wru).toBe(2);
  });

  it('a 100,000-member group at 10 % online: GROUP#g reads ≈ 383 RCU a send, so a partition takes ≈ 7.8 sends/s', () => {
    const r = hotGroup({ members: 100_000, online: 0.1, sendsPerSecond: 100, pageSize: 1000 });
    expect(r.devices).toBe(9999);
    expect(r.pages).toBe(10); // 9,899 after the inline 100, 1,000 a page
    // META, group connections, marks per page (inline + 10), META again per page (issue 22).
    const perSend = 1 + 9999 * GROUP_CONNECTION_RRU_PER_DEVICE + (1 + 10) + (1 + 10); // ≈ 382.96
    expect(r.groupPartitionRcu).toBeCloseTo(100 * perSend, 6);
    expect(r.maxSendsGroupPartition).toBeCloseTo(QUOTAS.partitionRcu / perSend, 9);
    expect(perSend).toBeCloseTo(382.964, 3);
    // Each member's USER#u: 1 RCU a send; the table: GROUP#g + GMSG#g + the sender's and 9,999 memberships.
    expect(r.memberPartitionRcu).toBe(100);
    expect(r.tableRcu).toBeCloseTo(100 * (perSend + 10 + 10_000), 6);
    expect(r.logPartitionRcu).toBe(1000);
    expect(r.logPartitionWcu).toBe(100);
    expect(r.maxSendsLogPartition).toBe(300); // 3,000 RCU / 10 page reads, under 1,000 WCU / 1 write
    expect(r.pushesPerSecond).toBe(999_900);
    expect(r.saturated).toBe(true);
    expect(hotGroup({ members: 1000, online: 0.1, sendsPerSecond: 10, pageSize: 1000 }).saturated).toBe(
      false,
    );
  });

  it('pushes from one instance: waves of round trips or CPU, whichever is longer', () => {
    expect(vcpuShare(1769)).toBe(1);
    expect(vcpuShare(256)).toBeCloseTo(256 / 1769, 12);
    const o = { pushConcurrency: 64, latency: flat, workerMemoryMb: 1769 };
    expect(pushSeconds(1000, { ...o, pushCpuMs: 0 })).toBeCloseTo(0.16, 12); // 16 waves × 10 ms
    expect(pushSeconds(1000, { ...o, pushCpuMs: 1 })).toBeCloseTo(1, 12); // 1,000 × 1 ms of a full vCPU
    expect(pushSeconds(1000, { ...o, pushCpuMs: 1, workerMemoryMb: 3538 })).toBeCloseTo(1, 12); // one thread
  });

  it('the fan-out model chains pages through the queue, by hand for 3,100 devices', () => {
    // Request: 2 reads + store + group connections (10 ms + 100 items / 100 per ms) + enqueue = 51 ms.
    // Page p starts 50 ms after the previous enqueue, reads 20 ms, enqueues 10 ms, pushes 16 waves × 10 ms.
    // p0 0.101 → 0.291, p1 0.181 → 0.371, p2 0.261 → 0.451.
    const r = fanOutOnAws({
      devices: 3100,
      pageSize: 1000,
      pushConcurrency: 64,
      latency: flat,
      pushCpuMs: 0,
      workerMemoryMb: 1769,
      cold: false,
      itemsPerMs: 100,
    });
    expect(r.pages).toBe(3);
    expect(r.lastPageStartS).toBeCloseTo(0.261, 9);
    expect(r.lastDeviceS).toBeCloseTo(0.451, 9);
    expect(r.pageS).toBeCloseTo(0.19, 9);
    expect(r.peakConcurrency).toBe(3);
  });

  it('a cold worker with few slots makes pages wait; a cap of 2 never runs more than 2', () => {
    const o = {
      devices: 20_100,
      pageSize: 1000,
      pushConcurrency: 64,
      latency: flat,
      pushCpuMs: 1,
      workerMemoryMb: 1769,
    };
    const capped = fanOutOnAws({ ...o, maxConcurrency: 2 });
    const free = fanOutOnAws({ ...o, cold: false });
    expect(capped.peakConcurrency).toBeLessThanOrEqual(2);
    expect(capped.lastDeviceS).toBeGreaterThan(free.lastDeviceS);
    // 20 pages of 1 s CPU each on 2 slots: at least 10 s.
    expect(capped.lastDeviceS).toBeGreaterThanOrEqual(10);
  });

  it('peak load adds up the workload: frames, connections, pushes', () => {
    const load = peakLoad(WORKLOAD, flat, 1000);
    const messages = (100_000 * 0.5) / 60;
    const frames = messages + 100_000 / 240 + 100_000 / 7200 + messages * 0.02 * 4;
    expect(load.frames).toBeCloseTo(frames, 6);
    expect(load.newConnections).toBeCloseTo(100_000 / 7200, 9);
    // Private pushes: 70 % × 60 % online × 1, plus the waiting-at-AUTH CAUGHT_UP share.
    expect(load.pushes).toBeGreaterThan(messages * 0.7 * 0.6);
    expect(load.apiMessages).toBeCloseTo(2 * frames + load.pushes, 6);
    expect(load.lambdaConcurrency).toBeGreaterThan(load.defaultConcurrency);
  });

  it('the bill tiers API Gateway messages and scales every line from the peak by the average', () => {
    expect(apiMessagesUsd(5e8)).toBeCloseTo(500, 9);
    expect(apiMessagesUsd(2e9)).toBeCloseTo(1000 + 800, 9);
    const peak = peakLoad(WORKLOAD, flat, 1000);
    const lines = monthlyBill({
      peak,
      workload: WORKLOAD,
      latency: flat,
      logBytesPerInvocation: 600,
      storedBytesPerMessage: 400,
      monthsKept: 12,
      frameBytes: 300,
      meanMemoryGb: 1,
    });
    const f = 0.4 * SECONDS_PER_MONTH;
    expect(lines[0]?.usd).toBeCloseTo(apiMessagesUsd(peak.apiMessages * f), 6);
    // 40,000 connections on average for a month: 40,000 × 43,830 min × $0.25 per million.
    expect(lines[1]?.usd).toBeCloseTo(40_000 * (SECONDS_PER_MONTH / 60) * 0.25e-6, 6);
    expect(lines.find((l) => l.item.startsWith('DynamoDB write'))?.usd).toBeCloseTo(
      peak.wru * f * 0.625e-6,
      6,
    );
    expect(lines.every((l) => l.usd >= 0)).toBe(true);
  });
});
