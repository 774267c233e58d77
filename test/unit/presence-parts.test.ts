/**
 * The pure parts of presence, typing and HELP: the HELP table covers the dispatch table, the once-per-interval
 * drop, the signal job's shape on the queue, and the new requests' budgets.
 */
import { beforeAll, describe, expect, it } from 'vitest';

process.env.AWS_REGION = 'us-east-1';
process.env.TABLE_NAME = 'unit';
process.env.OBROL_LOG = 'silent';

let modules: {
  COMMANDS: typeof import('../../shared/commands/index.js').COMMANDS;
  help: typeof import('../../shared/commands/help-table.js');
  OncePer: typeof import('../../shared/limits/once-per.js').OncePer;
  parseJob: typeof import('../../shared/queue/jobs.js').parseJob;
  spend: typeof import('../../shared/limits/budgets.js').spend;
};

beforeAll(async () => {
  modules = {
    COMMANDS: (await import('../../shared/commands/index.js')).COMMANDS,
    help: await import('../../shared/commands/help-table.js'),
    OncePer: (await import('../../shared/limits/once-per.js')).OncePer,
    parseJob: (await import('../../shared/queue/jobs.js')).parseJob,
    spend: (await import('../../shared/limits/budgets.js')).spend,
  };
});

describe('HELP', () => {
  it('lists every command of the dispatch table, once each', () => {
    const listed = modules.help.HELP.map((entry) => entry.command);
    for (const word of Object.keys(modules.COMMANDS)) expect(listed).toContain(word);
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('answers one line per command, usage first', () => {
    const lines = modules.help.helpLines();
    expect(lines).toHaveLength(modules.help.HELP.length);
    expect(lines).toContain('GROUP_CREATE nama [private] — buat grup (private: hanya dengan undangan)');
    expect(lines).toContain('PING — jaga koneksi tetap terbuka');
    for (const line of lines) expect(line).not.toMatch(/[\r\n]/);
  });

  it('answers the seed-form list with the limits a client keeps to beside it', async () => {
    const { help } = await import('../../shared/commands/help.js');
    const answer = await help.run({}, undefined as never);
    expect(answer).toEqual({
      status: 'OK',
      data: modules.help.helpLines(),
      maxFrameBytes: 32_768,
      maxInlineFileBytes: 24_000,
    });
  });
});

describe('once per interval', () => {
  it('drops a repeat within the interval, per key, and lets it through after', () => {
    const once = new modules.OncePer(3000);
    expect(once.isRecent('a', 1000)).toBe(false);
    once.mark('a', 1000);
    expect(once.isRecent('a', 3999)).toBe(true);
    expect(once.isRecent('b', 3999)).toBe(false);
    expect(once.isRecent('a', 4000)).toBe(false);
    // A clock that went backwards never silences a key for longer than the interval.
    expect(once.isRecent('a', 0)).toBe(false);
  });

  it('remembers the latest 10,000 keys and forgets the oldest first', () => {
    const once = new modules.OncePer(3000);
    for (let i = 0; i <= 10_000; i++) once.mark(`k${i}`, 1000);
    expect(once.isRecent('k0', 1001)).toBe(false);
    expect(once.isRecent('k1', 1001)).toBe(true);
    expect(once.isRecent('k10000', 1001)).toBe(true);
  });
});

describe('signal jobs', () => {
  const job = {
    kind: 'signal',
    to: 'watchers',
    key: 'alice',
    skip: '',
    after: '',
    event: { event: 'PRESENCE', id: '01', user: 'Alice', online: false, at: '2026-11-27T00:00:00.000Z' },
  };

  it('reads a signal job back, and drops a malformed one', () => {
    expect(modules.parseJob(JSON.stringify(job))).toEqual(job);
    expect(modules.parseJob(JSON.stringify({ ...job, to: 'everyone' }))).toBeUndefined();
    expect(modules.parseJob(JSON.stringify({ ...job, event: 'PRESENCE' }))).toBeUndefined();
    expect(modules.parseJob(JSON.stringify({ ...job, key: 1 }))).toBeUndefined();
    expect(modules.parseJob(JSON.stringify({ ...job, skip: null }))).toBeUndefined();
    expect(modules.parseJob(JSON.stringify({ ...job, after: 7 }))).toBeUndefined();
    expect(modules.parseJob(JSON.stringify({ ...job, event: null }))).toBeUndefined();
    expect(modules.parseJob(JSON.stringify({ ...job, event: { id: '01' } }))).toBeUndefined();
    // An edit's or deletion's news skips the connection that made it.
    const edit = {
      ...job,
      to: 'group',
      key: 'g',
      except: 'conn-1',
      event: { event: 'MESSAGE_EDITED', id: '02' },
    };
    expect(modules.parseJob(JSON.stringify(edit))).toEqual(edit);
    expect(modules.parseJob(JSON.stringify({ ...edit, except: 5 }))).toBeUndefined();
  });
});

describe('budgets', () => {
  it('apply to TYPING, TYPING_GROUP, WATCH and UNWATCH (a burst, then rate_limited)', () => {
    for (const [words, burst] of [
      [['TYPING', 'TYPING_GROUP'], 20],
      [['WATCH', 'UNWATCH'], 20],
    ] as const) {
      const connection = `conn-${words[0]}`;
      for (let i = 0; i < burst; i++)
        expect(modules.spend(words[i % 2] as string, connection, 1000)).toBeUndefined();
      expect(modules.spend(words[0], connection, 1000)).toBeGreaterThan(0);
      expect(modules.spend(words[1], connection, 1000)).toBeGreaterThan(0);
    }
    expect(modules.spend('HELP', 'conn-help', 1000)).toBeUndefined();
  });
});
