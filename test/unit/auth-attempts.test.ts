/**
 * Failed AUTHs over time (shared/auth/attempts.ts at the command): a lock ends exactly when its time is up, a success
 * then clears the account's back-off (the next lock is one window again, not two), and a connection the gateway
 * gave no source address is counted per account only. Devices here run on a clock the test sets.
 */
import { describe, expect, it } from 'vitest';
import { ERR, OK, PASSWORD, useDispatcher } from '../support/dispatcher.js';

const t = await useDispatcher({
  AUTH_MAX_FAILURES: '3',
  AUTH_MAX_FAILURES_PER_IP: '5',
  AUTH_WINDOW_SECONDS: '900',
});
const { dispatch } = await import('../../shared/commands/index.js');
const { createContext } = await import('../../shared/commands/context.js');
const { openConnection } = await import('../../shared/data/connections.js');

const WINDOW_MS = 900_000;
const FAILED = ERR('autentikasi gagal', 'invalid_credentials');

let addresses = 0;
/** A fresh source address for each AUTH, so only the account's count matters. */
const nextAddress = () => `10.8.${Math.floor(++addresses / 250)}.${addresses % 250}`;

/** An account, and a way to try AUTH for it at any moment, each try from a fresh address. */
async function account() {
  const name = t.fresh('acct');
  expect(await (await t.device('10.9.0.1')).ask(`REGISTER ${name} ${PASSWORD} ID A`)).toEqual(
    OK('registrasi berhasil'),
  );
  const at = async (now: number, password: string) =>
    (await t.device(nextAddress(), now)).ask(`AUTH ${name} ${password}`);
  return { name, at };
}

describe('failed AUTHs over time', () => {
  it('a lock ends at its time, and a success after it clears the back-off', async () => {
    const a = await account();
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) expect(await a.at(t0, 'wrongpass')).toEqual(FAILED);
    expect(await a.at(t0 + WINDOW_MS - 1, PASSWORD)).toEqual({
      ...ERR('autentikasi gagal', 'too_many_attempts'),
      retryAfter: 1,
    });
    expect(await a.at(t0 + WINDOW_MS, PASSWORD)).toEqual(OK('autentikasi berhasil'));
    // Locked again: for one window, as the first time (the success forgot the earlier lock).
    const t1 = t0 + 2 * WINDOW_MS;
    for (let i = 0; i < 3; i++) expect(await a.at(t1, 'wrongpass')).toEqual(FAILED);
    expect(await a.at(t1, PASSWORD)).toEqual({
      ...ERR('autentikasi gagal', 'too_many_attempts'),
      retryAfter: 900,
    });
  });

  it('without a success in between, each lock lasts twice the one before', async () => {
    const a = await account();
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) expect(await a.at(t0, 'wrongpass')).toEqual(FAILED);
    const t1 = t0 + WINDOW_MS;
    for (let i = 0; i < 3; i++) expect(await a.at(t1, 'wrongpass')).toEqual(FAILED);
    expect(await a.at(t1, PASSWORD)).toEqual({
      ...ERR('autentikasi gagal', 'too_many_attempts'),
      retryAfter: 1800,
    });
  });

  it('a connection with no source address is counted per account only, never per address', async () => {
    const id = t.fresh('conn');
    await openConnection(id, Date.now(), undefined);
    const ask = (frame: string) => dispatch(frame, createContext(id, t.api.endpoint, Date.now()));
    // Six failures over six accounts: past the per-address limit (5), under each account's (3).
    for (let i = 0; i < 6; i++) {
      const { name } = await account();
      expect(await ask(`AUTH ${name} wrongpass`)).toEqual(FAILED);
    }
    const last = await account();
    expect(await ask(`AUTH ${last.name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
  });
});
