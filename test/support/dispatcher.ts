/**
 * Commands through the dispatcher, without the gateway: dynalite for the table, a recording @connections stand-in
 * for pushes, a faked job queue (what would be enqueued is recorded, and `runJobs` runs it as the worker would).
 * For unit tests of whole commands, fast enough to run for every mutant of shared/ (docs/TESTING.md).
 *
 * Call `useDispatcher` with top-level await before importing any shared/ module: the settings are read once.
 */
import { expect } from 'vitest';
import { groupKeyOf, userKeyOf } from '../../shared/protocol/names.js';
import { useConnectionsApi } from './connections-api.js';
import { fakeQueue } from './fakes.js';
import { useTable } from './table.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are compared by value; a test reads their fields directly.
export type Answer = any;
export type Push = Record<string, unknown>;

export const OK = (data: unknown, extra: Record<string, unknown> = {}) => ({ status: 'OK', data, ...extra });
export const ERR = (data: string, reason: string) => ({ status: 'ERROR', data, reason });
export const PASSWORD = 'password1';

/** Budgets raised past what a test file reaches; `env` adds or overrides settings (e.g. a small cap). */
export async function useDispatcher(env: Record<string, string> = {}) {
  await useTable();
  Object.assign(process.env, {
    QUEUE_URL: 'http://127.0.0.1:9/queue/unit',
    BUCKET_NAME: 'unit-bucket',
    BUDGET_REGISTER_BURST: '10000',
    BUDGET_AUTH_BURST: '10000',
    BUDGET_CREATE_BURST: '10000',
    BUDGET_MEMBERSHIP_BURST: '10000',
    ...env,
  });
  const api = await useConnectionsApi();
  // The worker pushes through the endpoint it is configured with, as on AWS.
  process.env.CALLBACK_URL = api.endpoint;
  const { dispatch } = await import('../../shared/commands/index.js');
  const { createContext } = await import('../../shared/commands/context.js');
  const { openConnection } = await import('../../shared/data/connections.js');
  const { sqs } = await import('../../shared/queue/jobs.js');
  const { handler: worker } = await import('../../lambdas/job-worker.js');
  const queue = fakeQueue(sqs);

  let unique = 0;
  const fresh = (prefix: string) => `${prefix}${++unique}`;

  /** One open connection at `now` (default: the clock): send it frames, read what was pushed to it. */
  async function device(ip = '10.0.0.1', now?: number) {
    const id = fresh('conn');
    await openConnection(id, now ?? Date.now(), ip);
    return {
      id,
      ask: (frame: string): Promise<Answer> =>
        dispatch(frame, createContext(id, api.endpoint, now ?? Date.now(), ip)),
      pushes: (event?: string): Push[] =>
        (api.frames.get(id) ?? [])
          .flatMap((frame) => {
            const parsed = JSON.parse(frame.slice(0, -4)) as Push;
            return parsed.event === 'BATCH' ? (parsed.events as Push[]) : [parsed];
          })
          .filter((push) => event === undefined || push.event === event),
    };
  }

  /** A registered user (named `prefix` and a number, and keyed by `key`), logged in on a fresh device. */
  async function user(prefix = 'user') {
    const name = fresh(prefix);
    const d = await device();
    expect(await d.ask(`REGISTER ${name} ${PASSWORD} ID ${name} Full`)).toEqual(OK('registrasi berhasil'));
    expect(await d.ask(`AUTH ${name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    return { name, key: userKeyOf(name), ...d };
  }

  /** Fresh users, the first of whom made a fresh group that the others joined. */
  async function group(...prefixes: string[]) {
    const users = [];
    for (const prefix of prefixes) users.push(await user(prefix));
    const name = fresh('grp');
    const [owner, ...others] = users;
    expect(await owner?.ask(`GROUP_CREATE ${name}`)).toEqual(OK('grup berhasil dibuat'));
    for (const member of others) expect((await member.ask(`GROUP_JOIN ${name}`)).status).toBe('OK');
    return { name, key: groupKeyOf(name), users };
  }

  /** Runs every enqueued job on the worker (and the jobs those enqueue) until the queue is empty. */
  async function runJobs(): Promise<number> {
    let ran = 0;
    while (queue.sent.length > 0) {
      const batch = queue.sent.splice(0);
      const records = batch.map((job, i) => ({
        messageId: `m${ran + i}`,
        receiptHandle: `r${ran + i}`,
        body: JSON.stringify(job),
        attributes: { ApproximateReceiveCount: '1' },
      }));
      const context = { awsRequestId: 'unit', getRemainingTimeInMillis: () => 60_000 };
      // biome-ignore lint/suspicious/noExplicitAny: the worker reads only these fields of SQS records.
      const result = await worker({ Records: records } as any, context as any);
      expect(result.batchItemFailures).toEqual([]);
      ran += batch.length;
    }
    return ran;
  }

  return { api, jobs: queue.sent, fresh, device, user, group, runJobs };
}
