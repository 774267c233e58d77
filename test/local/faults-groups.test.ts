/**
 * Faults in every AWS call of REGISTER, GROUP_CREATE, GROUP_JOIN, GROUP_LEAVE, GROUP_MEMBERS and GROUPS. After each
 * row the table is read directly and must hold no half-written state: a user is a member of a group (their
 * membership item) exactly when the group lists them (its member item) and each of their live connections is in the
 * group's connections (so pushes find them), and a group that exists has its creator as a member unless they left.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../shared/data/keys.js';
import { PASSWORD, type User, uniqueName } from '../support/endpoint.js';
import { arm, expectHonest } from '../support/fault-checks.js';
import { db, type Faults, type Input, once, type Rule } from '../support/faults.js';
import { useLocalRuntime } from '../support/runtime.js';
import { type Seeder, seeder } from '../support/seed.js';

const local = useLocalRuntime({
  env: { BUDGET_CREATE_BURST: '1000', BUDGET_REGISTER_BURST: '1000', BUDGET_MEMBERSHIP_BURST: '1000' },
});
let faults: Faults;
let table: Seeder;
let alice: User;
let bob: User;

beforeAll(async () => {
  faults = await local.faults();
  table = seeder();
  ({ alice, bob } = await local.pair());
});

const key = (input: Input) => ({
  pk: String(input?.Key?.pk ?? input?.Item?.pk),
  sk: String(input?.Key?.sk ?? input?.Item?.sk),
});
const isMembership = (input: Input) =>
  key(input).pk.startsWith('USER#') && key(input).sk.startsWith('GROUP#');
const isGroupItem = (input: Input) => key(input).sk === 'META';
const isBatchWrite = () => true;

/** What the table says about `user` in `group`. */
async function state(group: string, user: string) {
  const [membership, member, meta, copies] = await Promise.all([
    table.get(keys.userGroup(user, group)),
    table.get(keys.groupMember(group, user)),
    table.get(keys.group(group)),
    table.db.send(
      new QueryCommand({
        TableName: table.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.group(group).pk, ':prefix': `PRESENCE#${user}#` },
        ConsistentRead: true,
      }),
    ),
  ]);
  return {
    member: membership !== undefined,
    listed: member !== undefined,
    online: (copies.Items ?? []).length,
    exists: meta !== undefined,
  };
}

/** A member is listed and present on its (one) live connection; a non-member is neither. */
async function expectWhole(group: string, user: User) {
  const s = await state(group, user.name);
  expect({ listed: s.listed, online: s.online }).toEqual(
    s.member ? { listed: true, online: 1 } : { listed: false, online: 0 },
  );
  return s;
}

type GroupRow = { name: string; rules: () => Rule[]; expect: 'ok' | 'failed' | 'either' };

describe('GROUP_CREATE with a fault', () => {
  const rows: GroupRow[] = [
    {
      name: 'the group item cannot be written',
      rules: () => [db('PutItem', 'error', isGroupItem)],
      expect: 'failed',
    },
    {
      name: 'the group item is throttled once',
      rules: () => [db('PutItem', 'throttle', isGroupItem, once)],
      expect: 'ok',
    },
    {
      name: 'the group item is written, its answer lost, and cannot be read back',
      rules: () => [db('PutItem', 'lie', isGroupItem, once), db('GetItem', 'error', isGroupItem)],
      expect: 'either',
    },
    {
      name: "the creator's membership cannot be written",
      rules: () => [db('PutItem', 'error', isMembership)],
      expect: 'either',
    },
    {
      name: "the creator's membership times out once",
      rules: () => [db('PutItem', 'timeout', isMembership, once)],
      expect: 'ok',
    },
    {
      name: "the group's count cannot be updated",
      rules: () => [db('UpdateItem', 'error', isGroupItem)],
      expect: 'either',
    },
    {
      name: 'the member item and group connections cannot be written',
      rules: () => [db('BatchWriteItem', 'error', isBatchWrite)],
      expect: 'either',
    },
    {
      name: "the creator's account cannot be read",
      rules: () => [
        db('Query', 'error', (i) => String(i.ExpressionAttributeValues?.[':pk']).startsWith('USER#')),
      ],
      expect: 'failed',
    },
  ];
  for (const row of rows) {
    it(`${row.name}: the answer is honest, and the group is whole or absent`, async () => {
      const group = uniqueName('grp');
      const armed = arm(faults, row.rules());
      const answer = await alice.client.request(`GROUP_CREATE ${group}`);
      armed.done();
      expectHonest(answer, 'grup gagal dibuat');
      if (row.expect === 'ok') expect(answer).toEqual({ status: 'OK', data: 'grup berhasil dibuat' });
      if (row.expect === 'failed') expect(answer.status).toBe('ERROR');
      const s = await expectWhole(group, alice);
      if (answer.status === 'OK') expect(s.member).toBe(true);
      // No group without its creator: it either exists with them, or its name is free to create again.
      if (s.exists) expect(s.member).toBe(true);
      else expect(await alice.client.request(`GROUP_CREATE ${group}`)).toMatchObject({ status: 'OK' });
      expect((await expectWhole(group, alice)).member).toBe(true);
    });
  }
});

describe('GROUP_JOIN and GROUP_LEAVE with a fault', () => {
  let group: string;
  beforeAll(async () => {
    group = uniqueName('grp');
    expect(await alice.client.request(`GROUP_CREATE ${group}`)).toMatchObject({ status: 'OK' });
  });

  const joinRows: GroupRow[] = [
    {
      name: 'the group cannot be read',
      rules: () => [db('GetItem', 'error', isGroupItem)],
      expect: 'failed',
    },
    {
      name: 'the membership cannot be written',
      rules: () => [db('PutItem', 'error', isMembership)],
      expect: 'failed',
    },
    {
      name: 'the membership is written, its answer lost',
      rules: () => [db('PutItem', 'lie', isMembership, once)],
      expect: 'ok',
    },
    {
      name: "the group's count cannot be updated",
      rules: () => [db('UpdateItem', 'error', isGroupItem)],
      expect: 'either',
    },
    {
      name: 'the member item and group connections cannot be written',
      rules: () => [db('BatchWriteItem', 'error', isBatchWrite)],
      expect: 'either',
    },
    {
      name: 'the member item and group connections are throttled once',
      rules: () => [db('BatchWriteItem', 'throttle', isBatchWrite, once)],
      expect: 'ok',
    },
  ];
  const leaveRows: GroupRow[] = [
    {
      name: 'the membership cannot be deleted',
      rules: () => [db('DeleteItem', 'error', isMembership)],
      expect: 'failed',
    },
    {
      name: 'the membership is deleted, its answer lost',
      rules: () => [db('DeleteItem', 'lie', isMembership, once)],
      expect: 'ok',
    },
    {
      name: "the group's count cannot be updated",
      rules: () => [db('UpdateItem', 'error', isGroupItem)],
      expect: 'either',
    },
    {
      name: 'the member item and group connections cannot be deleted',
      rules: () => [db('BatchWriteItem', 'error', isBatchWrite)],
      expect: 'either',
    },
  ];

  /**
   * Runs `request` with the row's faults and checks the answer and the table; after a failure, runs it once more (as a
   * client would) and checks the table is whole then. A leave that failed after the membership went may leave the
   * leaver's group connections behind for that moment (they still get live messages; no member misses any): the next
   * GROUP_LEAVE clears it, answering not_a_member.
   */
  async function run(row: GroupRow, request: string, failure: string, okData: string) {
    const leaving = request.startsWith('GROUP_LEAVE');
    const armed = arm(faults, row.rules());
    const answer = await bob.client.request(request);
    armed.done();
    expectHonest(answer, failure);
    if (row.expect === 'ok') expect(answer).toEqual({ status: 'OK', data: okData });
    if (row.expect === 'failed') expect(answer.status).toBe('ERROR');
    if (!leaving || (await state(group, bob.name)).member) await expectWhole(group, bob);
    if (answer.status !== 'OK') {
      const again = await bob.client.request(request);
      if (leaving && again.status === 'ERROR') expect(again).toMatchObject({ reason: 'not_a_member' });
      else expect(again).toEqual({ status: 'OK', data: okData });
    }
    return expectWhole(group, bob);
  }

  for (const row of joinRows) {
    it(`GROUP_JOIN when ${row.name}: honest, and whole`, async () => {
      expect((await state(group, bob.name)).member).toBe(false);
      expect(
        (await run(row, `GROUP_JOIN ${group}`, 'gagal bergabung ke grup', 'berhasil bergabung ke grup'))
          .member,
      ).toBe(true);
      expect(await bob.client.request(`GROUP_LEAVE ${group}`)).toMatchObject({ status: 'OK' });
    });
  }
  for (const row of leaveRows) {
    it(`GROUP_LEAVE when ${row.name}: honest, and whole`, async () => {
      expect(await bob.client.request(`GROUP_JOIN ${group}`)).toMatchObject({ status: 'OK' });
      expect(
        (await run(row, `GROUP_LEAVE ${group}`, 'gagal keluar dari grup', 'berhasil keluar dari grup'))
          .member,
      ).toBe(false);
    });
  }

  it('GROUP_MEMBERS and GROUPS answer internal_error when their read fails, and OK after one throttle', async () => {
    const reads: Array<[string, string, Rule]> = [
      [
        `GROUP_MEMBERS ${group}`,
        'daftar anggota grup gagal',
        db('Query', 'error', (i) => String(i.ExpressionAttributeValues?.[':pk']).startsWith('GROUP#')),
      ],
      [
        'GROUPS',
        'daftar grup gagal',
        db('Query', 'error', (i) => String(i.ExpressionAttributeValues?.[':pk']).startsWith('USER#')),
      ],
    ];
    for (const [request, failure, rule] of reads) {
      let armed = arm(faults, [rule]);
      expect(await alice.client.request(request)).toEqual({
        status: 'ERROR',
        data: failure,
        reason: 'internal_error',
      });
      armed.done();
      armed = arm(faults, [{ ...rule, fault: 'throttle', when: once }]);
      expect(await alice.client.request(request)).toMatchObject({ status: 'OK' });
      armed.done();
    }
  });
});

describe('REGISTER with a fault', () => {
  const isProfile = (input: Input) => key(input).sk === '#PROFILE';
  const rows: GroupRow[] = [
    {
      name: 'the account cannot be written',
      rules: () => [db('PutItem', 'error', isProfile)],
      expect: 'failed',
    },
    {
      name: 'the account write is throttled once',
      rules: () => [db('PutItem', 'throttle', isProfile, once)],
      expect: 'ok',
    },
    {
      name: 'the account is written, its answer lost',
      rules: () => [db('PutItem', 'lie', isProfile, once)],
      expect: 'ok',
    },
    {
      name: 'the account is written, its answer lost, and it cannot be read back',
      rules: () => [db('PutItem', 'lie', isProfile, once), db('GetItem', 'error', isProfile)],
      expect: 'failed',
    },
  ];
  for (const row of rows) {
    it(`${row.name}: OK only for a created account; never username_taken for a new name`, async () => {
      const name = uniqueName('reg');
      const client = await local.connect();
      const armed = arm(faults, row.rules());
      const answer = await client.request(`REGISTER ${name} ${PASSWORD} ID Reg`);
      armed.done();
      expectHonest(answer, 'registrasi gagal');
      if (row.expect === 'ok') expect(answer).toEqual({ status: 'OK', data: 'registrasi berhasil' });
      if (row.expect === 'failed') expect(answer.status).toBe('ERROR');
      const created = (await table.get(keys.user(name))) !== undefined;
      if (answer.status === 'OK') expect(created).toBe(true);
      // The account works if it exists; if not, the name is still free.
      if (created) expect(await client.request(`AUTH ${name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
      else
        expect(await client.request(`REGISTER ${name} ${PASSWORD} ID Reg`)).toMatchObject({ status: 'OK' });
    });
  }
});
