/**
 * "Maybe twice, never zero", over the interleavings of every step (issue 25). fast-check's scheduler holds each
 * DynamoDB call and each @connections push of the run until it picks it, so the steps of
 *  - SEND alice → bob (store, pushes, inbox write, re-read of bob's devices, pushes again),
 *  - AUTH of bob on device 1, its catch-up on the worker — at once, or only after the SENDs were answered (the
 *    window of issue 25) — and, maybe, device 1's `$disconnect` (its socket closed first),
 *  - AUTH of bob on device 2 (at once, or after the SENDs were answered) and its catch-up (binding, boundary,
 *    lease, pages, marks),
 * run in an order it chooses. Device 1 refuses every push (500) while the SENDs are under way, as the flaky row did.
 * Checked once everything settled:
 *  - every SEND is answered `pesan terkirim` (nothing here fails a store);
 *  - device 2 stayed connected and caught up, so every acknowledged message reached one of bob's devices by then
 *    (pushed live, or in either login's catch-up): a message never waits in the inbox while a caught-up login that
 *    did not refuse pushes is there;
 *  - a later login of bob, plus what the devices got, has every acknowledged message at least once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OK, PASSWORD, useDispatcher } from '../support/dispatcher.js';
import type { Middleware } from '../support/runtime.js';

const t = await useDispatcher({ BUDGET_SENDS_BURST: '10000' });
const { dynamo } = await import('../../shared/data/client.js');
const { onManagementClient } = await import('../../shared/push/client.js');
const { handler: disconnect } = await import('../../lambdas/disconnect.js');
const { handler: worker } = await import('../../lambdas/fan-out.js');

/**
 * One run's scheduling. Every call waits for fast-check's scheduler to pick it among the calls waiting then; before
 * that, a call may first let `patience` other calls go (drawn per call), so one actor can stall while another runs
 * many steps — e.g. a whole login and its catch-up between a SEND's re-read and its inbox write. Picking uniformly
 * among waiting calls alone almost never makes such long runs.
 */
interface Run {
  s: fc.Scheduler;
  patience: number[];
  calls: number;
  released: number;
  stalled: Array<{ until: number; go: () => void }>;
}
let run: Run | undefined;
/** Devices whose pushes are refused with a 500 (the SDK's retries too). */
const refusing = new Set<string>();

function wake(r: Run, all = false): void {
  const ready = r.stalled.filter((w) => all || w.until <= r.released);
  r.stalled = r.stalled.filter((w) => !ready.includes(w));
  for (const w of ready) w.go();
}

const scheduled =
  (what: string): Middleware =>
  (next, context) =>
  async (args) => {
    const r = run;
    if (r) {
      const patience = r.patience[r.calls++ % r.patience.length] ?? 0;
      if (patience > 0) await new Promise<void>((go) => r.stalled.push({ until: r.released + patience, go }));
      await r.s.schedule(Promise.resolve(), `${what} ${context.commandName}`);
      r.released += 1;
      wake(r);
    }
    return next(args);
  };

/**
 * Lets the run's calls go, one at a time, until `done` settles: a waiting call picked by the scheduler, or, when
 * none waits, the stalled call closest to its turn (nothing else can let it go); otherwise calls are on their way.
 */
async function drive(r: Run, done: Promise<unknown>): Promise<void> {
  let settled = false;
  const finished = done.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  while (!settled) {
    if (r.s.count() > 0) await r.s.waitOne();
    else if (r.stalled.length > 0) {
      const first = r.stalled.reduce((a, b) => (b.until < a.until ? b : a));
      r.stalled = r.stalled.filter((w) => w !== first);
      first.go();
      await new Promise((resolve) => setImmediate(resolve));
    } else await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await finished;
  await done;
}
dynamo.middlewareStack.add(scheduled('dynamodb'), { step: 'initialize', name: 'neverZeroSchedule' });
onManagementClient((client) => {
  const stack = client.middlewareStack as unknown as {
    add(middleware: Middleware, options: { step: 'initialize'; name: string; priority?: 'high' }): void;
  };
  stack.add(scheduled('push'), { step: 'initialize', name: 'neverZeroSchedule' });
  stack.add(
    (next) => async (args) => {
      if (refusing.has(String(args.input?.ConnectionId)))
        throw Object.assign(new Error('refused'), {
          name: 'InternalServerError',
          $fault: 'server',
          $metadata: { httpStatusCode: 500 },
        });
      return next(args);
    },
    { step: 'initialize', name: 'neverZeroRefuse', priority: 'high' },
  );
});

type Device = Awaited<ReturnType<typeof t.device>>;

/** Runs `connectionId`'s catch-up jobs on the worker until none is left (a failed run is tried again). */
async function catchUpOf(connectionId: string, ready: () => Promise<void>): Promise<void> {
  for (let tries = 0; tries < 20; tries++) {
    const mine = t.jobs.filter((job) => job.kind === 'catchup' && job.connectionId === connectionId);
    if (mine.length === 0) return;
    for (const job of mine) t.jobs.splice(t.jobs.indexOf(job), 1);
    const records = mine.map((job, i) => ({
      messageId: `${connectionId}-${tries}-${i}`,
      receiptHandle: `r-${connectionId}-${tries}-${i}`,
      body: JSON.stringify(job),
      attributes: { ApproximateReceiveCount: String(tries + 1) },
    }));
    const context = { awsRequestId: 'unit', getRemainingTimeInMillis: () => 60_000 };
    // biome-ignore lint/suspicious/noExplicitAny: the worker reads only these fields of SQS records.
    const { batchItemFailures } = await worker({ Records: records } as any, context as any);
    const failed = records.filter((r) => batchItemFailures.some((f) => f.itemIdentifier === r.messageId));
    // A run that failed (a refused push, the login still being decided) comes back, as SQS would bring it.
    for (const record of failed) t.jobs.push(JSON.parse(record.body));
    if (failed.length > 0) await ready();
  }
  throw new Error(`the catch-up of ${connectionId} kept failing`);
}

async function login(device: Device, name: string): Promise<boolean> {
  return (await device.ask(`AUTH ${name} ${PASSWORD}`)).status === 'OK';
}

const ids = (device: Device | undefined) =>
  new Set((device?.pushes('MESSAGE') ?? []).map((push) => String(push.id)));

const plan = fc.record({
  sends: fc.integer({ min: 1, max: 2 }),
  /** Device 1's catch-up runs only after the SENDs were answered (issue 25's window), or at once. */
  lateCatchUp: fc.boolean(),
  /** Device 1 closes meanwhile. */
  closes: fc.boolean(),
  /** Device 2 logs in only after the SENDs were answered, or at once. */
  secondAfter: fc.boolean(),
  /** Per call: how many other calls it lets go first. */
  patience: fc.array(fc.oneof(fc.constant(0), fc.nat(40)), { minLength: 1, maxLength: 64 }),
});

describe('an acknowledged private message, over interleavings of SEND, AUTH, the catch-up and $disconnect', () => {
  it('reaches a device of its recipient at least once: by the time a login that stays has caught up', async () => {
    const alice = await t.user('alice');
    await t.runJobs();
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), plan, async (s, p) => {
        const bob = t.fresh('bob');
        const setup = await t.device();
        expect(await setup.ask(`REGISTER ${bob} ${PASSWORD} ID ${bob} Full`)).toEqual(
          OK('registrasi berhasil'),
        );
        const [one, two] = [await t.device(), await t.device()];
        const answers: Array<{ status?: string; id?: string }> = [];
        let sendsDone: Promise<void> = Promise.resolve();
        refusing.add(one.id);
        const r: Run = { s, patience: p.patience, calls: 0, released: 0, stalled: [] };
        run = r;
        try {
          const sends = (async () => {
            for (let n = 0; n < p.sends; n++) answers.push(await alice.ask(`SEND ${bob} pesan ${n}`));
            refusing.delete(one.id);
          })();
          sendsDone = sends;
          const first = (async () => {
            const bound = await login(one, bob);
            if (p.lateCatchUp) await sends;
            if (bound) await catchUpOf(one.id, () => sends);
          })();
          const closing = p.closes
            ? (async () => {
                await s.schedule(Promise.resolve(), 'device 1 closes');
                t.api.gone.add(one.id);
                await disconnect({ requestContext: { connectionId: one.id, requestId: 'x' } } as never);
              })()
            : Promise.resolve();
          const second = (async () => {
            if (p.secondAfter) await sends;
            expect(await login(two, bob)).toBe(true);
            await catchUpOf(two.id, () => sendsDone);
          })();
          await drive(r, Promise.all([sends, first, closing, second]));
        } finally {
          run = undefined;
          wake(r, true);
          refusing.delete(one.id);
        }
        await t.runJobs();

        const acknowledged = answers.map((answer) => {
          expect(answer).toMatchObject({ status: 'OK', data: 'pesan terkirim' });
          return String(answer.id);
        });
        // Device 2 stayed and caught up: nothing acknowledged may still be waiting for a later login.
        expect(two.pushes('CAUGHT_UP')).toHaveLength(1);
        const reached = new Set([...ids(one), ...ids(two)]);
        for (const id of acknowledged) expect(reached, `${id} reached none of bob's devices`).toContain(id);

        // And never zero, counted with a later login.
        const later = await t.device();
        expect(await login(later, bob)).toBe(true);
        await t.runJobs();
        for (const id of ids(later)) reached.add(id);
        for (const id of acknowledged) expect(reached).toContain(id);
      }),
      { numRuns: 40 },
    );
  });
});
