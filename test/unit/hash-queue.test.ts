/**
 * The fair hash queue (shared/limits/hash-queue.ts), with fake hashes the test finishes itself: which hash starts when,
 * never how long anything takes. Then a property over any interleaving of arrivals from several addresses and
 * finishes: at most `limit` run, a slot is never idle while a hash waits, no address has more than `perKey` waiting,
 * and while an address waits no other address gets a second turn.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FairQueue, QueueFull } from '../../shared/limits/hash-queue.js';

/** Lets the queue's `finally` callbacks run (they start the next hashes). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

/** A queue whose hashes are named `${key}${n}`; `started` lists them in the order they started. */
function harness(limit: number, perKey = 100) {
  const queue = new FairQueue(limit, perKey);
  const started: string[] = [];
  const finishers = new Map<string, { ok: () => void; fail: (error: Error) => void }>();
  const counts = new Map<string, number>();
  const results = new Map<string, Promise<string>>();
  const submit = (key: string) => {
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    const name = `${key}${n}`;
    const result = queue.run(key, () => {
      started.push(name);
      return new Promise<string>((resolve, reject) => {
        finishers.set(name, { ok: () => resolve(name), fail: reject });
      });
    });
    // Keeps a refusal from being unhandled; the test reads it through `results`.
    result.catch(() => undefined);
    results.set(name, result);
    return name;
  };
  const finish = async (name: string, error?: Error) => {
    const finisher = finishers.get(name);
    if (!finisher) throw new Error(`${name} has not started`);
    finishers.delete(name);
    if (error) finisher.fail(error);
    else finisher.ok();
    await settle();
  };
  return { queue, started, submit, finish, results };
}

describe('fair hash queue', () => {
  it('runs at most `limit` hashes at once, and starts the next as soon as one ends', async () => {
    const h = harness(2);
    for (let i = 0; i < 5; i++) h.submit('a');
    expect(h.started).toEqual(['a1', 'a2']);
    expect(h.queue.running).toBe(2);
    expect(h.queue.waiting).toBe(3);
    await h.finish('a1');
    expect(h.started).toEqual(['a1', 'a2', 'a3']);
    expect(await h.results.get('a1')).toBe('a1');
  });

  it("a new address's first hash runs next, ahead of another address's queue", async () => {
    const h = harness(2);
    for (let i = 0; i < 16; i++) h.submit('flood');
    h.submit('bystander');
    await h.finish('flood1');
    expect(h.started).toEqual(['flood1', 'flood2', 'bystander1']);
    // And again for its next AUTH, after the last one ended.
    await h.finish('bystander1');
    expect(h.started.at(-1)).toBe('flood3');
    h.submit('bystander');
    await h.finish('flood2');
    expect(h.started.at(-1)).toBe('bystander2');
  });

  it('serves waiting addresses in turns, one hash each', async () => {
    const h = harness(1);
    h.submit('a');
    for (let i = 0; i < 3; i++) h.submit('a');
    for (let i = 0; i < 3; i++) h.submit('b');
    for (let i = 0; i < 2; i++) h.submit('c');
    // a1 ran before b and c asked: a's next turn comes after theirs.
    const order = ['a1', 'b1', 'c1', 'a2', 'b2', 'c2', 'a3', 'b3', 'a4'];
    for (const name of order) {
      expect(h.started.at(-1)).toBe(name);
      await h.finish(name);
    }
    expect(h.started).toEqual(order);
    expect(h.queue.running).toBe(0);
    expect(h.queue.waiting).toBe(0);
  });

  it('an address that asks again in a round it had its turn in waits for the next round', async () => {
    const h = harness(1);
    h.submit('a');
    h.submit('b');
    h.submit('c');
    // a1 runs; b and c wait in this round. a asks again: behind b and c.
    h.submit('a');
    await h.finish('a1');
    await h.finish('b1');
    await h.finish('c1');
    expect(h.started).toEqual(['a1', 'b1', 'c1', 'a2']);
  });

  it("refuses an address's hash past `perKey` waiting, without running it; others still queue", async () => {
    const h = harness(1, 2);
    const names = ['a', 'a', 'a', 'a', 'b'].map((k) => h.submit(k));
    // a1 runs, a2 and a3 wait, a4 is refused; b1 waits, and has its turn before a's second.
    await expect(h.results.get('a4')).rejects.toBeInstanceOf(QueueFull);
    await h.finish('a1');
    await h.finish('b1');
    await h.finish('a2');
    await h.finish('a3');
    expect(h.started).toEqual(['a1', 'b1', 'a2', 'a3']);
    expect(names).toEqual(['a1', 'a2', 'a3', 'a4', 'b1']);
  });

  it('a hash that fails (or throws before it starts) gives its slot back and its caller the error', async () => {
    const h = harness(1);
    h.submit('a');
    h.submit('a');
    await h.finish('a1', new Error('scrypt failed'));
    await expect(h.results.get('a1')).rejects.toThrow('scrypt failed');
    expect(h.started).toEqual(['a1', 'a2']);
    const queue = new FairQueue(1, 1);
    await expect(
      queue.run('x', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(await queue.run('x', async () => 'next')).toBe('next');
    expect(queue.running).toBe(0);
  });

  it('refuses a limit or bound that is not a positive integer', () => {
    expect(() => new FairQueue(0, 1)).toThrow(RangeError);
    expect(() => new FairQueue(1, 0)).toThrow(RangeError);
    expect(() => new FairQueue(1.5, 1)).toThrow(RangeError);
  });

  it('any interleaving of arrivals and finishes: bounded, work-conserving, and no second turn while another waits', async () => {
    const step = fc.oneof(
      fc.record({ arrive: fc.constantFrom('a', 'b', 'c') }),
      fc.record({ finish: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(step, { maxLength: 80 }),
        async (limit, perKey, steps) => {
          const h = harness(limit, perKey);
          const running: string[] = [];
          const waiting = new Map<string, number>();
          /** The index in `h.started` from which each waiting address has waited for its turn. */
          const waitingSince = new Map<string, number>();
          const keyOf = (name: string) => name.replace(/\d+$/, '');
          const check = (before: number) => {
            // Every hash started since `before`, in order: it had been waiting, and it was its address's turn.
            for (let i = before; i < h.started.length; i++) {
              const name = h.started[i] as string;
              const key = keyOf(name);
              for (const [other, since] of waitingSince) {
                if (other === key) continue;
                const turns = h.started.slice(since, i + 1).filter((n) => keyOf(n) === key).length;
                expect(turns, `${key} got a second turn while ${other} waited`).toBeLessThanOrEqual(1);
              }
              running.push(name);
              const left = (waiting.get(key) ?? 0) - 1;
              waiting.set(key, left);
              if (left > 0) waitingSince.set(key, i + 1);
              else waitingSince.delete(key);
            }
            expect(running.length).toBeLessThanOrEqual(limit);
            const queued = [...waiting.values()].reduce((a, b) => a + b, 0);
            expect(h.queue.running).toBe(running.length);
            expect(h.queue.waiting).toBe(queued);
            if (queued > 0) expect(running.length).toBe(limit);
            for (const count of waiting.values()) expect(count).toBeLessThanOrEqual(perKey);
          };
          for (const s of steps) {
            const before = h.started.length;
            if ('arrive' in s) {
              const key = s.arrive;
              const full = (waiting.get(key) ?? 0) >= perKey;
              if (!full) {
                if ((waiting.get(key) ?? 0) === 0) waitingSince.set(key, before);
                waiting.set(key, (waiting.get(key) ?? 0) + 1);
              }
              const name = h.submit(key);
              await settle();
              if (full) await expect(h.results.get(name)).rejects.toBeInstanceOf(QueueFull);
            } else {
              if (running.length === 0) continue;
              const [name] = running.splice(s.finish % running.length, 1);
              await h.finish(name as string);
            }
            check(before);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
