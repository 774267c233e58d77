import { beforeAll, describe, expect, it } from 'vitest';

process.env.AWS_REGION ??= 'us-east-1';
process.env.TABLE_NAME ??= 'unit';

let parseJob: typeof import('../../shared/queue/jobs.js').parseJob;

beforeAll(async () => {
  ({ parseJob } = await import('../../shared/queue/jobs.js'));
});

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
