/**
 * Commands at their edges, through the dispatcher (test/support/dispatcher.ts) with every AWS call recorded
 * (test/support/faults.ts): races met between a command's reads and its writes (a group deleted while joining, an
 * owner changed while handing over, a password changed while deleting the account), half-written memberships,
 * pages cut to one frame (INBOX, HISTORY) or to the page size, the retry of SEND_ID at the edge of a claim's age,
 * and what a command does not do: writes it skips, reads it makes strongly consistent, devices it does not push to.
 */

import { createHash } from 'node:crypto';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { groupKeyOf } from '../../shared/protocol/names.js';
import { ERR, OK, PASSWORD, useDispatcher } from '../support/dispatcher.js';
import { intercept } from '../support/fakes.js';
import { attachFaults, type Input } from '../support/faults.js';
import { seeder } from '../support/seed.js';

const t = await useDispatcher({ BUDGET_SENDS_BURST: '10000' });
const { dynamo } = await import('../../shared/data/client.js');
const { keys } = await import('../../shared/data/keys.js');
const { hasInvite, readGroupMeta } = await import('../../shared/data/groups.js');
const { listWatches } = await import('../../shared/data/presence.js');
const { claimClientId, readClaim } = await import('../../shared/data/send-claims.js');
const { ABANDONED_MS, TAKEOVER_POLLS } = await import('../../shared/commands/outgoing.js');
const { config } = await import('../../shared/config.js');
const { newId } = await import('../../shared/ids.js');
const faults = await attachFaults();
const seed = seeder();

/** Each test runs scrypt a few times (REGISTER, AUTH): slow on a busy machine, not stuck. */
const SLOW = 120_000;
const IP = '10.0.0.1';
const SENT_TEXT = 'pesan terkirim';
const SEND_FAILED = 'pesan tidak terkirim';

type Device = Awaited<ReturnType<typeof t.device>>;

/** A registered user who has not logged in anywhere. */
async function registered(prefix: string): Promise<string> {
  const name = t.fresh(prefix);
  const d = await t.device();
  expect(await d.ask(`REGISTER ${name} ${PASSWORD} ID ${name} Full`)).toEqual(OK('registrasi berhasil'));
  return name;
}

/** Another device of `name`, logged in (its requests at `now`, when given). */
async function login(name: string, now?: number): Promise<Device> {
  const d = await t.device(IP, now);
  expect(await d.ask(`AUTH ${name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
  return d;
}

let hooks = 0;
/** Runs `action` once, just before the first DynamoDB call `match` selects reaches the table. */
function beforeCall(match: (command: string, input: Input) => boolean, action: () => Promise<unknown>) {
  let done = false;
  intercept(dynamo, `edges-before-${++hooks}`, (next, context) => async (args) => {
    if (!done && match(String(context.commandName).replace(/Command$/, ''), args.input)) {
      done = true;
      await action();
    }
    return next(args);
  });
}

const sameKey = (input: Input, key: { pk: string; sk: string }) => {
  const k = input?.Item ?? input?.Key;
  return k?.pk === key.pk && k?.sk === key.sk;
};

/** The recorded calls of one DynamoDB command on one key. */
const callsOn = (command: string, key: { pk: string; sk: string }) =>
  faults.callsOf('dynamodb', command).filter((input) => sameKey(input, key));

const update = (
  key: { pk: string; sk: string },
  expression: string,
  values: Record<string, unknown>,
  names?: Record<string, string>,
) =>
  seed.db.send(
    new UpdateCommand({
      TableName: seed.table,
      Key: key,
      UpdateExpression: expression,
      ExpressionAttributeValues: values,
      ExpressionAttributeNames: names,
    }),
  );
const remove = (key: { pk: string; sk: string }) =>
  seed.db.send(new DeleteCommand({ TableName: seed.table, Key: key }));

describe('GROUP_JOIN', () => {
  it('joining a private group again needs no invitation: a member is answered OK at once', {
    timeout: SLOW,
  }, async () => {
    const owner = await t.user('po');
    const bob = await t.user('pb');
    const g = t.fresh('Priv');
    expect(await owner.ask(`GROUP_CREATE ${g} private`)).toEqual(OK('grup berhasil dibuat'));
    expect(await owner.ask(`GROUP_INVITE ${g} ${bob.name}`)).toEqual(OK('undangan berhasil dikirim'));
    expect(await bob.ask(`GROUP_JOIN ${g}`)).toEqual(OK('berhasil bergabung ke grup'));
    expect(await hasInvite(groupKeyOf(g), bob.key, Date.now())).toBe(false);
    expect(await bob.ask(`GROUP_JOIN ${g}`)).toEqual(OK('berhasil bergabung ke grup'));
    expect(await bob.ask('GROUPS')).toEqual(OK([g]));
  });

  it('joining an open group leaves an invitation to it in place', { timeout: SLOW }, async () => {
    const owner = await t.user('oo');
    const bob = await t.user('ob');
    const g = groupKeyOf(t.fresh('open'));
    expect(await owner.ask(`GROUP_CREATE ${g}`)).toEqual(OK('grup berhasil dibuat'));
    expect(await owner.ask(`GROUP_INVITE ${g} ${bob.name}`)).toEqual(OK('undangan berhasil dikirim'));
    faults.reset();
    expect(await bob.ask(`GROUP_JOIN ${g}`)).toEqual(OK('berhasil bergabung ke grup'));
    expect(callsOn('DeleteItem', keys.groupInvite(g, bob.name))).toEqual([]);
    expect(await hasInvite(g, bob.key, Date.now())).toBe(true);
  });

  it('a group deleted between its read and the membership answers unknown_group and keeps nobody', {
    timeout: SLOW,
  }, async () => {
    const owner = await t.user('go');
    const bob = await t.user('gb');
    const g = t.fresh('gone');
    expect(await owner.ask(`GROUP_CREATE ${g}`)).toEqual(OK('grup berhasil dibuat'));
    beforeCall(
      (command, input) => command === 'PutItem' && sameKey(input, keys.userGroup(bob.name, g)),
      () => update(keys.group(g), 'SET deleting = :yes', { ':yes': true }),
    );
    expect(await bob.ask(`GROUP_JOIN ${g}`)).toEqual(ERR('gagal bergabung ke grup', 'unknown_group'));
    expect(await bob.ask('GROUPS')).toEqual(OK([]));
    expect(await seed.get(keys.userGroup(bob.name, g))).toBeUndefined();
    expect(await seed.get(keys.groupMember(g, bob.name))).toBeUndefined();
    expect((await seed.get(keys.group(g)))?.members).toBe(1);
  });
});

describe('GROUP_LEAVE by a non-member', () => {
  it('clears the group connections a failed leave left behind, and answers not_a_member', {
    timeout: SLOW,
  }, async () => {
    const g = await t.group('lo', 'll');
    const [, left] = g.users;
    if (!left) throw new Error('group');
    // A leave that stopped after the membership went: the member item and the device's group connection are still
    // there.
    await remove(keys.userGroup(left.name, g.name));
    const member = keys.groupMember(g.name, left.name);
    const copy = keys.groupConnection(g.name, left.name, left.id);
    expect(await seed.get(member)).toBeDefined();
    expect(await seed.get(copy)).toBeDefined();
    expect(await left.ask(`GROUP_LEAVE ${g.name}`)).toEqual(ERR('gagal keluar dari grup', 'not_a_member'));
    expect(await seed.get(member)).toBeUndefined();
    expect(await seed.get(copy)).toBeUndefined();
  });

  it('of a group that does not exist deletes nothing', { timeout: SLOW }, async () => {
    const a = await t.user('lu');
    faults.reset();
    expect(await a.ask(`GROUP_LEAVE nogroup${a.name}`)).toEqual(
      ERR('gagal keluar dari grup', 'unknown_group'),
    );
    expect(faults.callsOf('dynamodb', 'DeleteItem')).toEqual([]);
    expect(faults.callsOf('dynamodb', 'UpdateItem')).toEqual([]);
  });
});

describe('GROUP_CREATE', () => {
  it('of a name taken answers group_exists and takes nothing back', { timeout: SLOW }, async () => {
    const g = await t.group('co');
    const other = await t.user('cb');
    faults.reset();
    expect(await other.ask(`GROUP_CREATE ${g.name}`)).toEqual(ERR('grup gagal dibuat', 'group_exists'));
    expect(callsOn('DeleteItem', keys.group(g.name))).toEqual([]);
    expect(await readGroupMeta(g.key)).toMatchObject({ name: g.name, members: 1 });
  });
});

describe('GROUP_OWNER', () => {
  const HANDED = OK('pemilik grup berhasil diganti');
  const FAILED = 'gagal mengganti pemilik grup';

  it('to yourself, in any case, changes nothing and writes nothing', { timeout: SLOW }, async () => {
    const g = await t.group('Os', 'om');
    const [owner, member] = g.users;
    if (!owner || !member) throw new Error('group');
    faults.reset();
    expect(await owner.ask(`GROUP_OWNER ${g.name} ${owner.name.toUpperCase()}`)).toEqual(HANDED);
    expect(faults.callsOf('dynamodb', 'UpdateItem')).toEqual([]);
    // The whole list in key order (om… before Os…), no `next`: there is no other page.
    expect(await owner.ask(`GROUP_MEMBERS ${g.name}`)).toEqual(
      OK([member.name, owner.name], { owner: owner.name }),
    );
  });

  it("reads the new owner's membership strongly", { timeout: SLOW }, async () => {
    const g = await t.group('oc', 'od');
    const [owner, next] = g.users;
    if (!owner || !next) throw new Error('group');
    faults.reset();
    expect(await owner.ask(`GROUP_OWNER ${g.name} ${next.name}`)).toEqual(HANDED);
    const reads = callsOn('GetItem', keys.userGroup(next.name, g.name));
    // Read here, then again by the owner rule (shared/groups/owner.ts): both strongly.
    const strong = expect.objectContaining({ ConsistentRead: true });
    expect(reads).toEqual([strong, strong]);
    expect((await readGroupMeta(g.key))?.ownerName).toBe(next.name);
  });

  it('to a non-member, or a member half-gone on either side, is not_a_member and keeps the owner', {
    timeout: SLOW,
  }, async () => {
    const g = await t.group('oh', 'oi', 'oj');
    const [owner, noMembership, noMemberItem] = g.users;
    if (!owner || !noMembership || !noMemberItem) throw new Error('group');
    const outsider = await registered('ok');
    await remove(keys.userGroup(noMembership.name, g.name));
    await remove(keys.groupMember(g.name, noMemberItem.name));
    for (const user of [outsider, noMembership.name, noMemberItem.name])
      expect(await owner.ask(`GROUP_OWNER ${g.name} ${user}`), user).toEqual(ERR(FAILED, 'not_a_member'));
    expect((await readGroupMeta(g.key))?.ownerName).toBe(owner.name);
  });

  it('answers not_owner when the group changed hands between the check and the hand-over', {
    timeout: SLOW,
  }, async () => {
    const g = await t.group('oa', 'ob', 'oe');
    const [owner, next, third] = g.users;
    if (!owner || !next || !third) throw new Error('group');
    beforeCall(
      (command, input) =>
        command === 'UpdateItem' &&
        sameKey(input, keys.group(g.name)) &&
        String(input.UpdateExpression).startsWith('SET #owner'),
      () => update(keys.group(g.name), 'SET #o = :o', { ':o': third.name }, { '#o': 'owner' }),
    );
    expect(await owner.ask(`GROUP_OWNER ${g.name} ${next.name}`)).toEqual(ERR(FAILED, 'not_owner'));
    expect((await readGroupMeta(g.key))?.ownerName).toBe(third.name);
  });
});

describe('GROUPS', () => {
  it('sorts the names as spelled, capitals first, not in key order', { timeout: SLOW }, async () => {
    const a = await t.user('gs');
    const upper = t.fresh('Zq');
    const lower = t.fresh('aq');
    expect(await a.ask(`GROUP_CREATE ${lower}`)).toEqual(OK('grup berhasil dibuat'));
    expect(await a.ask(`GROUP_CREATE ${upper}`)).toEqual(OK('grup berhasil dibuat'));
    expect(await a.ask('GROUPS')).toEqual(OK([upper, lower]));
  });
});

describe('DELETE_ACCOUNT', () => {
  it('answers invalid_credentials when the password changed between its check and the deletion', {
    timeout: SLOW,
  }, async () => {
    const a = await t.user('da');
    beforeCall(
      (command, input) =>
        command === 'UpdateItem' &&
        sameKey(input, keys.user(a.name)) &&
        String(input.UpdateExpression).startsWith('SET deleted'),
      () => update(keys.user(a.name), 'SET passwordHash = :h', { ':h': 'changed-meanwhile' }),
    );
    expect(await a.ask(`DELETE_ACCOUNT ${PASSWORD}`)).toEqual(ERR('hapus akun gagal', 'invalid_credentials'));
    const profile = await seed.get(keys.user(a.name));
    expect(profile?.deleted).toBeUndefined();
    expect(profile?.passwordHash).toBe('changed-meanwhile');
  });
});

describe('INBOX and HISTORY pages', () => {
  it('INBOX skips a message deleted while it waited', { timeout: SLOW }, async () => {
    const alice = await t.user('ia');
    const bob = await registered('ib');
    const first = (await alice.ask(`SEND ${bob} satu`)) as { id: string };
    const second = (await alice.ask(`SEND ${bob} dua`)) as { id: string };
    expect(await alice.ask(`DELETE ${first.id}`)).toEqual(OK('pesan dihapus'));
    const b = await login(bob);
    expect(await b.ask('INBOX')).toEqual(
      OK([
        {
          event: 'MESSAGE',
          id: second.id,
          from: alice.name,
          to: bob,
          message: 'dua',
          sentAt: expect.any(String),
        },
      ]),
    );
  });

  it('INBOX says more when over 100 wait', { timeout: SLOW }, async () => {
    const alice = await t.user('ic');
    const bob = await registered('id');
    const ids: string[] = [];
    for (let i = 0; i < 101; i++) ids.push(((await alice.ask(`SEND ${bob} m${i}`)) as { id: string }).id);
    const b = await login(bob);
    const answer = await b.ask('INBOX');
    expect(answer).toEqual(OK(expect.any(Array), { more: true }));
    expect(answer.data.map((e: { id: string }) => e.id)).toEqual(ids.slice(0, 100));
  });

  it('long messages: INBOX and HISTORY cut their page to one frame and say there is more', {
    timeout: SLOW,
  }, async () => {
    const alice = await t.user('ha');
    const bob = await registered('hb');
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const text = `${String(i).padStart(2, '0')}${'x'.repeat(3998)}`;
      ids.push(((await alice.ask(`SEND ${bob} ${text}`)) as { id: string }).id);
    }
    const b = await login(bob);
    const inbox = await b.ask('INBOX');
    expect(inbox).toEqual(OK(expect.any(Array), { more: true }));
    const shownInbox = inbox.data.map((e: { id: string }) => e.id);
    expect(shownInbox.length).toBeGreaterThan(20);
    expect(shownInbox.length).toBeLessThan(40);
    expect(shownInbox).toEqual(ids.slice(0, shownInbox.length));

    const history = await b.ask(`HISTORY ${alice.name}`);
    const newestFirst = [...ids].reverse();
    const shown = history.data.map((e: { id: string }) => e.id);
    expect(shown.length).toBeGreaterThan(20);
    expect(shown.length).toBeLessThan(40);
    expect(shown).toEqual(newestFirst.slice(0, shown.length));
    expect(history).toEqual(OK(expect.any(Array), { next: shown.at(-1) }));
  });
});

describe('SEND_ID and SEND_GROUP_ID', () => {
  it('SEND_ID names a user: a name only a group may have is bad_request', { timeout: SLOW }, async () => {
    const a = await t.user('sa');
    for (const name of ['ab', 'x'.repeat(33)])
      expect(await a.ask(`SEND_ID client-001 ${name} halo`), name).toEqual(ERR(SEND_FAILED, 'bad_request'));
  });

  it('one client id for the same text to two groups is client_id_reused', { timeout: SLOW }, async () => {
    const g = await t.group('sg');
    const [a] = g.users;
    if (!a) throw new Error('group');
    const other = t.fresh('sgo');
    expect(await a.ask(`GROUP_CREATE ${other}`)).toEqual(OK('grup berhasil dibuat'));
    expect(await a.ask(`SEND_GROUP_ID same-0001 ${g.name} halo`)).toEqual(
      OK(SENT_TEXT, { id: expect.any(String) }),
    );
    expect(await a.ask(`SEND_GROUP_ID same-0001 ${other} halo`)).toEqual(
      ERR(SEND_FAILED, 'client_id_reused'),
    );
  });

  it('a retry waits for an unfinished claim up to 15 s old, polling for 2 s; an older one is taken over at once', {
    timeout: SLOW,
  }, async () => {
    // The default's behaviour (this file leaves SEND_ID_WAIT_MS unset; the others whose subject is not the wait lower it).
    expect(ABANDONED_MS).toBe(15_000);
    expect(config.sendIdWaitMs).toBe(2000);
    expect(TAKEOVER_POLLS).toBe(20);
    const alice = await t.user('wa');
    const bob = await t.user('wb');
    const fingerprint = createHash('sha256').update(`user:${bob.name}\ntunggu`).digest('hex');
    for (const [age, polls] of [
      [ABANDONED_MS, 21],
      [ABANDONED_MS + 1, 1],
    ] as const) {
      const now = Date.now();
      const at = now - age;
      const clientId = `age-${age}`;
      const claimed = newId(at);
      await claimClientId(alice.key, clientId, { id: claimed, at, fingerprint }, now);
      const d = await login(alice.name, now);
      faults.reset();
      expect(await d.ask(`SEND_ID ${clientId} ${bob.name} tunggu`)).toEqual(
        OK(SENT_TEXT, { id: claimed, delivered: true }),
      );
      const reads = callsOn('GetItem', keys.sendClaim(alice.name, clientId));
      expect(reads, `age ${age}`).toHaveLength(polls);
      expect((await readClaim(alice.key, clientId, Date.now()))?.done).toBe(true);
    }
  });
});

describe('STATUS', () => {
  it('of yourself reads none of your groups', { timeout: SLOW }, async () => {
    const g = await t.group('ss');
    const [a] = g.users;
    if (!a) throw new Error('group');
    faults.reset();
    expect(await a.ask(`STATUS ${a.name}`)).toEqual(OK({ user: a.name, online: true, lastSeen: null }));
    const queries = faults.callsOf('dynamodb', 'Query');
    expect(queries.filter((q) => JSON.stringify(q).includes('GROUP#'))).toEqual([]);
  });

  it('of a conversation partner who deleted the account is not_allowed', { timeout: SLOW }, async () => {
    const a = await t.user('sd');
    const b = await t.user('se');
    expect((await a.ask(`SEND ${b.name} halo`)).status).toBe('OK');
    expect((await a.ask(`STATUS ${b.name}`)).status).toBe('OK');
    expect(await b.ask(`DELETE_ACCOUNT ${PASSWORD}`)).toEqual(OK('hapus akun berhasil'));
    expect(await a.ask(`STATUS ${b.name}`)).toEqual(ERR('status pengguna gagal', 'not_allowed'));
  });
});

describe('TYPING', () => {
  it('to yourself reaches your other devices, not the one typing', { timeout: SLOW }, async () => {
    const a = await t.user('ta');
    const a2 = await login(a.name);
    expect(await a.ask(`TYPING ${a.name}`)).toEqual(OK('status mengetik terkirim'));
    await t.runJobs();
    expect(a2.pushes('TYPING')).toEqual([
      { event: 'TYPING', id: expect.any(String), from: a.name, to: a.name },
    ]);
    expect(a.pushes('TYPING')).toEqual([]);
  });

  it('TYPING_GROUP to over 100 online connections leaves the rest to a signal job', {
    timeout: SLOW,
  }, async () => {
    const g = await t.group('tg');
    const [a] = g.users;
    if (!a) throw new Error('group');
    const later = Math.floor(Date.now() / 1000) + 3600;
    await seed.put(
      Array.from({ length: 101 }, (_, i) => {
        const user = `${g.name}m${String(i).padStart(3, '0')}`;
        return {
          ...keys.groupConnection(g.name, user, `${user}c`),
          user,
          connectionId: `${user}c`,
          expiresAt: later,
        };
      }),
    );
    t.jobs.splice(0);
    expect(await a.ask(`TYPING_GROUP ${g.name}`)).toEqual(OK('status mengetik terkirim'));
    expect(t.jobs).toEqual([
      {
        kind: 'signal',
        to: 'group',
        key: g.name,
        skip: a.name,
        after: expect.any(String),
        event: { event: 'TYPING', id: expect.any(String), from: a.name, group: g.name },
      },
    ]);
    t.jobs.splice(0);
  });
});

describe('WATCH', () => {
  it('takes names apart at any run of spaces, and reads the connection again strongly', {
    timeout: SLOW,
  }, async () => {
    const g = await t.group('wx', 'wy', 'wz');
    const [w, x, y] = g.users;
    if (!w || !x || !y) throw new Error('group');
    faults.reset();
    expect(await w.ask(`WATCH ${x.name}   ${y.name}`)).toEqual(OK('pantau berhasil'));
    expect((await listWatches(w.id)).sort()).toEqual([x.name, y.name].sort());
    const reads = callsOn('GetItem', keys.connection(w.id));
    expect(reads.at(-1)).toMatchObject({ ConsistentRead: true });
  });
});
