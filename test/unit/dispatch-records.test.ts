/**
 * What the dispatcher and the login commands leave behind besides their answers: the log lines operations rely on
 * (docs/OPERATIONS.md finds a user's lines through "signed in"; a failure is logged with its command, never
 * answered with its details), the metrics of a refused flood and of a command's time, and which reads are strongly
 * consistent (the login state is read strongly before it is changed; docs/DATA_MODEL.md).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ERR, OK, PASSWORD, useDispatcher } from '../support/dispatcher.js';
import { attachFaults, db } from '../support/faults.js';
import { captureLogs, type LogLine } from '../support/logs.js';

const t = await useDispatcher({ BUDGET_WATCH_BURST: '3', BUDGET_WATCH_PER_SECOND: '1' });
const { pendingMetrics } = await import('../../shared/metrics.js');
const { flushMetrics } = await import('../../shared/metrics.js');
const { keys } = await import('../../shared/data/keys.js');
const faults = await attachFaults();

/** Log lines written while a test runs, parsed. */
let lines: LogLine[];

beforeEach(() => {
  lines = captureLogs('info');
  flushMetrics();
  faults.reset();
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const withMessage = (message: string) => lines.filter((line) => line.message === message);

describe('log lines', () => {
  it('writes "signed in" with the connection and the user key for a successful AUTH only', async () => {
    const name = t.fresh('Ann');
    const d = await t.device();
    expect(await d.ask(`REGISTER ${name} ${PASSWORD} ID ${name} Ann`)).toEqual(OK('registrasi berhasil'));
    expect(await d.ask(`AUTH ${name} wrong-password`)).toEqual(
      ERR('autentikasi gagal', 'invalid_credentials'),
    );
    expect(await d.ask('PING')).toMatchObject({ status: 'OK' });
    expect(withMessage('signed in')).toEqual([]);
    expect(await d.ask(`AUTH ${name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expect(withMessage('signed in')).toEqual([
      expect.objectContaining({ level: 'info', connectionId: d.id, user: name.toLowerCase() }),
    ]);
  });

  it('logs a failed command with its word and connection, and answers only internal_error', async () => {
    const alice = await t.user('alice');
    faults.inject(db('GetItem', 'error'));
    const answer = await alice.ask('GROUPS');
    expect(answer).toEqual(ERR('daftar grup gagal', 'internal_error'));
    expect(withMessage('command failed')).toEqual([
      expect.objectContaining({
        level: 'error',
        command: 'GROUPS',
        connectionId: alice.id,
        error: expect.objectContaining({ name: 'InternalServerError' }),
      }),
    ]);
  });
});

describe('metrics', () => {
  it('counts a refused request as RateLimited under its command', async () => {
    const d = await t.device('10.0.0.1', Date.parse('2026-01-01T00:00:00Z'));
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await d.ask('UNWATCH nobody'));
    expect(answers[3]).toMatchObject({ status: 'ERROR', reason: 'rate_limited' });
    expect(answers.slice(0, 3).map((a) => a.reason)).not.toContain('rate_limited');
    const limited = pendingMetrics().filter((m) => m.name === 'RateLimited');
    expect(limited).toEqual([expect.objectContaining({ dims: { command: 'UNWATCH' }, values: [1] })]);
  });

  it('times a command as the time it took, never more', async () => {
    const d = await t.device();
    const before = performance.now();
    await d.ask('PING');
    const took = performance.now() - before;
    const [duration] = pendingMetrics().filter(
      (m) => m.name === 'CommandDuration' && m.dims.command === 'PING',
    );
    expect(duration?.values).toHaveLength(1);
    expect(duration?.values[0]).toBeGreaterThanOrEqual(0);
    expect(duration?.values[0]).toBeLessThanOrEqual(took);
  });
});

describe('strongly consistent reads of the login state', () => {
  /** The recorded GetItem inputs for one item. */
  const reads = (key: { pk: string; sk: string }) =>
    faults
      .callsOf('dynamodb', 'GetItem')
      .filter((input) => input.Key.pk === key.pk && input.Key.sk === key.sk);

  it('AUTH and LOGOUT read the connection strongly; other commands read it eventually', async () => {
    const alice = await t.user('alice');
    faults.reset();
    expect((await alice.ask('GROUPS')).status).toBe('OK');
    expect(reads(keys.connection(alice.id)).map((input) => input.ConsistentRead)).toEqual([false]);
    faults.reset();
    expect(await alice.ask(`AUTH ${alice.name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expect(reads(keys.connection(alice.id)).map((input) => input.ConsistentRead)).toContain(true);
    faults.reset();
    expect(await alice.ask('LOGOUT')).toEqual(OK('logout berhasil'));
    expect(reads(keys.connection(alice.id)).map((input) => input.ConsistentRead)).toEqual([true]);
  });

  it("an owner's command reads the group strongly: ownership may just have changed hands", async () => {
    const g = await t.group('owner', 'member');
    const [owner, member] = g.users;
    faults.reset();
    expect(await owner?.ask(`GROUP_KICK ${g.name} ${member?.name}`)).toMatchObject({ status: 'OK' });
    const metaReads = reads(keys.group(g.name));
    expect(metaReads.length).toBeGreaterThan(0);
    expect(metaReads.every((input) => input.ConsistentRead === true)).toBe(true);
  });
});
