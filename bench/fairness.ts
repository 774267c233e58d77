/**
 * "One address cannot starve others" (issue 24): a bystander's AUTH latency from one address, idle and while another
 * address floods AUTHs within its budgets — at most `hashesInFlightPerIp` (16) password hashes at once, well under
 * its hourly AUTH budget, each connection well under its AUTH burst, correct passwords (nothing is locked). The
 * figure is the ratio of the bystander's median AUTH latency during the flood to its median when idle.
 *
 * It runs in a process of its own (`run.ts` starts it, or `tsx bench/fairness.ts`) because the rest of the bench
 * raises the flood limits for its own accounts, and the app reads its configuration once per process: here every
 * limit is the deployed default. The flood comes from 127.0.0.1, the bystander from 127.0.0.2 (both loopback on
 * Linux; the local gateway takes the source address from the socket). Prints one JSON object on stdout.
 *
 * Settings (flags): --flood=300 AUTHs, --idle-samples=15 bystander AUTHs before the flood.
 */
import type { ChatClient, Frame } from '../test/support/client.js';
import { ChatClient as Client } from '../test/support/client.js';
import { median, percentile } from './stats.js';
import { expectOk, PASSWORD, seedUsers } from './users.js';

export interface FairnessResult {
  floodAddress: string;
  bystanderAddress: string;
  /** AUTHs the flooding address made, how many at once, and how many it had refused. */
  flood: number;
  floodConcurrency: number;
  floodRefused: number;
  floodSeconds: number;
  idle: { samples: number; p50: number; p95: number };
  during: { samples: number; p50: number; p95: number };
  /** during.p50 / idle.p50. */
  ratio: number;
}

const BYSTANDER_ADDRESS = '127.0.0.2';
const FLOOD_ADDRESS = '127.0.0.1';

function flag(name: string, fallback: number): number {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const summary = (samples: number[]) => ({
  samples: samples.length,
  p50: median(samples),
  p95: percentile(samples, 95),
});

/**
 * Sends `text` and resolves with the next answer on the socket. ChatClient.request gives up after 10 s; on a machine
 * shared with other work a flood of scrypts can take longer than that, and a late answer is a figure, not a failure.
 */
function answer(client: ChatClient, text: string, timeoutMs = 300_000): Promise<Frame> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.socket.off('message', onMessage);
      reject(new Error(`no answer to ${text.split(' ')[0]} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (data: unknown) => {
      const frame = Client.parse(String(data));
      if (frame.event !== undefined) return;
      clearTimeout(timer);
      client.socket.off('message', onMessage);
      resolve(frame);
    };
    client.socket.on('message', onMessage);
    client.socket.send(text);
  });
}

/** One AUTH on a fresh connection from `localAddress`: the ms from the frame to its answer (connect not counted). */
async function timedAuth(url: string, localAddress: string, name: string): Promise<number> {
  const client = await Client.connect(url, { localAddress });
  try {
    const start = performance.now();
    const frame = await answer(client, `AUTH ${name} ${PASSWORD}`);
    const ms = performance.now() - start;
    expectOk(frame, `bystander AUTH ${name}`);
    return ms;
  } finally {
    await client.close();
  }
}

async function main() {
  const floodTotal = flag('flood', 300);
  const idleSamples = flag('idle-samples', 15);
  process.env.OBROL_LOG ??= 'silent';
  const { startRuntime } = await import('../local/runtime.js');
  const runtime = await startRuntime({ port: 0, host: FLOOD_ADDRESS });
  // The app reads its configuration on import: only after the runtime has set it.
  const { config } = await import('../shared/config.js');
  const clients: ChatClient[] = [];
  try {
    // The flood stays within every budget: as many AUTHs at once as the address may hash, spread over as many
    // connections (each far below its AUTH burst), correct passwords, and far below the hourly address budget.
    const concurrency = config.hashesInFlightPerIp;
    const perConnection = Math.ceil(floodTotal / concurrency);
    if (perConnection > config.budgets.auth.burst || floodTotal >= config.addressBudgets.auth)
      throw new Error('the flood would exceed its budgets: raise the connections or lower --flood');
    const flooders = Array.from({ length: concurrency }, (_, i) => `bf_flood${String(i).padStart(2, '0')}`);
    const bystander = 'bf_bystander';
    await seedUsers([...flooders, bystander]);

    // Warm up (first imports, the bystander's address seen once), then the idle figure.
    await timedAuth(runtime.url, BYSTANDER_ADDRESS, bystander);
    const idle: number[] = [];
    for (let i = 0; i < idleSamples; i++)
      idle.push(await timedAuth(runtime.url, BYSTANDER_ADDRESS, bystander));

    for (let i = 0; i < concurrency; i++)
      clients.push(await Client.connect(runtime.url, { localAddress: FLOOD_ADDRESS }));
    let issued = 0;
    let refused = 0;
    let flooding = true;
    const floodStart = performance.now();
    const worker = async (i: number) => {
      const client = clients[i] as ChatClient;
      while (issued < floodTotal) {
        issued++;
        const frame = await answer(client, `AUTH ${flooders[i]} ${PASSWORD}`);
        if (frame.status !== 'OK') refused++;
      }
    };
    const flood = Promise.all(clients.map((_, i) => worker(i))).finally(() => {
      flooding = false;
    });
    const during: number[] = [];
    while (flooding) {
      const ms = await timedAuth(runtime.url, BYSTANDER_ADDRESS, bystander);
      // Only AUTHs that ran entirely inside the flood count.
      if (flooding) during.push(ms);
    }
    await flood;
    const floodSeconds = (performance.now() - floodStart) / 1000;
    const result: FairnessResult = {
      floodAddress: FLOOD_ADDRESS,
      bystanderAddress: BYSTANDER_ADDRESS,
      flood: floodTotal,
      floodConcurrency: concurrency,
      floodRefused: refused,
      floodSeconds,
      idle: summary(idle),
      during: summary(during),
      ratio: median(during) / median(idle),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await runtime.stop();
  }
}

await main();
