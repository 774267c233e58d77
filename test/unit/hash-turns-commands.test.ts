/**
 * The commands that hash a password wait in the process's fair queue (shared/limits/hash-queue.ts), through the
 * dispatcher on dynalite: AUTH and REGISTER from an address whose queue is full are refused with `rate_limited` and
 * `retryAfter` 1, and another address's AUTH runs ahead of that queue. The queue's slot and the address's waiting
 * hashes are fake hashes the test holds and finishes itself; nothing is timed.
 */
import { describe, expect, it } from 'vitest';
import { ERR, OK, PASSWORD, useDispatcher } from '../support/dispatcher.js';

const t = await useDispatcher({ HASH_CONCURRENCY: '1', IP_INFLIGHT_HASHES: '2' });
const { hashInTurn, hashQueueSize } = await import('../../shared/limits/in-flight.js');

/** Lets the event loop turn until `waiting` hashes wait in the queue (no clock involved). */
async function untilWaiting(waiting: number) {
  while (hashQueueSize().waiting < waiting) await new Promise((resolve) => setImmediate(resolve));
}

describe('password hashes in turn', () => {
  it("a full address is refused rate_limited; another address's AUTH runs before its waiting hashes", async () => {
    const owner = t.fresh('turn');
    const bystander = t.fresh('turn');
    const setup = await t.device('10.70.0.1');
    for (const name of [owner, bystander])
      expect(await setup.ask(`REGISTER ${name} ${PASSWORD} ID A`)).toEqual(OK('registrasi berhasil'));

    // 10.70.0.2 holds the only running hash and has its 2 allowed hashes waiting.
    const started: string[] = [];
    const finishers = new Map<string, () => void>();
    const fake = (name: string) =>
      hashInTurn('10.70.0.2', () => {
        started.push(name);
        return new Promise<void>((resolve) => finishers.set(name, resolve));
      });
    const fakes = [fake('x1'), fake('x2'), fake('x3')];
    expect(started).toEqual(['x1']);

    const full = { ...ERR('autentikasi gagal', 'rate_limited'), retryAfter: 1 };
    const flooder = await t.device('10.70.0.2');
    expect(await flooder.ask(`AUTH ${owner} ${PASSWORD}`)).toEqual(full);
    expect(await flooder.ask(`AUTH ${owner} wrongpass`)).toEqual(full);
    expect((await flooder.ask(`REGISTER ${t.fresh('turn')} ${PASSWORD} ID A`)).reason).toBe('rate_limited');

    // The bystander's AUTH waits for the running hash only: x1 ends, the bystander's hash runs, then x2 (which
    // never ends here), and the answer comes. First come, first served, it would wait behind x2 for ever.
    const bystanderAuth = (await t.device('10.70.0.3')).ask(`AUTH ${bystander} ${PASSWORD}`);
    await untilWaiting(3);
    expect(hashQueueSize()).toEqual({ running: 1, waiting: 3 });
    finishers.get('x1')?.();
    expect(await bystanderAuth).toEqual(OK('autentikasi berhasil'));
    expect(started).toEqual(['x1', 'x2']);
    finishers.get('x2')?.();
    await fakes[1];
    finishers.get('x3')?.();
    await Promise.all(fakes);

    // Once the queue is free, the address may hash again.
    expect(await flooder.ask(`AUTH ${owner} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
  });
});
