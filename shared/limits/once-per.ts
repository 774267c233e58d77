/**
 * "At most once per interval" per key, in the memory of the handling container (no DynamoDB cost): TYPING pushes a
 * conversation at most once per 3 s per connection. API Gateway may spread one connection over several containers,
 * so the bound holds per container; the per-connection budget (budgets.ts) bounds the rest.
 */

/** Keys this container remembers; the oldest are forgotten past this many. */
const MAX_TRACKED = 10_000;

export class OncePer {
  private readonly last = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  /** Whether `key` was let through less than the interval ago (then the caller drops this one). */
  isRecent(key: string, now: number): boolean {
    const at = this.last.get(key);
    return at !== undefined && now - at >= 0 && now - at < this.intervalMs;
  }

  /** Records that `key` was let through at `now`. */
  mark(key: string, now: number): void {
    this.last.delete(key);
    this.last.set(key, now);
    if (this.last.size > MAX_TRACKED) this.last.delete(this.last.keys().next().value as string);
  }
}
