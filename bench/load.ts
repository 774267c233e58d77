/**
 * Load on the local runtime: C users on real WebSocket connections, each sending private messages to random peers
 * (closed loop: send, wait for the answer, think, repeat) for D seconds; then one SEND_GROUP to every member of a
 * large group with all of them online. Send → push latency is taken in this process (one clock).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RawData } from 'ws';
import type { ChatClient } from '../test/support/client.js';
import { percentile } from './stats.js';

const FRAME_END = '\r\n\r\n';

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(samples: readonly number[]): LatencySummary {
  return {
    count: samples.length,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    p99: percentile(samples, 99),
    max: samples.length ? Math.max(...samples) : Number.NaN,
  };
}

export interface PrivateLoadResult {
  users: number;
  seconds: number;
  thinkMs: number;
  sent: number;
  delivered: number;
  duplicates: number;
  /** Answers other than OK: not acknowledged, so not "sent". */
  failed: number;
  sentPerSecond: number;
  deliveredPerSecond: number;
  pushLatency: LatencySummary;
  answerLatency: LatencySummary;
  /** Raw send → push samples, ms (for the chart). */
  samples: number[];
}

/** Calls `onPush` with every push frame a client receives, parsed, with the arrival time. */
function listen(client: ChatClient, onPush: (push: Record<string, unknown>, at: number) => void): () => void {
  const handler = (data: RawData) => {
    const at = performance.now();
    const text = data.toString();
    if (!text.endsWith(FRAME_END) || !text.includes('"event"')) return;
    onPush(JSON.parse(text.slice(0, -FRAME_END.length)) as Record<string, unknown>, at);
  };
  client.socket.on('message', handler);
  return () => client.socket.off('message', handler);
}

/** Drops what ChatClient keeps of every frame, so a long run does not hold it all. */
function forget(client: ChatClient) {
  client.raw.length = 0;
  client.log.length = 0;
  client.pushes.length = 0;
}

export async function privateLoad(
  clients: ReadonlyArray<[string, ChatClient]>,
  seconds: number,
  thinkMs: number,
): Promise<PrivateLoadResult> {
  const samples: number[] = [];
  let delivered = 0;
  let duplicates = 0;
  let misdelivered = 0;
  const seen = new Set<string>();
  const stops = clients.map(([name, client]) =>
    listen(client, (push, at) => {
      const text = typeof push.message === 'string' ? push.message : '';
      const match = /^load (\d+) (\d+) ([\d.]+)$/.exec(text);
      if (push.event !== 'MESSAGE' || !match) return;
      const id = `${match[1]}:${match[2]}`;
      if (seen.has(id)) {
        duplicates++;
        return;
      }
      if (String(push.to).toLowerCase() !== name.toLowerCase()) misdelivered++;
      seen.add(id);
      delivered++;
      samples.push(at - Number(match[3]));
    }),
  );

  let sent = 0;
  let failed = 0;
  const answers: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const user = async (index: number) => {
    const [, client] = clients[index] as [string, ChatClient];
    // Spread the first sends over one think time.
    await sleep(Math.random() * thinkMs);
    for (let seq = 0; performance.now() < deadline; seq++) {
      let peer = Math.floor(Math.random() * (clients.length - 1));
      if (peer >= index) peer++;
      const [peerName] = clients[peer] as [string, ChatClient];
      const at = performance.now();
      const frame = await client.request(`SEND ${peerName} load ${index} ${seq} ${at.toFixed(3)}`);
      answers.push(performance.now() - at);
      if (frame.status === 'OK') sent++;
      else failed++;
      if (seq % 50 === 0) forget(client);
      await sleep(Math.random() * 2 * thinkMs);
    }
  };
  await Promise.all(clients.map((_, i) => user(i)));
  const elapsed = (performance.now() - started) / 1000;
  // Everything acknowledged was pushed before its answer; allow stragglers on the wire a few seconds.
  const settleBy = performance.now() + 10_000;
  while (delivered < sent && performance.now() < settleBy) await sleep(20);
  for (const stop of stops) stop();
  for (const [, client] of clients) forget(client);
  if (misdelivered > 0) throw new Error(`${misdelivered} pushes reached the wrong user`);
  return {
    users: clients.length,
    seconds: elapsed,
    thinkMs,
    sent,
    delivered,
    duplicates,
    failed,
    sentPerSecond: sent / elapsed,
    deliveredPerSecond: delivered / elapsed,
    pushLatency: summarize(samples),
    answerLatency: summarize(answers),
    samples,
  };
}

export interface FanOutResult {
  members: number;
  recipients: number;
  /** Per run: ms from sending until the last member had the push, and until the sender had the answer. */
  lastMs: number[];
  answerMs: number[];
  /** Every member's arrival time in the first run, ms after the send (for the chart). */
  arrivals: number[];
  lost: number;
}

/** One SEND_GROUP to a group whose every member is online; `runs` times. */
export async function groupFanOut(
  group: string,
  sender: ChatClient,
  members: ReadonlyArray<[string, ChatClient]>,
  runs: number,
): Promise<FanOutResult> {
  const result: FanOutResult = {
    members: members.length + 1,
    recipients: members.length,
    lastMs: [],
    answerMs: [],
    arrivals: [],
    lost: 0,
  };
  for (let run = 0; run < runs; run++) {
    const arrivals: number[] = [];
    const tag = `fan ${run} ${Date.now()}`;
    let resolveAll: () => void = () => undefined;
    const all = new Promise<void>((resolve) => {
      resolveAll = resolve;
    });
    const start = performance.now();
    const stops = members.map(([, client]) =>
      listen(client, (push, at) => {
        if (push.event !== 'GROUP_MESSAGE' || push.message !== tag) return;
        arrivals.push(at - start);
        if (arrivals.length === members.length) resolveAll();
      }),
    );
    const answer = await sender.request(`SEND_GROUP ${group} ${tag}`);
    if (answer.status !== 'OK') throw new Error(`SEND_GROUP answered ${JSON.stringify(answer)}`);
    result.answerMs.push(performance.now() - start);
    await Promise.race([all, sleep(15_000)]);
    for (const stop of stops) stop();
    for (const [, client] of members) forget(client);
    result.lost += members.length - arrivals.length;
    result.lastMs.push(arrivals.length ? Math.max(...arrivals) : Number.NaN);
    if (run === 0) result.arrivals = arrivals.sort((a, b) => a - b);
  }
  return result;
}
