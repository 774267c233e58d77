/** Queue messages become jobs only in the shapes the worker handles; anything else is dropped, never run. */
import { beforeAll, describe, expect, it } from 'vitest';

// The jobs module reads the settings once, on import.
process.env.AWS_REGION ??= 'us-east-1';
process.env.TABLE_NAME ??= 'unit';
let parseJob: typeof import('../../shared/queue/jobs.js').parseJob;
beforeAll(async () => {
  ({ parseJob } = await import('../../shared/queue/jobs.js'));
});

describe('parseJob', () => {
  it('reads an account clean-up job at each of its stages', () => {
    for (const stage of ['groups', 'inbox', 'files'])
      expect(parseJob(JSON.stringify({ kind: 'account-cleanup', user: 'alice', stage }))).toEqual({
        kind: 'account-cleanup',
        user: 'alice',
        stage,
      });
  });

  it.each([
    ['an unknown stage', { kind: 'account-cleanup', user: 'alice', stage: 'everything' }],
    ['no user', { kind: 'account-cleanup', stage: 'groups' }],
    ['a user that is not a string', { kind: 'account-cleanup', user: 7, stage: 'groups' }],
  ])('drops a clean-up job with %s', (_label, body) => {
    expect(parseJob(JSON.stringify(body))).toBeUndefined();
  });
});
