import { describe, expect, it } from 'vitest';

process.env.AWS_REGION ??= 'us-east-1';
process.env.TABLE_NAME ??= 'unit';
const { afterFailure } = await import('../../shared/auth/attempts.js');

const WINDOW = 900_000;
const empty = { failures: 0, since: 0, lockedUntil: 0, lockouts: 0 };

describe('afterFailure', () => {
  it('counts failures within a window and starts a new window after it', () => {
    let count = afterFailure(empty, 10, 1_000_000);
    expect(count).toMatchObject({ failures: 1, since: 1_000_000, lockedUntil: 0 });
    count = afterFailure(count, 10, 1_000_000 + WINDOW - 1);
    expect(count.failures).toBe(2);
    count = afterFailure(count, 10, 1_000_000 + WINDOW);
    expect(count).toMatchObject({ failures: 1, since: 1_000_000 + WINDOW });
  });

  it('locks at the limit for one window, then twice as long each time, at most a day', () => {
    let count = { ...empty, failures: 9, since: 0 };
    count = afterFailure(count, 10, 1000);
    expect(count).toEqual({ failures: 0, since: 1000, lockedUntil: 1000 + WINDOW, lockouts: 1 });
    count = afterFailure({ ...count, failures: 9 }, 10, 2000);
    expect(count.lockedUntil).toBe(2000 + 2 * WINDOW);
    count = afterFailure({ ...count, failures: 9, lockouts: 20 }, 10, 3000);
    expect(count.lockedUntil).toBe(3000 + 24 * 3600 * 1000);
  });
});
