/**
 * Per-address budgets at the commands (REGISTER, GROUP_CREATE, AUTH): the budget-th request from one address is
 * answered, the next is `rate_limited` with the time left in the window, before any work (no account, no group, no
 * password check), and another address is not touched. Budgets are made small here; the window is the hour.
 * Last, a connection's own budget for sends (shared/limits/budgets.ts), checked by the dispatcher.
 */
import { describe, expect, it } from 'vitest';
import { ERR, OK, PASSWORD, useDispatcher } from '../support/dispatcher.js';

const t = await useDispatcher({
  IP_BUDGET_REGISTER: '2',
  IP_BUDGET_GROUP_CREATE: '2',
  IP_BUDGET_AUTH: '3',
  BUDGET_SENDS_BURST: '3',
  BUDGET_SENDS_PER_SECOND: '1',
});

/** The answer is rate_limited, with a retryAfter within the hour's window. */
function expectLimited(answer: { retryAfter?: number }, failure: string) {
  expect(answer).toEqual({ ...ERR(failure, 'rate_limited'), retryAfter: answer.retryAfter });
  expect(answer.retryAfter).toBeGreaterThan(0);
  expect(answer.retryAfter).toBeLessThanOrEqual(3600);
}

describe('per-address budgets', () => {
  it('REGISTER: two from one address, then rate_limited without creating the account', async () => {
    const d = await t.device('10.1.0.1');
    const [a, b, c] = [t.fresh('reg'), t.fresh('reg'), t.fresh('reg')];
    expect(await d.ask(`REGISTER ${a} ${PASSWORD} ID A`)).toEqual(OK('registrasi berhasil'));
    expect(await d.ask(`REGISTER ${b} ${PASSWORD} ID B`)).toEqual(OK('registrasi berhasil'));
    expectLimited(await d.ask(`REGISTER ${c} ${PASSWORD} ID C`), 'registrasi gagal');
    // Not created: another address registers the name.
    const e = await t.device('10.1.0.2');
    expect(await e.ask(`REGISTER ${c} ${PASSWORD} ID C`)).toEqual(OK('registrasi berhasil'));
  });

  it('AUTH: three from one address, right or wrong, then rate_limited even with the right password', async () => {
    const name = t.fresh('auth');
    const d = await t.device('10.2.0.1');
    expect(await d.ask(`REGISTER ${name} ${PASSWORD} ID A`)).toEqual(OK('registrasi berhasil'));
    expect(await d.ask(`AUTH ${name} wrongpass`)).toEqual(ERR('autentikasi gagal', 'invalid_credentials'));
    expect(await d.ask(`AUTH ${name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expect(await d.ask(`AUTH ${name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expectLimited(await d.ask(`AUTH ${name} ${PASSWORD}`), 'autentikasi gagal');
    const e = await t.device('10.2.0.2');
    expect(await e.ask(`AUTH ${name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
  });

  it('GROUP_CREATE: two from one address, then rate_limited without creating the group', async () => {
    const name = t.fresh('grp');
    const d = await t.device('10.3.0.1');
    const e = await t.device('10.3.0.2');
    expect(await d.ask(`REGISTER ${name} ${PASSWORD} ID A`)).toEqual(OK('registrasi berhasil'));
    expect(await d.ask(`AUTH ${name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expect(await e.ask(`AUTH ${name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    const [g1, g2, g3] = [t.fresh('g'), t.fresh('g'), t.fresh('g')];
    expect(await d.ask(`GROUP_CREATE ${g1}`)).toEqual(OK('grup berhasil dibuat'));
    expect(await d.ask(`GROUP_CREATE ${g2}`)).toEqual(OK('grup berhasil dibuat'));
    expectLimited(await d.ask(`GROUP_CREATE ${g3}`), 'grup gagal dibuat');
    expect(await d.ask('GROUPS')).toEqual(OK([g1, g2].sort()));
    expect(await e.ask(`GROUP_CREATE ${g3}`)).toEqual(OK('grup berhasil dibuat'));
  });

  it("a connection's sends: a burst of three, then rate_limited for a second; another connection is not touched", async () => {
    const name = t.fresh('snd');
    // One moment for every request of this connection: no token comes back between them.
    const d = await t.device('10.4.0.1', Date.now());
    expect(await d.ask(`REGISTER ${name} ${PASSWORD} ID A`)).toEqual(OK('registrasi berhasil'));
    expect(await d.ask(`AUTH ${name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    for (let i = 0; i < 3; i++) expect((await d.ask(`SEND ${name} ${i}`)).status).toBe('OK');
    expect(await d.ask(`SEND ${name} more`)).toEqual({
      ...ERR('pesan tidak terkirim', 'rate_limited'),
      retryAfter: 1,
    });
    expect(await d.ask('PING')).toEqual(OK('pong'));
    const e = await t.device('10.4.0.1');
    expect(await e.ask(`AUTH ${name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expect((await e.ask(`SEND ${name} other`)).status).toBe('OK');
  });
});
