/** Flood budgets per connection (shared/limits/budgets.ts) with the default settings. */
import { describe, expect, it } from 'vitest';

process.env.AWS_REGION ??= 'us-east-1';
process.env.TABLE_NAME ??= 'unit';
const { spend } = await import('../../shared/limits/budgets.js');

let unique = 0;
const fresh = () => `budget-${++unique}`;

describe('spend', () => {
  it('lets every send word draw on one budget of 100 at once, then asks to wait a second', () => {
    const conn = fresh();
    const words = ['SEND', 'SEND_GROUP', 'SEND_FILE', 'SEND_GROUP_FILE'];
    for (let i = 0; i < 100; i++) expect(spend(words[i % 4] as string, conn, 0)).toBeUndefined();
    expect(spend('SEND', conn, 0)).toBe(1);
    expect(spend('SEND_GROUP_FILE', conn, 0)).toBe(1);
    // Ten a second come back.
    expect(spend('SEND', conn, 100)).toBeUndefined();
    expect(spend('SEND', conn, 100)).toBe(1);
    // Other kinds and other connections have their own budgets; other words none.
    expect(spend('AUTH', conn, 0)).toBeUndefined();
    expect(spend('SEND', fresh(), 0)).toBeUndefined();
    for (let i = 0; i < 1000; i++) expect(spend('PING', conn, 0)).toBeUndefined();
    expect(spend('GROUPS', conn, 0)).toBeUndefined();
  });

  it('gives REGISTER 10, AUTH 30 and GROUP_CREATE 20 at once, then one each every 10, 2 and 5 seconds', () => {
    for (const [word, burst, every] of [
      ['REGISTER', 10, 10],
      ['AUTH', 30, 2],
      ['GROUP_CREATE', 20, 5],
      ['GROUP_JOIN', 20, 2],
    ] as const) {
      const conn = fresh();
      for (let i = 0; i < burst; i++) expect(spend(word, conn, 0), word).toBeUndefined();
      expect(spend(word, conn, 0), word).toBe(every);
      expect(spend(word, conn, every * 1000 - 1), word).toBe(1);
      expect(spend(word, conn, every * 1000 * 2), word).toBeUndefined();
    }
  });

  it('forgets the least recently seen connection past 10,000', () => {
    const first = fresh();
    for (let i = 0; i < 10; i++) spend('REGISTER', first, 0);
    expect(spend('REGISTER', first, 0)).toBe(10);
    const second = fresh();
    for (let i = 0; i < 10; i++) spend('REGISTER', second, 0);
    for (let i = 0; i < 9_998; i++) spend('REGISTER', fresh(), 0);
    // Past 10,000 buckets the least recently used go first: `first` before `second`.
    expect(spend('REGISTER', second, 0)).toBe(10);
    spend('REGISTER', fresh(), 0);
    expect(spend('REGISTER', first, 0)).toBeUndefined();
  });

  it('lets GROUP_JOIN and GROUP_LEAVE share one budget (400 in a burst no more pass), BLOCK draw on WATCH’s', () => {
    const conn = fresh();
    let passed = 0;
    for (let i = 0; i < 400; i++)
      if (spend(i % 2 ? 'GROUP_LEAVE' : 'GROUP_JOIN', conn, 0) === undefined) passed++;
    expect(passed).toBe(20);
    const other = fresh();
    for (let i = 0; i < 20; i++) expect(spend(i % 2 ? 'UNBLOCK' : 'WATCH', other, 0)).toBeUndefined();
    expect(spend('BLOCK', other, 0)).toBe(1);
    expect(spend('GROUP_UNINVITE', other, 0)).toBeUndefined();
  });
});
