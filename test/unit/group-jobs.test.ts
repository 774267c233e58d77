import { describe, expect, it } from 'vitest';
import { parseJob } from '../../shared/queue/jobs.js';

describe('groupdelete jobs', () => {
  const job = {
    kind: 'groupdelete',
    group: 'kantor',
    token: '01JD0000000000000000000000',
    phase: 'items',
    after: '',
  };

  it('reads a deletion job back as it was sent', () => {
    expect(parseJob(JSON.stringify(job))).toEqual(job);
  });

  it('drops one with an unknown phase or a missing field (it would otherwise fail forever)', () => {
    expect(parseJob(JSON.stringify({ ...job, phase: 'everything' }))).toBeUndefined();
    expect(parseJob(JSON.stringify({ ...job, token: undefined }))).toBeUndefined();
    expect(parseJob(JSON.stringify({ ...job, after: 5 }))).toBeUndefined();
  });
});
