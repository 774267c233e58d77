/**
 * Per-address budgets for REGISTER, GROUP_CREATE and AUTH (shared/limits/addresses.ts), with low limits set before
 * the runtime starts. Connections come from different loopback addresses (127.0.0.x), which the local gateway
 * passes on as `requestContext.identity.sourceIp`, as API Gateway does; each request is on a fresh connection, so
 * the per-connection budgets never answer first.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { ChatClient } from '../support/client.js';
import { PASSWORD, uniqueName } from '../support/endpoint.js';
import { useLocalRuntime } from '../support/runtime.js';

const WINDOW = 315_360_000;
const local = useLocalRuntime({
  env: {
    IP_BUDGET_REGISTER: '3',
    IP_BUDGET_GROUP_CREATE: '2',
    IP_BUDGET_AUTH: '4',
    // Ten years: no window ends while the tests run (windows are counted from the epoch; the next ends in 2029).
    IP_BUDGET_WINDOW_SECONDS: String(WINDOW),
  },
});

const from = (address: string): Promise<ChatClient> => local.connect({ localAddress: address });

/** A fresh user, registered and logged in from `address`. */
const userFrom = (address: string, prefix: string) => local.user(prefix, { localAddress: address });

const limited = (data: string) => ({
  status: 'ERROR',
  data,
  reason: 'rate_limited',
  retryAfter: expect.any(Number),
});

describe('per-address budgets', () => {
  it('REGISTER: past the limit from one address, rate_limited with retryAfter and nothing created; another address is unaffected', async () => {
    const names = [1, 2, 3, 4].map(() => uniqueName('reg'));
    const answers = [];
    for (const name of names)
      answers.push(await (await from('127.0.0.3')).request(`REGISTER ${name} ${PASSWORD} ID R`));
    expect(answers.slice(0, 3)).toEqual(Array(3).fill({ status: 'OK', data: 'registrasi berhasil' }));
    expect(answers[3]).toEqual(limited('registrasi gagal'));
    const retryAfter = answers[3]?.retryAfter as number;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW);

    // The refused REGISTER created no account; the same name registers from another address.
    const other = await from('127.0.0.4');
    expect(await other.request(`AUTH ${names[3]} ${PASSWORD}`)).toMatchObject({
      reason: 'invalid_credentials',
    });
    expect(await (await from('127.0.0.4')).request(`REGISTER ${names[3]} ${PASSWORD} ID R`)).toEqual({
      status: 'OK',
      data: 'registrasi berhasil',
    });
    // Still refused from the first address, on any connection.
    expect(await (await from('127.0.0.3')).request(`REGISTER ${uniqueName('reg')} ${PASSWORD} ID R`)).toEqual(
      limited('registrasi gagal'),
    );
  });

  it('keeps one counter per address, kind and window in the table, with a TTL and never above the limit', async () => {
    const { db, TABLE } = await import('../../shared/data/client.js');
    const { keys } = await import('../../shared/data/keys.js');
    const { windowOf } = await import('../../shared/limits/addresses.js');
    const window = windowOf(Date.now(), WINDOW);
    const { Item } = await db.send(
      new GetCommand({ TableName: TABLE, Key: keys.addressBudget('127.0.0.3', 'register', window.index) }),
    );
    // Three counted, the refused ones not; kept an hour past the window's end (the table's TTL attribute).
    expect(Item).toMatchObject({ count: 3, expiresAt: window.end / 1000 + 3600 });
  });

  it('GROUP_CREATE: past the limit from one address, rate_limited and no group; another address is unaffected', async () => {
    const owner = await userFrom('127.0.0.5', 'own');
    const groups = [1, 2, 3].map(() => uniqueName('g'));
    const answers = [];
    for (const group of groups) answers.push(await owner.client.request(`GROUP_CREATE ${group}`));
    expect(answers.slice(0, 2)).toEqual(Array(2).fill({ status: 'OK', data: 'grup berhasil dibuat' }));
    expect(answers[2]).toEqual(limited('grup gagal dibuat'));
    // The refused group does not exist: another address creates it.
    const other = await userFrom('127.0.0.6', 'oth');
    expect(await other.client.request(`GROUP_CREATE ${groups[2]}`)).toEqual({
      status: 'OK',
      data: 'grup berhasil dibuat',
    });
  });

  it('AUTH: every AUTH from one address counts, right password or not; the account logs in from another address', async () => {
    const user = await userFrom('127.0.0.7', 'au'); // one AUTH from 127.0.0.7
    const answers = [];
    for (let i = 0; i < 3; i++)
      answers.push(await (await from('127.0.0.7')).request(`AUTH ${user.name} ${PASSWORD}`));
    expect(answers).toEqual(Array(3).fill({ status: 'OK', data: 'autentikasi berhasil' }));
    const refused = await from('127.0.0.7');
    expect(await refused.request(`AUTH ${user.name} ${PASSWORD}`)).toEqual(limited('autentikasi gagal'));
    // The refused AUTH bound nothing.
    expect(await refused.request('GROUPS')).toMatchObject({ reason: 'not_authenticated' });
    expect(await (await from('127.0.0.8')).request(`AUTH ${user.name} ${PASSWORD}`)).toEqual({
      status: 'OK',
      data: 'autentikasi berhasil',
    });
  });
});
