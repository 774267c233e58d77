/** Reconnect timing: exponential back-off with jitter, so a server restart is not met by every client at once. */

export interface BackoffOptions {
  /** The first delay (ms). Default 500. */
  baseMs?: number;
  /** The longest delay (ms). Default 30 000. */
  maxMs?: number;
  /** A number in [0, 1); default Math.random. */
  random?: () => number;
}

/**
 * The delay before reconnect attempt `attempt` (0-based): base doubling up to max, then "full jitter" — a uniform draw
 * over the whole [0, ceiling]. Equal jitter (50–100 %) kept every client of a dropped crowd in the upper half of each
 * window, so a storm's first wave met `$connect` twice as densely (docs/CAPACITY.md, "Reconnect storm").
 */
export function backoffMs(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling * random());
}
