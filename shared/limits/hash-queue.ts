/**
 * A fair scheduler for password hashing inside one process. scrypt runs on libuv's thread pool (4 threads) first
 * come, first served: in a process that serves many connections (the local runtime, or any host that runs several
 * handlers at once) one address with 16 hashes in flight puts everyone else's AUTH behind all 16. Here at most
 * `limit` hashes run at once, and the waiting ones are served by source address (addressKey: an IPv4 address or an
 * IPv6 /64), in turns:
 *
 * - the turns go in rounds: in each round every address that waits gets one turn, in the order it started waiting;
 * - an address that still waits after its turn, or asks again in a round it has had its turn in, waits for the next
 *   round;
 * - an address that asks in a round it has not had its turn in joins this round, so a new address's first hash runs
 *   as soon as the addresses already in this round (at most one hash each) have started, never behind another
 *   address's queue, and while an address waits no other address gets a second turn.
 *
 * Each address may have at most `perKey` hashes waiting; more are refused (QueueFull) without running. In one AWS
 * Lambda execution environment only one request runs at a time, so there this only counts; the per-address
 * in-flight cap (./in-flight.ts) is what bounds one address's share of the shared concurrency.
 */

export class QueueFull extends Error {
  override name = 'QueueFull';
}

interface Waiter {
  start: () => void;
}

interface KeyState {
  waiting: Waiter[];
  running: number;
  /** The round of its last turn (-1: none yet). */
  lastRound: number;
}

export class FairQueue {
  private readonly keys = new Map<string, KeyState>();
  /** Keys waiting for their turn in this round, in the order they started waiting. */
  private current: string[] = [];
  /** Keys that have had their turn in this round and still wait, in the order they started waiting again. */
  private next: string[] = [];
  private round = 0;
  private active = 0;

  constructor(
    readonly limit: number,
    readonly perKey: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
    if (!Number.isInteger(perKey) || perKey < 1) throw new RangeError('perKey must be a positive integer');
  }

  /** Hashes running now. */
  get running(): number {
    return this.active;
  }

  /** Hashes waiting now, over all keys. */
  get waiting(): number {
    let count = 0;
    for (const state of this.keys.values()) count += state.waiting.length;
    return count;
  }

  /** Runs `task` in `key`'s turn; rejects with QueueFull, without running it, when `key` has `perKey` waiting. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let state = this.keys.get(key);
    if (state === undefined) {
      state = { waiting: [], running: 0, lastRound: -1 };
      this.keys.set(key, state);
    }
    if (state.waiting.length >= this.perKey)
      return Promise.reject(new QueueFull(`${key} has ${this.perKey} hashes waiting`));
    const owner = state;
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        owner.running++;
        this.active++;
        let result: Promise<T>;
        try {
          result = task();
        } catch (error) {
          result = Promise.reject(error);
        }
        // The slot is free before the caller hears the outcome.
        const release = () => {
          owner.running--;
          this.active--;
          // Kept while it has had its turn in this round, so asking again waits for the next one.
          if (owner.running === 0 && owner.waiting.length === 0 && owner.lastRound < this.round)
            this.keys.delete(key);
          this.dispatch();
        };
        result.then(
          (value) => {
            release();
            resolve(value);
          },
          (error: unknown) => {
            release();
            reject(error);
          },
        );
      };
      if (owner.waiting.length === 0) (owner.lastRound === this.round ? this.next : this.current).push(key);
      owner.waiting.push({ start });
      this.dispatch();
    });
  }

  /** Starts waiting hashes, in turn, while fewer than `limit` run. */
  private dispatch() {
    while (this.active < this.limit) {
      if (this.current.length === 0) {
        if (this.next.length === 0) return;
        this.startRound();
      }
      const key = this.current.shift() as string;
      const state = this.keys.get(key) as KeyState;
      const waiter = state.waiting.shift() as Waiter;
      state.lastRound = this.round;
      if (state.waiting.length > 0) this.next.push(key);
      waiter.start();
    }
  }

  private startRound() {
    this.round++;
    this.current = this.next;
    this.next = [];
    // Addresses idle since their turn in an earlier round start afresh.
    for (const [key, state] of this.keys)
      if (state.running === 0 && state.waiting.length === 0) this.keys.delete(key);
  }
}
