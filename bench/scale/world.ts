/**
 * The scale bench's world: the local runtime in this process, the app's clients instrumented (requests counted and
 * delayed, simulated devices answered, item sizes recorded), a seeder with its own client (never counted), and
 * real WebSocket clients whose every frame is timestamped on arrival.
 */
import type { Runtime } from '../../local/runtime.js';
import { ChatClient, type Frame } from '../../test/support/client.js';
import { type Seeder, seeder } from '../../test/support/seed.js';
import { Recorder } from '../instrument.js';
import { ItemSink, PushSink, recordItemSizes, simulateDevices } from './sinks.js';
import { useStackVisibility } from './visibility.js';

export interface World {
  runtime: Runtime;
  recorder: Recorder;
  pushes: PushSink;
  items: ItemSink;
  seed: Seeder;
  passwordHash: string;
  /** Waits until the worker is idle and no AWS request has been in flight for a moment. */
  settle(): Promise<void>;
}

export async function startWorld(
  delayMs: number,
  stackVisibility: boolean,
  workerConcurrency?: number,
): Promise<World> {
  process.env.OBROL_LOG ??= 'silent';
  if (stackVisibility) useStackVisibility();
  const { startRuntime } = await import('../../local/runtime.js');
  const runtime = await startRuntime({ port: 0, workerConcurrency });
  // The app's singletons read their configuration on import: only after the runtime has set it.
  const [{ dynamo }, { s3 }, { onManagementClient }, { sqs }, { hashPassword }] = await Promise.all([
    import('../../shared/data/client.js'),
    import('../../shared/bucket/s3.js'),
    import('../../shared/push/client.js'),
    import('../../shared/queue/jobs.js'),
    import('../../shared/auth/password.js'),
  ]);
  const recorder = new Recorder();
  const pushes = new PushSink();
  const items = new ItemSink();
  recorder.instrument(dynamo, 'dynamodb');
  recorder.instrument(s3, 's3');
  recorder.instrument(sqs, 'sqs');
  recordItemSizes(dynamo, items);
  onManagementClient((client) => {
    recorder.instrument(client, 'apigw');
    simulateDevices(client, pushes);
  });
  recorder.delayMs = delayMs;
  const settle = async () => {
    for (let i = 0; i < 2; i++) {
      await runtime.jobsSettled();
      await recorder.quiet(recorder.mark(), 0, 100, 600_000);
    }
  };
  return {
    runtime,
    recorder,
    pushes,
    items,
    seed: seeder(),
    passwordHash: await hashPassword(PASSWORD),
    settle,
  };
}

export const PASSWORD = 'bench-password-1';

export interface Arrival {
  at: number;
  frame: Frame;
  /** The raw frame's size in bytes. */
  bytes: number;
}

/** A real WebSocket client that timestamps every push (BATCH frames unpacked) as it arrives. */
export class Watched {
  readonly arrivals: Arrival[] = [];
  readonly frames: Arrival[] = [];
  private constructor(readonly client: ChatClient) {
    client.socket.on('message', (data) => {
      const at = performance.now();
      const text = data.toString();
      const frame = ChatClient.parse(text);
      const bytes = Buffer.byteLength(text);
      if (frame.event === undefined) return;
      this.frames.push({ at, frame, bytes });
      const events = frame.event === 'BATCH' ? (frame.events as Frame[]) : [frame];
      for (const event of events) this.arrivals.push({ at, frame: event, bytes });
    });
  }

  static async connect(url: string): Promise<Watched> {
    return new Watched(await ChatClient.connect(url));
  }

  request(text: string): Promise<Frame> {
    return this.client.request(text);
  }

  close(): Promise<void> {
    return this.client.close();
  }

  /** Resolves with the first push matching `match`, waiting up to `timeoutMs`. */
  async arrival(match: (frame: Frame) => boolean, timeoutMs: number): Promise<Arrival> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.arrivals.find((a) => match(a.frame));
      if (found) return found;
      if (this.client.closeCode !== undefined)
        throw new Error(`connection closed (${this.client.closeCode})`);
      if (performance.now() > deadline) throw new Error(`no matching push within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

export function expectOk(frame: Frame, what: string): void {
  if (frame.status !== 'OK') throw new Error(`${what}: expected OK, got ${JSON.stringify(frame)}`);
}

/** A new connection, logged in as `name` (an account seeded with `world.passwordHash`). */
export async function login(world: World, name: string): Promise<Watched> {
  const client = await Watched.connect(world.runtime.url);
  expectOk(await client.request(`AUTH ${name} ${PASSWORD}`), `AUTH ${name}`);
  return client;
}
