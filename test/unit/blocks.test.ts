/**
 * BLOCK / UNBLOCK / BLOCKED and GROUP_UNINVITE through the dispatcher, against dynalite: a blocked user's private
 * commands answer exactly what they answer for a name nobody has, presence is hidden both ways (STATUS, WATCH, WHO,
 * and running watches at the next change), EDIT of an earlier message is refused and DELETE not pushed to the blocker
 * (also when they race a BLOCK), BLOCK of a name nobody has answers as of a registered one, groups are not blocked, the bound on blocks and on watchers of one user hold
 * under concurrent requests (fast-check over interleavings), and the join/leave budget.
 */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERR, OK, PASSWORD, useDispatcher } from '../support/dispatcher.js';

const t = await useDispatcher({ BUDGET_WATCH_BURST: '10000', BUDGET_MEMBERSHIP_BURST: '10000' });
const { db, TABLE } = await import('../../shared/data/client.js');
const { keys } = await import('../../shared/data/keys.js');
const { queryAll } = await import('../../shared/data/table.js');
const { MAX_BLOCKS } = await import('../../shared/data/blocks.js');
const { MAX_WATCHERS, watchersPage } = await import('../../shared/data/presence.js');

const SLOW = 120_000;

/** Another device of `name`, logged in. */
async function login(name: string) {
  const d = await t.device();
  expect(await d.ask(`AUTH ${name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
  return d;
}

async function registered(prefix: string) {
  const name = t.fresh(prefix);
  expect(await (await t.device()).ask(`REGISTER ${name} ${PASSWORD} ID ${name} Full`)).toEqual(
    OK('registrasi berhasil'),
  );
  return name;
}

const counter = async (key: { pk: string; sk: string }, attribute: string) => {
  const items = await queryAll(key.pk, { beginsWith: key.sk, consistent: true });
  return Number(items[0]?.[attribute] ?? 0);
};

describe('BLOCK / UNBLOCK / BLOCKED', () => {
  it('needs a login and one valid name; lists the blocked as written; is idempotent', {
    timeout: SLOW,
  }, async () => {
    const d = await t.device();
    expect(await d.ask('BLOCK someone')).toEqual(ERR('blokir gagal', 'not_authenticated'));
    expect(await d.ask('UNBLOCK someone')).toEqual(ERR('buka blokir gagal', 'not_authenticated'));
    expect(await d.ask('BLOCKED')).toEqual(ERR('daftar blokir gagal', 'not_authenticated'));
    const a = await t.user('ba');
    const mixed = await registered('Bm');
    for (const bad of ['BLOCK', 'BLOCK a!b', `BLOCK ${mixed} x`])
      expect(await a.ask(bad), bad).toEqual(ERR('blokir gagal', 'bad_request'));
    expect(await a.ask('BLOCKED x')).toEqual(ERR('daftar blokir gagal', 'bad_request'));
    expect(await a.ask(`BLOCK ${a.name}`)).toEqual(ERR('blokir gagal', 'bad_request'));
    expect(await a.ask('BLOCKED')).toEqual(OK([]));
    expect(await a.ask(`BLOCK ${mixed.toLowerCase()}`)).toEqual(OK('pengguna diblokir'));
    expect(await a.ask(`BLOCK ${mixed.toUpperCase()}`)).toEqual(OK('pengguna diblokir'));
    // As the BLOCK that made it wrote the name (not as registered: that would tell whether the name exists).
    expect(await a.ask('BLOCKED')).toEqual(OK([mixed.toLowerCase()]));
    expect(await counter(keys.blockCount(a.name), 'blocks')).toBe(1);
    expect(await a.ask(`UNBLOCK ${mixed}`)).toEqual(OK('blokir dibuka'));
    expect(await a.ask(`UNBLOCK ${mixed}`)).toEqual(OK('blokir dibuka'));
    expect(await a.ask(`UNBLOCK nosuchuser${a.name}`)).toEqual(OK('blokir dibuka'));
    expect(await a.ask('BLOCKED')).toEqual(OK([]));
    expect(await counter(keys.blockCount(a.name), 'blocks')).toBe(0);
  });

  it('answers a blocked user’s private commands exactly as for a name nobody has', {
    timeout: SLOW,
  }, async () => {
    const victim = await t.user('bv');
    const blocked = await t.user('bb');
    const ghost = `ghost${victim.name}`;
    // Before the block: a message both ways, so READ and STATUS have something to work with.
    const sent = await victim.ask(`SEND ${blocked.name} hi`);
    expect(sent.status).toBe('OK');
    expect((await blocked.ask(`SEND ${victim.name} hello`)).status).toBe('OK');
    expect((await blocked.ask(`STATUS ${victim.name}`)).status).toBe('OK');
    const group = t.fresh('bg');
    expect(await blocked.ask(`GROUP_CREATE ${group} private`)).toEqual(OK('grup berhasil dibuat'));

    expect(await victim.ask(`BLOCK ${blocked.name}`)).toEqual(OK('pengguna diblokir'));
    await t.runJobs();
    const before = victim.pushes().length;
    const same = async (frame: (name: string) => string) => {
      const toGhost = await blocked.ask(frame(ghost));
      expect(toGhost.status, frame(ghost)).toBe('ERROR');
      expect(await blocked.ask(frame(victim.name)), frame(victim.name)).toEqual(toGhost);
    };
    await same((n) => `SEND ${n} again`);
    await same((n) => `SEND_ID client-${t.fresh('c')} ${n} again`);
    await same((n) => `SEND_FILE ${n} a.txt aGk=`);
    await same((n) => `SEND_FILE ${n} a.txt`);
    await same((n) => `TYPING ${n}`);
    await same((n) => `READ ${n} ${sent.id}`);
    await same((n) => `GROUP_INVITE ${group} ${n}`);
    await same((n) => `STATUS ${n}`);
    await same((n) => `WATCH ${n}`);
    await t.runJobs();
    expect(victim.pushes().length).toBe(before);
    expect(await victim.ask('INBOX')).toEqual(OK([]));

    // The other way round, only presence is hidden: the victim still reaches the one they blocked.
    expect(await victim.ask(`STATUS ${blocked.name}`)).toEqual(ERR('status pengguna gagal', 'not_allowed'));
    expect(await victim.ask(`WATCH ${blocked.name}`)).toEqual(ERR('pantau gagal', 'not_allowed'));
    expect((await victim.ask(`SEND ${blocked.name} still me`)).status).toBe('OK');

    // UNBLOCK: all as before.
    expect(await victim.ask(`UNBLOCK ${blocked.name}`)).toEqual(OK('blokir dibuka'));
    expect((await blocked.ask(`SEND ${victim.name} back`)).status).toBe('OK');
    expect((await blocked.ask(`STATUS ${victim.name}`)).status).toBe('OK');
  });

  it('does not block groups: messages in a shared group go on', { timeout: SLOW }, async () => {
    const g = await t.group('gv', 'gb');
    const [victim, blocked] = g.users;
    if (!victim || !blocked) throw new Error('group');
    expect(await victim.ask(`BLOCK ${blocked.name}`)).toEqual(OK('pengguna diblokir'));
    expect((await blocked.ask(`SEND_GROUP ${g.name} hi all`)).status).toBe('OK');
    await t.runJobs();
    // (A login's catch-up may deliver a message a second time under its id; clients keep one per id.)
    const got = victim.pushes('GROUP_MESSAGE');
    expect(new Set(got.map((push) => push.id)).size).toBe(1);
    expect(got[0]).toMatchObject({ from: blocked.name, message: 'hi all' });
    // Presence is hidden even between group mates.
    expect(await blocked.ask(`STATUS ${victim.name}`)).toEqual(ERR('status pengguna gagal', 'not_allowed'));
  });

  it('ends a running watch at the next change, both ways', { timeout: SLOW }, async () => {
    const g = await t.group('wv', 'ww');
    const [victim, watcher] = g.users;
    if (!victim || !watcher) throw new Error('group');
    expect(await watcher.ask(`WATCH ${victim.name}`)).toEqual(OK('pantau berhasil'));
    expect(await victim.ask(`WATCH ${watcher.name}`)).toEqual(OK('pantau berhasil'));
    expect(await victim.ask(`BLOCK ${watcher.name}`)).toEqual(OK('pengguna diblokir'));
    const second = await login(victim.name);
    expect(await victim.ask('LOGOUT')).toEqual(OK('logout berhasil'));
    expect(await second.ask('LOGOUT')).toEqual(OK('logout berhasil'));
    const other = await login(watcher.name);
    expect(await other.ask('LOGOUT')).toEqual(OK('logout berhasil'));
    await t.runJobs();
    expect(watcher.pushes('PRESENCE')).toEqual([]);
    expect(second.pushes('PRESENCE')).toEqual([]);
    // The watch whose right ended is gone.
    expect((await watchersPage(victim.key, undefined, 100, Date.now())).connections).toEqual([]);
  });

  it('keeps at most MAX_BLOCKS blocks, exactly, under concurrent BLOCK and UNBLOCK', {
    timeout: SLOW,
  }, async () => {
    expect(MAX_BLOCKS).toBe(1000);
    // Three registered names and two nobody has: the bound is the same for both.
    const targets = [
      ...(await Promise.all(Array.from({ length: 3 }, () => registered('bt')))),
      t.fresh('nobody'),
      t.fresh('nobody'),
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ block: fc.boolean(), who: fc.integer({ min: 0, max: 4 }) }), {
          minLength: 1,
          maxLength: 12,
        }),
        async (ops) => {
          const me = await t.user('bc');
          // Room for 3 more: the counter stands where 997 blocks would put it.
          const room = 3;
          await db.send(
            new PutCommand({
              TableName: TABLE,
              Item: { ...keys.blockCount(me.name), blocks: MAX_BLOCKS - room },
            }),
          );
          const answers = await Promise.all(
            ops.map(({ block, who }) => me.ask(`${block ? 'BLOCK' : 'UNBLOCK'} ${targets[who]}`)),
          );
          for (const answer of answers)
            expect([
              OK('pengguna diblokir'),
              OK('blokir dibuka'),
              ERR('blokir gagal', 'too_many_blocks'),
            ]).toContainEqual(answer);
          const items = await queryAll(keys.block(me.name, '').pk, { beginsWith: 'USER#', consistent: true });
          expect(items.length).toBeLessThanOrEqual(room);
          expect(await counter(keys.blockCount(me.name), 'blocks')).toBe(MAX_BLOCKS - room + items.length);
          expect((await me.ask('BLOCKED')).data).toHaveLength(items.length);
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('a block holds everywhere (issue 22)', () => {
  it('hides the pair from each other in WHO of a group they share', { timeout: SLOW }, async () => {
    const g = await t.group('hv', 'hp', 'hf');
    const [victim, pest, friend] = g.users;
    if (!victim || !pest || !friend) throw new Error('group');
    const all = [victim.name, pest.name, friend.name].sort();
    expect(await victim.ask(`WHO ${g.name}`)).toEqual(OK(all));
    expect(await victim.ask(`BLOCK ${pest.name}`)).toEqual(OK('pengguna diblokir'));
    // Neither sees the other, whoever made the block; everyone else still sees both.
    expect(await victim.ask(`WHO ${g.name}`)).toEqual(OK([victim.name, friend.name].sort()));
    expect(await pest.ask(`WHO ${g.name}`)).toEqual(OK([pest.name, friend.name].sort()));
    expect(await friend.ask(`WHO ${g.name}`)).toEqual(OK(all));
    // Membership is not presence: GROUP_MEMBERS still lists both (groups are not blocked).
    expect((await pest.ask(`GROUP_MEMBERS ${g.name}`)).data).toContain(victim.name);
    expect(await victim.ask(`UNBLOCK ${pest.name}`)).toEqual(OK('blokir dibuka'));
    expect(await pest.ask(`WHO ${g.name}`)).toEqual(OK(all));
  });

  it('pages WHO past members hidden by a block', { timeout: SLOW }, async () => {
    const g = await t.group('pv', 'pp', 'pf');
    const [victim, pest, friend] = g.users;
    if (!victim || !pest || !friend) throw new Error('group');
    expect(await pest.ask(`BLOCK ${victim.name}`)).toEqual(OK('pengguna diblokir'));
    // A page that starts after the first name: the hidden one is skipped wherever it falls.
    // (The names are lower case: key order is their order.)
    for (const after of [victim.name, pest.name, friend.name]) {
      const visible = [pest.name, friend.name].filter((n) => n > after).sort();
      expect(await pest.ask(`WHO ${g.name} ${after}`), after).toEqual(OK(visible));
    }
  });

  it('refuses EDIT of an earlier message to the blocker as to a missing user, and pushes no DELETE to them', {
    timeout: SLOW,
  }, async () => {
    const victim = await t.user('ev');
    const pest = await t.user('ep');
    const gone = await t.user('eg');
    const pestPhone = await login(pest.name);
    const first = await pest.ask(`SEND ${victim.name} first`);
    const second = await pest.ask(`SEND ${victim.name} second`);
    const toGone = await pest.ask(`SEND ${gone.name} bye`);
    expect(await gone.ask(`DELETE_ACCOUNT ${PASSWORD}`)).toEqual(OK('hapus akun berhasil'));
    expect(await victim.ask(`BLOCK ${pest.name}`)).toEqual(OK('pengguna diblokir'));
    await t.runJobs();

    // EDIT: the same answer as for a message whose recipient no longer exists; nothing stored, nothing pushed.
    const missing = await pest.ask(`EDIT ${toGone.id} changed`);
    expect(missing).toEqual(ERR('pesan tidak diubah', 'unknown_recipient'));
    expect(await pest.ask(`EDIT ${first.id} changed`)).toEqual(missing);
    // DELETE: stored (the blocker's HISTORY shows the tombstone), pushed to the sender's other devices only.
    expect(await pest.ask(`DELETE ${second.id}`)).toEqual(OK('pesan dihapus'));
    await t.runJobs();
    expect(victim.pushes('MESSAGE_EDITED')).toEqual([]);
    expect(victim.pushes('MESSAGE_DELETED')).toEqual([]);
    expect(pestPhone.pushes('MESSAGE_DELETED')).toEqual([{ event: 'MESSAGE_DELETED', id: second.id }]);
    const history = (await victim.ask(`HISTORY ${pest.name}`)).data as Record<string, unknown>[];
    expect(history.find((m) => m.id === first.id)).toMatchObject({ message: 'first' });
    expect(history.find((m) => m.id === first.id)).not.toHaveProperty('editedAt');
    expect(history.find((m) => m.id === second.id)).toMatchObject({ deleted: true });

    // The blocker's own edits go on, and after UNBLOCK the sender's do too.
    const mine = await victim.ask(`SEND ${pest.name} mine`);
    expect(await victim.ask(`EDIT ${mine.id} still mine`)).toEqual(OK('pesan diubah'));
    expect(await victim.ask(`UNBLOCK ${pest.name}`)).toEqual(OK('blokir dibuka'));
    expect(await pest.ask(`EDIT ${first.id} changed`)).toEqual(OK('pesan diubah'));
    expect(victim.pushes('MESSAGE_EDITED')).toMatchObject([{ id: first.id, message: 'changed' }]);
  });

  it('refuses every EDIT that started after BLOCK’s answer, and answers a racing one honestly, whatever the interleaving', {
    timeout: SLOW,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 6 }),
        async (editAfter, blockAfter) => {
          const victim = await t.user('rv');
          const pest = await t.user('rp');
          const sent = await pest.ask(`SEND ${victim.name} before`);
          const later = (ms: number, frame: string, who: typeof pest) =>
            new Promise((resolve) => setTimeout(resolve, ms)).then(() => who.ask(frame));
          const [edit, block] = await Promise.all([
            later(editAfter, `EDIT ${sent.id} after`, pest),
            later(blockAfter, `BLOCK ${pest.name}`, victim),
          ]);
          expect(block).toEqual(OK('pengguna diblokir'));
          expect([OK('pesan diubah'), ERR('pesan tidak diubah', 'unknown_recipient')]).toContainEqual(edit);
          // The answer says what happened: the text changed, and the blocker was told, exactly when it is OK.
          const history = (await victim.ask(`HISTORY ${pest.name}`)).data as Record<string, unknown>[];
          const stored = history.find((m) => m.id === sent.id);
          expect(stored?.message).toBe(edit.status === 'OK' ? 'after' : 'before');
          expect(victim.pushes('MESSAGE_EDITED').length > 0).toBe(edit.status === 'OK');
          // After the answer, no interleaving is left: an EDIT now is refused.
          expect(await pest.ask(`EDIT ${sent.id} again`)).toEqual(
            ERR('pesan tidak diubah', 'unknown_recipient'),
          );
        },
      ),
      { numRuns: 20 },
    );
  });

  it('answers BLOCK of a name nobody has exactly as of an existing one, within the same bound', {
    timeout: SLOW,
  }, async () => {
    const me = await t.user('bn');
    const real = await registered('br');
    const ghost = `ghost${me.name}`;
    const blocked = await me.ask(`BLOCK ${real}`);
    expect(await me.ask(`BLOCK ${ghost}`)).toEqual(blocked);
    expect(await me.ask(`BLOCK ${ghost}`)).toEqual(blocked);
    // BLOCKED lists each as the caller wrote it, so it tells nothing either.
    expect(await me.ask(`BLOCK ${real.toUpperCase()}`)).toEqual(blocked);
    expect(await me.ask('BLOCKED')).toEqual(OK([ghost, real].sort()));
    expect(await counter(keys.blockCount(me.name), 'blocks')).toBe(2);
    expect(await me.ask(`UNBLOCK ${ghost}`)).toEqual(await me.ask(`UNBLOCK ${real}`));
    expect(await me.ask('BLOCKED')).toEqual(OK([]));
    // Names nobody has take a slot like any other: the bound on items holds for them too.
    await db.send(
      new PutCommand({ TableName: TABLE, Item: { ...keys.blockCount(me.name), blocks: MAX_BLOCKS } }),
    );
    const full = ERR('blokir gagal', 'too_many_blocks');
    expect(await me.ask(`BLOCK ${ghost}x`)).toEqual(full);
    expect(await me.ask(`BLOCK ${real}`)).toEqual(full);
  });

  it('blocks a name nobody has yet for whoever registers it', { timeout: SLOW }, async () => {
    const me = await t.user('bf');
    const later = `later${me.name}`;
    expect(await me.ask(`BLOCK ${later}`)).toEqual(OK('pengguna diblokir'));
    const d = await t.device();
    expect(await d.ask(`REGISTER ${later} ${PASSWORD} ID ${later} Full`)).toEqual(OK('registrasi berhasil'));
    expect(await d.ask(`AUTH ${later} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expect(await d.ask(`SEND ${me.name} hi`)).toEqual(ERR('pesan tidak terkirim', 'unknown_recipient'));
  });
});

describe('watchers of one user', () => {
  it('admits at most MAX_WATCHERS connections, exactly, when they race', { timeout: SLOW }, async () => {
    expect(MAX_WATCHERS).toBe(100);
    const g = await t.group('cv', 'cw');
    const [target, watcher] = g.users;
    if (!target || !watcher) throw new Error('group');
    const devices = [watcher, ...(await Promise.all([1, 2, 3, 4].map(() => login(watcher.name))))];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), async (room) => {
        await Promise.all(devices.map((d) => d.ask(`UNWATCH ${target.name}`)));
        await db.send(
          new UpdateCommand({
            TableName: TABLE,
            Key: keys.watcherCount(target.name),
            UpdateExpression: 'SET watchers = :n',
            ExpressionAttributeValues: { ':n': MAX_WATCHERS - room },
          }),
        );
        const answers = await Promise.all(devices.map((d) => d.ask(`WATCH ${target.name}`)));
        const admitted = answers.filter((a) => a.status === 'OK').length;
        expect(admitted).toBe(Math.min(room, devices.length));
        for (const a of answers)
          if (a.status !== 'OK') expect(a).toEqual(ERR('pantau gagal', 'too_many_watchers'));
        expect((await watchersPage(target.key, undefined, 200, Date.now())).connections).toHaveLength(
          admitted,
        );
        expect(await counter(keys.watcherCount(target.name), 'watchers')).toBe(
          MAX_WATCHERS - room + admitted,
        );
      }),
      { numRuns: 8 },
    );
  });

  it('frees the slots of watchers whose connection expired when the counter is full', {
    timeout: SLOW,
  }, async () => {
    const g = await t.group('ev', 'ew');
    const [target, watcher] = g.users;
    if (!target || !watcher) throw new Error('group');
    const gone = Math.floor(Date.now() / 1000) - 10;
    await db.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          ...keys.watcher(target.name, 'expired1'),
          watcher: 'x',
          connectionId: 'expired1',
          expiresAt: gone,
        },
      }),
    );
    await db.send(
      new PutCommand({
        TableName: TABLE,
        Item: { ...keys.watcherCount(target.name), watchers: MAX_WATCHERS },
      }),
    );
    expect(await watcher.ask(`WATCH ${target.name}`)).toEqual(OK('pantau berhasil'));
    expect(await counter(keys.watcherCount(target.name), 'watchers')).toBe(MAX_WATCHERS);
    expect(await watcher.ask(`UNWATCH ${target.name}`)).toEqual(OK('berhenti memantau berhasil'));
    expect(await counter(keys.watcherCount(target.name), 'watchers')).toBe(MAX_WATCHERS - 1);
  });
});

describe('presence leaks', () => {
  it('a message deleted before it arrived makes no conversation; one the target sent or got does', {
    timeout: SLOW,
  }, async () => {
    const stranger = await t.user('ls');
    const victim = await registered('lv');
    const sent = await stranger.ask(`SEND ${victim} are you there`);
    expect(await stranger.ask(`DELETE ${sent.id}`)).toEqual(OK(expect.any(String)));
    expect(await stranger.ask(`STATUS ${victim}`)).toEqual(ERR('status pengguna gagal', 'not_allowed'));
    expect(await stranger.ask(`WATCH ${victim}`)).toEqual(ERR('pantau gagal', 'not_allowed'));
    // A message that stays (the victim gets it at their next login) counts.
    expect((await stranger.ask(`SEND ${victim} hello`)).status).toBe('OK');
    expect((await stranger.ask(`STATUS ${victim}`)).status).toBe('OK');
    // One the victim sent counts even once they deleted it.
    const other = await t.user('lo');
    const v = await login(victim);
    const reply = await v.ask(`SEND ${other.name} hi`);
    expect(await v.ask(`DELETE ${reply.id}`)).toEqual(OK(expect.any(String)));
    expect((await other.ask(`STATUS ${victim}`)).status).toBe('OK');
  });

  it('a watcher kicked from the only group they shared gets no more PRESENCE', {
    timeout: SLOW,
  }, async () => {
    const g = await t.group('ko', 'kw');
    const [owner, watcher] = g.users;
    if (!owner || !watcher) throw new Error('group');
    expect(await watcher.ask(`WATCH ${owner.name}`)).toEqual(OK('pantau berhasil'));
    expect(await owner.ask(`GROUP_KICK ${g.name} ${watcher.name}`)).toEqual(
      OK('anggota berhasil dikeluarkan'),
    );
    expect(await owner.ask('LOGOUT')).toEqual(OK('logout berhasil'));
    await t.runJobs();
    expect(watcher.pushes('PRESENCE')).toEqual([]);
    expect(await watcher.ask(`STATUS ${owner.name}`)).toEqual(ERR('status pengguna gagal', 'not_allowed'));
    expect((await watchersPage(owner.key, undefined, 100, Date.now())).connections).toEqual([]);
  });
});

describe('GROUP_UNINVITE', () => {
  it('takes back a pending invitation: owner only, then the invitee cannot join', {
    timeout: SLOW,
  }, async () => {
    const owner = await t.user('uo');
    const invitee = await t.user('ui');
    const member = await t.user('um');
    const g = t.fresh('ug');
    expect(await owner.ask(`GROUP_CREATE ${g} private`)).toEqual(OK('grup berhasil dibuat'));
    expect(await owner.ask(`GROUP_INVITE ${g} ${member.name}`)).toEqual(OK('undangan berhasil dikirim'));
    expect(await member.ask(`GROUP_JOIN ${g}`)).toEqual(OK('berhasil bergabung ke grup'));
    expect(await owner.ask(`GROUP_INVITE ${g} ${invitee.name}`)).toEqual(OK('undangan berhasil dikirim'));

    const FAILED = 'undangan gagal dibatalkan';
    expect(await member.ask(`GROUP_UNINVITE ${g} ${invitee.name}`)).toEqual(ERR(FAILED, 'not_owner'));
    expect(await owner.ask(`GROUP_UNINVITE nosuch${g} ${invitee.name}`)).toEqual(
      ERR(FAILED, 'unknown_group'),
    );
    expect(await owner.ask(`GROUP_UNINVITE ${g}`)).toEqual(ERR(FAILED, 'bad_request'));
    expect(await (await t.device()).ask(`GROUP_UNINVITE ${g} ${invitee.name}`)).toEqual(
      ERR(FAILED, 'not_authenticated'),
    );
    expect(await owner.ask(`GROUP_UNINVITE ${g} ${invitee.name.toUpperCase()}`)).toEqual(
      OK('undangan dibatalkan'),
    );
    expect(await owner.ask(`GROUP_UNINVITE ${g} ${invitee.name}`)).toEqual(ERR(FAILED, 'not_invited'));
    expect(await owner.ask(`GROUP_UNINVITE ${g} ${member.name}`)).toEqual(ERR(FAILED, 'not_invited'));
    expect(await invitee.ask(`GROUP_JOIN ${g}`)).toEqual(ERR('gagal bergabung ke grup', 'not_invited'));
    // Invited again, they can join.
    expect(await owner.ask(`GROUP_INVITE ${g} ${invitee.name}`)).toEqual(OK('undangan berhasil dikirim'));
    expect(await invitee.ask(`GROUP_JOIN ${g}`)).toEqual(OK('berhasil bergabung ke grup'));
  });

  it('an invitation taken back while its invitee was offline is not delivered at their login', {
    timeout: SLOW,
  }, async () => {
    const owner = await t.user('uo');
    const invitee = await registered('ux');
    const g = t.fresh('ug');
    expect(await owner.ask(`GROUP_CREATE ${g} private`)).toEqual(OK('grup berhasil dibuat'));
    expect(await owner.ask(`GROUP_INVITE ${g} ${invitee}`)).toEqual(OK('undangan berhasil dikirim'));
    expect(await owner.ask(`GROUP_UNINVITE ${g} ${invitee}`)).toEqual(OK('undangan dibatalkan'));
    const d = await login(invitee);
    await t.runJobs();
    expect(d.pushes('GROUP_INVITED')).toEqual([]);
    expect(d.pushes('CAUGHT_UP')).toHaveLength(1);
  });

  it('never lets an invitee join with an invitation GROUP_UNINVITE answered OK for, whatever the interleaving', {
    timeout: SLOW,
  }, async () => {
    const owner = await t.user('ro');
    const invitee = await t.user('ri');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 6 }),
        async (joinAfter, revokeAfter) => {
          const g = t.fresh('rg');
          expect(await owner.ask(`GROUP_CREATE ${g} private`)).toEqual(OK('grup berhasil dibuat'));
          expect(await owner.ask(`GROUP_INVITE ${g} ${invitee.name}`)).toEqual(
            OK('undangan berhasil dikirim'),
          );
          const later = (ms: number, frame: string, who: typeof owner) =>
            new Promise((resolve) => setTimeout(resolve, ms)).then(() => who.ask(frame));
          const [join, revoke] = await Promise.all([
            later(joinAfter, `GROUP_JOIN ${g}`, invitee),
            later(revokeAfter, `GROUP_UNINVITE ${g} ${invitee.name}`, owner),
          ]);
          const members = (await owner.ask(`GROUP_MEMBERS ${g}`)).data as string[];
          const joined = members.includes(invitee.name);
          // Exactly one of the two won: the join (and the revocation found nothing), or the revocation.
          expect(joined).toBe(join.status === 'OK');
          expect(join.status === 'OK' ? revoke : join).toEqual(
            join.status === 'OK'
              ? ERR('undangan gagal dibatalkan', 'not_invited')
              : ERR('gagal bergabung ke grup', 'not_invited'),
          );
          if (join.status !== 'OK') expect(revoke).toEqual(OK('undangan dibatalkan'));
        },
      ),
      { numRuns: 25 },
    );
  });
});
