/**
 * Faults in every AWS call of BLOCK, UNBLOCK, BLOCKED, GROUP_UNINVITE, of WATCH's watcher counter, and in the block
 * reads of EDIT, DELETE and WHO (issue 22). Each
 * row arms one fault and checks: the answer is honest (OK, or the command's failure with `internal_error`), and the
 * table holds no state that breaks a bound — a counter is never below the items it counts (so the bound holds), a
 * block exists exactly when BLOCK answered OK (when it answered), and a blocked sender never reaches the blocker.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../shared/data/keys.js';
import { PASSWORD, type User, uniqueName } from '../support/endpoint.js';
import { arm, expectHonest, pairInGroup } from '../support/fault-checks.js';
import { db, type Faults, type Input, once, pkStarts, type Rule, skStarts } from '../support/faults.js';
import { useLocalRuntime } from '../support/runtime.js';
import { type Seeder, seeder } from '../support/seed.js';

const local = useLocalRuntime({ env: { BUDGET_WATCH_BURST: '10000', BUDGET_SENDS_BURST: '10000' } });
let faults: Faults;
let alice: User;
let bob: User;
let group: string;
let table: Seeder;

beforeAll(async () => {
  ({ faults, alice, bob, group } = await pairInGroup(local));
  table = seeder();
});

const isBlockCount = (input: Input) => pkStarts('BLOCKS#')(input) && skStarts('#COUNT')(input);
const isBlockPair = (input: Input) => pkStarts('BLOCKS#')(input) && skStarts('USER#')(input);
/** A BatchGetItem that reads a block pair among its keys. */
const readsBlockPair = (input: Input) =>
  Object.values((input?.RequestItems ?? {}) as Record<string, { Keys?: { pk?: unknown }[] }>).some(
    (request) => (request.Keys ?? []).some((key) => String(key.pk ?? '').startsWith('BLOCKS#')),
  );
const isWatcherCount = (input: Input) => pkStarts('WATCHERS#')(input) && skStarts('#COUNT')(input);
const isWatcherItem = (input: Input) => pkStarts('WATCHERS#')(input) && skStarts('CONN#')(input);

/** Every item of a partition, read strongly. */
async function partition(pk: string): Promise<Record<string, unknown>[]> {
  const { Items } = await table.db.send(
    new QueryCommand({
      TableName: table.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

/** A user nobody has touched yet, registered (not logged in). */
async function fresh(prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  const c = await local.connect();
  expect(await c.request(`REGISTER ${name} ${PASSWORD} ID ${prefix} tester`)).toMatchObject({ status: 'OK' });
  await c.close();
  return name;
}

/** The blocker's counter and block items: the counter is never below the items. */
async function blockState(blocker: string) {
  const count = Number((await table.get(keys.blockCount(blocker.toLowerCase())))?.blocks ?? 0);
  const items = (await partition(keys.block(blocker.toLowerCase(), '').pk)).filter((item) =>
    String(item.sk).startsWith('USER#'),
  ).length;
  expect(count).toBeGreaterThanOrEqual(items);
  return { count, items };
}

type Row = { name: string; rules: () => Rule[]; expect: 'ok' | 'failed' | 'either' };

describe('BLOCK with a fault', () => {
  const rows: Row[] = [
    {
      name: 'the counter cannot be moved',
      rules: () => [db('UpdateItem', 'error', isBlockCount, 'every')],
      expect: 'failed',
    },
    {
      name: 'the counter is throttled once',
      rules: () => [db('UpdateItem', 'throttle', isBlockCount, once)],
      expect: 'ok',
    },
    {
      name: 'the counter moves, its answer lost (a retry)',
      rules: () => [db('UpdateItem', 'lie', isBlockCount, once)],
      expect: 'ok',
    },
    {
      name: 'the block cannot be written',
      rules: () => [db('PutItem', 'error', isBlockPair, 'every')],
      expect: 'failed',
    },
    {
      name: 'the block is written, its answer lost (a retry)',
      rules: () => [db('PutItem', 'lie', isBlockPair, once)],
      expect: 'ok',
    },
  ];
  for (const row of rows) {
    it(`${row.name}: the answer is honest, and the counter covers the blocks`, async () => {
      const blocker = await local.user('blocker');
      const target = await fresh('target');
      const armed = arm(faults, row.rules());
      const answer = await blocker.client.request(`BLOCK ${target}`);
      armed.done();
      expectHonest(answer, 'blokir gagal');
      if (row.expect === 'ok') expect(answer).toEqual({ status: 'OK', data: 'pengguna diblokir' });
      if (row.expect === 'failed') expect(answer.status).toBe('ERROR');
      const state = await blockState(blocker.name);
      if (answer.status === 'OK') expect(state).toEqual({ count: 1, items: 1 });
      else expect(state.items).toBe(0);
      // Whatever happened, BLOCK again settles it, with the count exact.
      expect(await blocker.client.request(`BLOCK ${target}`)).toMatchObject({ status: 'OK' });
      expect((await blockState(blocker.name)).items).toBe(1);
    });
  }
});

describe('UNBLOCK and BLOCKED with a fault', () => {
  const rows: (Row & { command: 'UNBLOCK' | 'BLOCKED' })[] = [
    {
      command: 'UNBLOCK',
      name: 'the block cannot be deleted',
      rules: () => [db('DeleteItem', 'error', isBlockPair, 'every')],
      expect: 'failed',
    },
    {
      command: 'UNBLOCK',
      name: 'the block is deleted, its answer lost (a retry)',
      rules: () => [db('DeleteItem', 'lie', isBlockPair, once)],
      expect: 'ok',
    },
    {
      command: 'UNBLOCK',
      name: 'the slot cannot be given back',
      rules: () => [db('UpdateItem', 'error', isBlockCount, 'every')],
      expect: 'failed',
    },
    {
      command: 'BLOCKED',
      name: 'the blocks cannot be listed',
      rules: () => [db('Query', 'error', pkStarts('BLOCKS#'), 'every')],
      expect: 'failed',
    },
  ];
  for (const row of rows) {
    it(`${row.command}: ${row.name}: the answer is honest, and the counter covers the blocks`, async () => {
      const blocker = await local.user('blocker');
      const target = await fresh('target');
      expect(await blocker.client.request(`BLOCK ${target}`)).toMatchObject({ status: 'OK' });
      const armed = arm(faults, row.rules());
      const answer = await blocker.client.request(
        row.command === 'UNBLOCK' ? `UNBLOCK ${target}` : 'BLOCKED',
      );
      armed.done();
      expectHonest(answer, row.command === 'UNBLOCK' ? 'buka blokir gagal' : 'daftar blokir gagal');
      if (row.expect === 'ok') expect(answer.status).toBe('OK');
      if (row.expect === 'failed') expect(answer.status).toBe('ERROR');
      const state = await blockState(blocker.name);
      if (row.command === 'UNBLOCK' && answer.status === 'OK') expect(state.items).toBe(0);
      if (row.command === 'BLOCKED') expect(state).toEqual({ count: 1, items: 1 });
    });
  }
});

describe('a blocked SEND with a fault', () => {
  it('the block cannot be read: the send fails, and nothing reaches the blocker', async () => {
    const blocker = await local.user('blocker');
    const pest = await local.user('pest');
    expect(await blocker.client.request(`BLOCK ${pest.name}`)).toMatchObject({ status: 'OK' });
    // SEND reads the block in one BatchGetItem with the conversation heads (issue 23).
    const armed = arm(faults, [db('BatchGetItem', 'error', readsBlockPair, 'every')]);
    const answer = await pest.client.request(`SEND ${blocker.name} let me in`);
    armed.done();
    expectHonest(answer, 'pesan tidak terkirim');
    expect(answer.status).toBe('ERROR');
    expect(await pest.client.request(`SEND ${blocker.name} again`)).toMatchObject({
      reason: 'unknown_recipient',
    });
    const later = await bob.client.request(`SEND ${blocker.name} after`);
    await blocker.client.nextPush((p) => p.event === 'MESSAGE' && p.id === later.id);
    expect(blocker.client.pushes.filter((p) => p.from === pest.name)).toEqual([]);
  });
});

describe('EDIT, DELETE and WHO of a blocked pair with a fault', () => {
  it('EDIT cannot read the block: it fails and changes nothing; once readable it is refused', async () => {
    const blocker = await local.user('blocker');
    const pest = await local.user('pest');
    const sent = await pest.client.request(`SEND ${blocker.name} earlier`);
    await blocker.client.nextPush((p) => p.event === 'MESSAGE' && p.id === sent.id);
    expect(await blocker.client.request(`BLOCK ${pest.name}`)).toMatchObject({ status: 'OK' });
    const armed = arm(faults, [db('GetItem', 'error', isBlockPair, 'every')]);
    const answer = await pest.client.request(`EDIT ${sent.id} changed`);
    armed.done();
    expectHonest(answer, 'pesan tidak diubah');
    expect(answer.status).toBe('ERROR');
    expect(await pest.client.request(`EDIT ${sent.id} changed`)).toMatchObject({
      reason: 'unknown_recipient',
    });
    const history = await blocker.client.request(`HISTORY ${pest.name}`);
    expect((history.data as Record<string, unknown>[]).find((m) => m.id === sent.id)).toMatchObject({
      message: 'earlier',
    });
  });

  it('DELETE cannot read the block: it fails, and the DELETE again finishes it without a push to the blocker', async () => {
    const blocker = await local.user('blocker');
    const pest = await local.user('pest');
    const sent = await pest.client.request(`SEND ${blocker.name} doomed`);
    await blocker.client.nextPush((p) => p.event === 'MESSAGE' && p.id === sent.id);
    expect(await blocker.client.request(`BLOCK ${pest.name}`)).toMatchObject({ status: 'OK' });
    const armed = arm(faults, [db('GetItem', 'error', isBlockPair, 'every')]);
    const answer = await pest.client.request(`DELETE ${sent.id}`);
    armed.done();
    expectHonest(answer, 'pesan tidak dihapus');
    expect(answer.status).toBe('ERROR');
    expect(await pest.client.request(`DELETE ${sent.id}`)).toEqual({ status: 'OK', data: 'pesan dihapus' });
    const later = await bob.client.request(`SEND ${blocker.name} after`);
    await blocker.client.nextPush((p) => p.event === 'MESSAGE' && p.id === later.id);
    expect(blocker.client.pushes.filter((p) => p.event === 'MESSAGE_DELETED')).toEqual([]);
  });

  it('WHO cannot read the blocks: it fails rather than show the blocked pair to each other', async () => {
    const blocker = await local.user('blocker');
    const pest = await local.user('pest');
    const g = uniqueName('who');
    expect(await blocker.client.request(`GROUP_CREATE ${g}`)).toMatchObject({ status: 'OK' });
    expect(await pest.client.request(`GROUP_JOIN ${g}`)).toMatchObject({ status: 'OK' });
    expect(await blocker.client.request(`BLOCK ${pest.name}`)).toMatchObject({ status: 'OK' });
    const armed = arm(faults, [
      db('BatchGetItem', 'error', (i) => JSON.stringify(i).includes('BLOCKS#'), 'every'),
    ]);
    const answer = await pest.client.request(`WHO ${g}`);
    armed.done();
    expectHonest(answer, 'daftar pengguna online gagal');
    expect(answer.status).toBe('ERROR');
    expect(await pest.client.request(`WHO ${g}`)).toEqual({ status: 'OK', data: [pest.name] });
  });
});

describe('GROUP_UNINVITE with a fault', () => {
  const rows: Row[] = [
    {
      name: 'the invitation cannot be deleted',
      rules: () => [db('DeleteItem', 'error', skStarts('INVITE#'), 'every')],
      expect: 'failed',
    },
    // The retry finds no invitation: `not_invited`, which is true by then.
    {
      name: 'the invitation is deleted, its answer lost (a retry)',
      rules: () => [db('DeleteItem', 'lie', skStarts('INVITE#'), once)],
      expect: 'either',
    },
    {
      name: 'the group cannot be read',
      rules: () => [db('GetItem', 'error', skStarts('META'), 'every')],
      expect: 'failed',
    },
  ];
  for (const row of rows) {
    it(`${row.name}: the answer is honest, and the invitation is gone exactly when it says so`, async () => {
      const invitee = await local.user('invitee');
      expect(await alice.client.request(`GROUP_INVITE ${group} ${invitee.name}`)).toMatchObject({
        status: 'OK',
      });
      const armed = arm(faults, row.rules());
      const answer = await alice.client.request(`GROUP_UNINVITE ${group} ${invitee.name}`);
      armed.done();
      expectHonest(answer, 'undangan gagal dibatalkan', ['internal_error', 'not_invited']);
      if (row.expect === 'ok') expect(answer.status).toBe('OK');
      if (row.expect === 'failed') expect(answer.status).toBe('ERROR');
      const still = await table.get(keys.groupInvite(group.toLowerCase(), invitee.name.toLowerCase()));
      if (answer.status === 'OK' || answer.reason === 'not_invited') expect(still).toBeUndefined();
      else expect(still).toBeDefined();
    });
  }
});

describe("WATCH's watcher counter with a fault", () => {
  const rows: Row[] = [
    {
      name: 'the counter cannot be moved',
      rules: () => [db('UpdateItem', 'error', isWatcherCount, 'every')],
      expect: 'failed',
    },
    {
      name: 'the counter moves, its answer lost (a retry)',
      rules: () => [db('UpdateItem', 'lie', isWatcherCount, once)],
      expect: 'ok',
    },
    {
      name: 'the watcher item cannot be written',
      rules: () => [db('PutItem', 'error', isWatcherItem, 'every')],
      expect: 'failed',
    },
    {
      name: 'the watcher item is written, its answer lost (a retry)',
      rules: () => [db('PutItem', 'lie', isWatcherItem, once)],
      expect: 'ok',
    },
  ];
  for (const row of rows) {
    it(`${row.name}: the answer is honest, and the counter covers the watchers`, async () => {
      const watched = await local.user('watched');
      const watcher = await local.user('watcher');
      expect(await watched.client.request(`GROUP_JOIN ${group}`)).toMatchObject({ status: 'OK' });
      expect(await watcher.client.request(`GROUP_JOIN ${group}`)).toMatchObject({ status: 'OK' });
      const armed = arm(faults, row.rules());
      const answer = await watcher.client.request(`WATCH ${watched.name}`);
      armed.done();
      expectHonest(answer, 'pantau gagal');
      if (row.expect === 'ok') expect(answer).toEqual({ status: 'OK', data: 'pantau berhasil' });
      if (row.expect === 'failed') expect(answer.status).toBe('ERROR');
      const key = watched.name.toLowerCase();
      const count = Number((await table.get(keys.watcherCount(key)))?.watchers ?? 0);
      const items = (await partition(keys.watcher(key, '').pk)).filter((item) =>
        String(item.sk).startsWith('CONN#'),
      ).length;
      expect(count).toBeGreaterThanOrEqual(items);
      expect(items).toBe(answer.status === 'OK' ? 1 : 0);
      if (answer.status === 'OK') expect(count).toBe(1);
    });
  }
});

describe('TYPING with a fault (its push is the worker’s since issue 22)', () => {
  const sqs = (fault: 'error' | 'throttle', when: Rule['when']): Rule => ({
    service: 'sqs',
    command: 'SendMessage',
    fault,
    when,
  });
  const rows: Row[] = [
    { name: 'the job cannot be enqueued', rules: () => [sqs('error', 'every')], expect: 'failed' },
    { name: 'the enqueue is throttled once', rules: () => [sqs('throttle', once)], expect: 'ok' },
    {
      name: "the recipient's profile cannot be read",
      rules: () => [db('GetItem', 'error', skStarts('#PROFILE'), 'every')],
      expect: 'failed',
    },
    {
      name: 'the block cannot be read',
      rules: () => [db('GetItem', 'error', isBlockPair, 'every')],
      expect: 'failed',
    },
  ];
  for (const row of rows) {
    it(`${row.name}: the answer is honest, and an OK one reaches the recipient`, async () => {
      const typist = await local.user('typist');
      const target = await local.user('target');
      const armed = arm(faults, row.rules());
      const answer = await typist.client.request(`TYPING ${target.name}`);
      armed.done();
      expectHonest(answer, 'status mengetik gagal');
      if (row.expect === 'ok') expect(answer).toEqual({ status: 'OK', data: 'status mengetik terkirim' });
      if (row.expect === 'failed') expect(answer.status).toBe('ERROR');
      if (answer.status === 'OK')
        expect(await target.client.nextPush((p) => p.event === 'TYPING')).toMatchObject({
          from: typist.name,
        });
    });
  }
});
