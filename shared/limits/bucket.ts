/**
 * A token bucket, as a pure function: `burst` tokens at most, refilled at `rate` per second; each request takes
 * one. Returns the bucket after the request and, when it was refused, the seconds until a token is back.
 */
export interface Bucket {
  tokens: number;
  /** Epoch ms of the last refill. */
  at: number;
}

export interface Rate {
  /** Tokens per second. */
  rate: number;
  /** The most tokens the bucket holds (a burst allowed at once). */
  burst: number;
}

export function take(bucket: Bucket | undefined, { rate, burst }: Rate, now: number) {
  const start = bucket ?? { tokens: burst, at: now };
  const tokens = Math.min(burst, start.tokens + (Math.max(0, now - start.at) / 1000) * rate);
  if (tokens >= 1) return { bucket: { tokens: tokens - 1, at: now }, retryAfter: undefined };
  return { bucket: { tokens, at: now }, retryAfter: Math.max(1, Math.ceil((1 - tokens) / rate)) };
}
