/**
 * Password checks against the guessing limits (shared/auth/attempts.ts) and the hashes in flight per address
 * (shared/limits/in-flight.ts), through the dispatcher on dynalite (issue 22, items 1, 2, 9): locks end with their
 * window and never grow; strangers' failures never lock the owner out of an address or device they logged in from,
 * nor a logged-in session's PASSWORD; concurrent wrong guesses are counted exactly and at most the limit reach the
 * hash; IPv6 addresses count by their /64; an oversized name is a bad_request; one address holds at most a few hash
 * slots at once. Devices here run on a clock the test sets where time matters.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERR, OK, PASSWORD, useDispatcher } from '../support/dispatcher.js';
import { attachFaults, db as onDb, pkStarts } from '../support/faults.js';

const LIMIT = 3;
const IN_FLIGHT = 4;
const t = await useDispatcher({
  AUTH_MAX_FAILURES: String(LIMIT),
  AUTH_MAX_FAILURES_PER_IP: '5',
  AUTH_WINDOW_SECONDS: '900',
  IP_INFLIGHT_HASHES: String(IN_FLIGHT),
  IP_INFLIGHT_LEASE_SECONDS: '30',
});
const { dispatch } = await import('../../shared/commands/index.js');
const { createContext } = await import('../../shared/commands/context.js');
const { openConnection } = await import('../../shared/data/connections.js');
const { db, TABLE } = await import('../../shared/data/client.js');
const { keys } = await import('../../shared/data/keys.js');
const { releaseHashSlot, takeHashSlot } = await import('../../shared/limits/in-flight.js');
const { pendingMetrics } = await import('../../shared/metrics.js');
const faults = await attachFaults();

/** Wrong passwords compared with a hash so far (the PasswordChecks metric, not yet flushed). */
const wrongChecks = () =>
  pendingMetrics()
    .filter((m) => m.name === 'PasswordChecks' && m.dims.outcome === 'wrong')
    .reduce((sum, m) => sum + (m.values[0] ?? 0), 0);

const WINDOW_MS = 900_000;
const FAILED = ERR('autentikasi gagal', 'invalid_credentials');
const AUTH_OK = OK('autentikasi berhasil');
const SLOW = { timeout: 120_000 };

let addresses = 0;
/** A fresh IPv4 source address. */
const nextAddress = () => {
  const n = ++addresses;
  return `10.8.${Math.floor(n / 250)}.${(n % 250) + 1}`;
};

/** An account, registered from an address of its own (never logged in). */
async function account() {
  const name = t.fresh('acct');
  expect(await (await t.device('10.9.0.1')).ask(`REGISTER ${name} ${PASSWORD} ID A`)).toEqual(
    OK('registrasi berhasil'),
  );
  return name;
}

/** One AUTH (or any frame) on a fresh connection from `ip` at `now`. */
async function from(ip: string | undefined, frame: string, now = Date.now()) {
  if (ip !== undefined) return (await t.device(ip, now)).ask(frame);
  const id = t.fresh('conn');
  await openConnection(id, now, undefined);
  return dispatch(frame, createContext(id, t.api.endpoint, now));
}

/** The sum of a failure counter's items, over every window. */
async function stored(pk: string): Promise<number> {
  const { Items } = await db.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
    }),
  );
  return (Items ?? []).reduce((sum, item) => sum + Number(item.count), 0);
}

const locked = (retryAfter: number | unknown = expect.any(Number)) => ({
  ...ERR('autentikasi gagal', 'too_many_attempts'),
  retryAfter,
});

/** Three strangers' failures (from fresh addresses): the account is then locked for strangers. */
async function lockOut(name: string, now = Date.now()) {
  for (let i = 0; i < LIMIT; i++)
    expect(await from(nextAddress(), `AUTH ${name} wrongpass`, now)).toEqual(FAILED);
  expect(await from(nextAddress(), `AUTH ${name} ${PASSWORD}`, now)).toEqual(locked());
}

describe('locks', () => {
  it('last until their window ends, and never longer: no lock doubles', SLOW, async () => {
    const name = await account();
    // The first moment of a window, plus a second.
    const t0 = (Math.floor(Date.now() / WINDOW_MS) + 1) * WINDOW_MS + 1000;
    await lockOut(name, t0);
    expect(await from(nextAddress(), `AUTH ${name} ${PASSWORD}`, t0)).toEqual(locked(899));
    expect(await from(nextAddress(), `AUTH ${name} ${PASSWORD}`, t0 + WINDOW_MS - 1001)).toEqual(locked(1));
    // Locked again in each of the next windows, for no longer than one.
    for (const start of [t0 - 1000 + WINDOW_MS, t0 - 1000 + 2 * WINDOW_MS]) {
      await lockOut(name, start);
      expect(await from(nextAddress(), `AUTH ${name} ${PASSWORD}`, start)).toEqual(locked(900));
    }
    expect(await from(nextAddress(), `AUTH ${name} ${PASSWORD}`, t0 - 1000 + 3 * WINDOW_MS)).toEqual(AUTH_OK);
  });

  it('a connection with no source address is counted per account only, never per address', SLOW, async () => {
    // Six failures over six accounts: past the per-address limit (5), under each account's (3).
    for (let i = 0; i < 6; i++)
      expect(await from(undefined, `AUTH ${await account()} wrongpass`)).toEqual(FAILED);
    expect(await from(undefined, `AUTH ${await account()} ${PASSWORD}`)).toEqual(AUTH_OK);
  });
});

describe("strangers' failures", () => {
  it('never refuse the owner from an address they logged in from, right after the lock', SLOW, async () => {
    const name = await account();
    const home = nextAddress();
    expect(await from(home, `AUTH ${name} ${PASSWORD}`)).toEqual(AUTH_OK);
    await lockOut(name);
    expect(await from(home, `AUTH ${name} ${PASSWORD}`)).toEqual(AUTH_OK);
    // Their own typos from there count (and a success clears them): the address has its own limit.
    for (let i = 0; i < LIMIT; i++) expect(await from(home, `AUTH ${name} wrongpass`)).toEqual(FAILED);
    expect(await from(home, `AUTH ${name} ${PASSWORD}`)).toEqual(locked());
  });

  it(
    'never refuse a device the owner logged in with, from a new address; an unknown token is a stranger',
    SLOW,
    async () => {
      const name = await account();
      const other = await account();
      // The two-parameter AUTH answers exactly as ever; with `-` the answer carries a device token.
      expect(await from(nextAddress(), `AUTH ${name} ${PASSWORD}`)).toEqual(AUTH_OK);
      const first = await from(nextAddress(), `AUTH ${name} ${PASSWORD} -`);
      expect(first).toEqual(
        OK('autentikasi berhasil', { device: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) }),
      );
      const token = first.device as string;
      const foreign = (await from(nextAddress(), `AUTH ${other} ${PASSWORD} -`)).device as string;
      await lockOut(name);
      // The device, from an address never seen: let in, and given the same token back.
      expect(await from(nextAddress(), `AUTH ${name} ${PASSWORD} ${token}`)).toEqual(
        OK('autentikasi berhasil', { device: token }),
      );
      // Without it, with a made-up token, or with another account's: a stranger.
      for (const device of ['', ' -', ` ${'A'.repeat(22)}`, ` ${foreign}`])
        expect(await from(nextAddress(), `AUTH ${name} ${PASSWORD}${device}`)).toEqual(locked());
      // A token the account does not know is answered with a new one once the password is right.
      const renewed = await from(nextAddress(), `AUTH ${other} ${PASSWORD} ${'A'.repeat(22)}`);
      expect(renewed.device).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(renewed.device).not.toBe('A'.repeat(22));
    },
  );

  it('never refuse PASSWORD or DELETE_ACCOUNT from a logged-in session', SLOW, async () => {
    const name = await account();
    const session = await t.device(nextAddress());
    expect(await session.ask(`AUTH ${name} ${PASSWORD}`)).toEqual(AUTH_OK);
    await lockOut(name);
    expect(await session.ask(`PASSWORD ${PASSWORD} ${PASSWORD}2`)).toEqual(OK('ubah kata sandi berhasil'));
    expect(await session.ask(`DELETE_ACCOUNT ${PASSWORD}2`)).toEqual(OK('hapus akun berhasil'));
  });
});

describe('concurrent wrong guesses', () => {
  it('count one each, and at most the limit reach the hash', SLOW, async () => {
    const name = await account();
    const checksBefore = wrongChecks();
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => from(nextAddress(), `AUTH ${name} wrongpass`)),
    );
    expect(wrongChecks() - checksBefore).toBe(LIMIT);
    expect(answers.filter((a) => a.reason === 'invalid_credentials')).toHaveLength(LIMIT);
    expect(answers.filter((a) => a.reason === 'too_many_attempts')).toHaveLength(40 - LIMIT);
    expect(await stored(keys.authFailures('user', name, 0).pk)).toBe(LIMIT);
  });

  it('from one address: the same', SLOW, async () => {
    const name = await account();
    const ip = nextAddress();
    const answers = await Promise.all(
      Array.from({ length: IN_FLIGHT }, () => from(ip, `AUTH ${name} wrongpass`)),
    );
    expect(answers.filter((a) => a.reason === 'invalid_credentials')).toHaveLength(LIMIT);
    expect(answers.filter((a) => a.reason === 'too_many_attempts')).toHaveLength(IN_FLIGHT - LIMIT);
    expect(await stored(keys.authFailures('pair', `${name}#${ip}`, 0).pk)).toBe(LIMIT);
  });

  it('are counted exactly in any interleaving with the owner logging in (property)', SLOW, async () => {
    const op = fc.record({ stranger: fc.boolean(), right: fc.boolean() });
    // Up to three rounds; in each, everything is sent at once. The owner logs in from home, at most two at a time.
    const rounds = fc.array(fc.array(op, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 });
    await fc.assert(
      fc.asyncProperty(rounds, async (plan) => {
        const name = await account();
        const home = nextAddress();
        expect(await from(home, `AUTH ${name} ${PASSWORD}`)).toEqual(AUTH_OK);
        let strangerFailures = 0;
        for (const round of plan) {
          const ops = round.filter(
            (o, i) => o.stranger || round.slice(0, i).filter((p) => !p.stranger).length < 2,
          );
          const answers = await Promise.all(
            ops.map((o) =>
              from(
                o.stranger ? nextAddress() : home,
                `AUTH ${name} ${o.right || !o.stranger ? PASSWORD : 'wrongpass'}`,
              ),
            ),
          );
          for (const [i, o] of ops.entries()) {
            const answer = answers[i];
            if (!o.stranger) expect(answer).toEqual(AUTH_OK);
            else if (answer.reason === 'invalid_credentials') strangerFailures++;
            else expect(answer.status === 'OK' || answer.reason === 'too_many_attempts').toBe(true);
            if (o.stranger && !o.right) expect(answer.status).toBe('ERROR');
          }
        }
        // Every failure that reached the hash is counted, none twice, never past the limit; nothing else stays.
        expect(await stored(keys.authFailures('user', name, 0).pk)).toBe(strangerFailures);
        expect(strangerFailures).toBeLessThanOrEqual(LIMIT);
        expect(await stored(keys.authFailures('pair', `${name}#${home}`, 0).pk)).toBe(0);
      }),
      { numRuns: 8, seed: 2222, endOnFailure: true },
    );
  });
});

describe('names and addresses', () => {
  it('a username of 3 KB (or any a REGISTER would refuse) is a bad_request, and so is a malformed device', async () => {
    for (const frame of [
      `AUTH ${'a'.repeat(3000)} ${PASSWORD}`,
      `AUTH ${'a'.repeat(33)} ${PASSWORD}`,
      `AUTH ab ${PASSWORD}`,
      `AUTH ${'a'.repeat(10)} ${PASSWORD} short-token`,
      `AUTH ${'a'.repeat(10)} ${PASSWORD} - extra`,
    ])
      expect(await from(nextAddress(), frame)).toEqual(ERR('autentikasi gagal', 'bad_request'));
  });

  it('IPv6 addresses in one /64 share their counts', SLOW, async () => {
    const name = await account();
    expect(await from('2001:db8:1:1::5', `AUTH ${name} ${PASSWORD}`)).toEqual(AUTH_OK);
    // Failures from anywhere in the owner's /64 count for that /64 only (it is known to the account)...
    for (const ip of ['2001:db8:1:1::6', '2001:db8:1:1:ffff::7', '2001:DB8:1:1:0:0:0:8'])
      expect(await from(ip, `AUTH ${name} wrongpass`)).toEqual(FAILED);
    expect(await from('2001:db8:1:1::9', `AUTH ${name} ${PASSWORD}`)).toEqual(locked());
    // ...so the next /64 is untouched.
    expect(await from('2001:db8:1:2::1', `AUTH ${name} ${PASSWORD}`)).toEqual(AUTH_OK);
    // Across accounts: five failures from five addresses of one /64 lock it for accounts that never logged in there.
    for (let i = 1; i <= 5; i++)
      expect(await from(`2001:db8:2:2::${i}`, `AUTH ${t.fresh('ghost')} wrongpass`)).toEqual(FAILED);
    expect(await from('2001:db8:2:2::99', `AUTH ${name} ${PASSWORD}`)).toEqual(locked());
  });
});

describe('hashes in flight per address', () => {
  it('at most the cap at once, under a burst; the others are refused until one ends', async () => {
    const ip = nextAddress();
    const now = Date.now();
    const taken = await Promise.all(Array.from({ length: 12 }, () => takeHashSlot(ip, now)));
    const slots = taken.flatMap((s) => ('slot' in s ? [s.slot] : []));
    expect(slots).toHaveLength(IN_FLIGHT);
    expect(taken.filter((s) => 'retryAfter' in s && s.retryAfter === 1)).toHaveLength(12 - IN_FLIGHT);
    const limited = (data: string) => ({ ...ERR(data, 'rate_limited'), retryAfter: 1 });
    const name = await account();
    // Nothing is hashed, nothing counted: AUTH, REGISTER, PASSWORD all wait for a slot.
    expect(await from(ip, `AUTH ${name} wrongpass`)).toEqual(limited('autentikasi gagal'));
    expect(await from(ip, `REGISTER ${t.fresh('reg')} ${PASSWORD} ID R`)).toEqual(
      limited('registrasi gagal'),
    );
    expect(await stored(keys.authFailures('user', name, 0).pk)).toBe(0);
    // Another address is not affected.
    expect(await from(nextAddress(), `AUTH ${name} ${PASSWORD}`)).toEqual(AUTH_OK);
    await releaseHashSlot(slots[0]);
    expect(await from(ip, `AUTH ${name} ${PASSWORD}`)).toEqual(AUTH_OK);
    for (const slot of slots.slice(1)) await releaseHashSlot(slot);
    expect(
      (await Promise.all(Array.from({ length: IN_FLIGHT }, () => takeHashSlot(ip, now)))).every(
        (s) => 'slot' in s,
      ),
    ).toBe(true);
  });

  it('slots a crashed handler never gave back are taken again once a whole lease passed with none taken', async () => {
    const ip = nextAddress();
    const now = Date.now();
    const leaked = await Promise.all(Array.from({ length: IN_FLIGHT }, () => takeHashSlot(ip, now)));
    expect(await takeHashSlot(ip, now + 30_000)).toEqual({ retryAfter: 1 });
    const renewed = await takeHashSlot(ip, now + 30_001);
    expect(renewed).toEqual({ slot: expect.objectContaining({ generation: 1 }) });
    // The old generation's releases change nothing: one slot is held, so the cap minus one are free.
    for (const s of leaked) if ('slot' in s) await releaseHashSlot(s.slot);
    const more = await Promise.all(Array.from({ length: IN_FLIGHT }, () => takeHashSlot(ip, now + 30_002)));
    expect(more.filter((s) => 'slot' in s)).toHaveLength(IN_FLIGHT - 1);
  });
});

describe('after the password was right', () => {
  it('a failed give-back, remembering or slot release is logged, and the login stands', SLOW, async () => {
    const name = await account();
    const ip = nextAddress();
    try {
      faults.inject(onDb('DeleteItem', 'error', pkStarts('AUTHFAIL#')));
      faults.inject(
        onDb('UpdateItem', 'error', (input) => String(input?.UpdateExpression).includes(':minusOne')),
      );
      faults.inject(onDb('PutItem', 'error', pkStarts('AUTHKNOWN#')));
      const answer = await from(ip, `AUTH ${name} ${PASSWORD} -`);
      expect(answer).toEqual(OK('autentikasi berhasil', { device: expect.any(String) }));
      expect(faults.calls.some((c) => c.command === 'PutItem' && pkStarts('AUTHKNOWN#')(c.input))).toBe(true);
    } finally {
      faults.reset();
    }
    // Not remembered, and its counts stayed one too high: the address is a stranger's, one failure closer to the
    // limit, never further from it.
    for (let i = 0; i < LIMIT - 1; i++) expect(await from(ip, `AUTH ${name} wrongpass`)).toEqual(FAILED);
    expect(await from(ip, `AUTH ${name} ${PASSWORD}`)).toEqual(locked());
  });
});
