import { describe, expect, it } from 'vitest';
import { take } from '../../shared/limits/bucket.js';

describe('take', () => {
  const rate = { rate: 2, burst: 3 };

  it('allows a burst, then refuses with the seconds until a token is back', () => {
    let bucket: Parameters<typeof take>[0];
    for (let i = 0; i < 3; i++) {
      const result = take(bucket, rate, 1000);
      expect(result.retryAfter).toBeUndefined();
      bucket = result.bucket;
    }
    const refused = take(bucket, rate, 1000);
    expect(refused.retryAfter).toBe(1);
    expect(refused.bucket.tokens).toBe(0);
  });

  it('refills at the rate, never above the burst', () => {
    const empty = { tokens: 0, at: 0 };
    expect(take(empty, rate, 499).retryAfter).toBe(1);
    expect(take(empty, rate, 500).retryAfter).toBeUndefined();
    expect(take(empty, rate, 60_000).bucket.tokens).toBe(2);
    expect(take(empty, { rate: 0.1, burst: 1 }, 5_000).retryAfter).toBe(5);
  });
});
