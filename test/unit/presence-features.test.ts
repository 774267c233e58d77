/**
 * Presence and typing through the dispatcher, against dynalite: WATCH / UNWATCH (who may be watched, the
 * per-connection bound, the PRESENCE pushes on a first login and a last departure, and when watches end), STATUS,
 * WHO (online members, each once, paged) and TYPING / TYPING_GROUP (who is pushed, never the sender, the 3 s drop).
 */
import { describe, expect, it } from 'vitest';
import { userKeyOf } from '../../shared/protocol/names.js';
import { ERR, OK, PASSWORD, useDispatcher } from '../support/dispatcher.js';
import { seeder } from '../support/seed.js';

const t = await useDispatcher();
const { dispatch } = await import('../../shared/commands/index.js');
const { createContext } = await import('../../shared/commands/context.js');
const { readConnection } = await import('../../shared/data/connections.js');
const { listWatches, watchersPage } = await import('../../shared/data/presence.js');
const { keys } = await import('../../shared/data/keys.js');
const { newId } = await import('../../shared/ids.js');
const { MAX_WATCHES, MAX_NAMES_PER_REQUEST } = await import('../../shared/commands/watch.js');
const { WHO_PAGE } = await import('../../shared/commands/who.js');
const { TYPING_INTERVAL_MS } = await import('../../shared/commands/typing.js');

/** Each test runs scrypt a few times (REGISTER, AUTH): slow on a busy machine, not stuck. */
const SLOW = 120_000;
const IP = '10.0.0.1';

/** A frame on connection `id` as if it arrived at `now` (the same connection at another clock). */
const askAt = (id: string, now: number, frame: string) =>
  dispatch(frame, createContext(id, t.api.endpoint, now, IP));

/** A registered user who has not logged in anywhere. */
async function registered(prefix: string) {
  const name = t.fresh(prefix);
  const d = await t.device();
  expect(await d.ask(`REGISTER ${name} ${PASSWORD} ID ${name} Full`)).toEqual(OK('registrasi berhasil'));
  return name;
}

/** Another device of `name`, logged in (at `now`, when given). */
async function login(name: string, now?: number) {
  const d = await t.device(IP, now);
  expect(await d.ask(`AUTH ${name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
  return d;
}

const presence = (user: string, online: boolean, at: number) => ({
  event: 'PRESENCE',
  id: expect.any(String),
  user,
  online,
  at: new Date(at).toISOString(),
});

const watchersOf = async (user: string) =>
  (await watchersPage(userKeyOf(user), undefined, 1000, Date.now())).connections.map((c) => c.connectionId);

describe('WATCH / UNWATCH: parameters and login', () => {
  it('needs a login and 1–50 valid names', { timeout: SLOW }, async () => {
    const d = await t.device();
    expect(await d.ask('WATCH someone')).toEqual(ERR('pantau gagal', 'not_authenticated'));
    expect(await d.ask('UNWATCH someone')).toEqual(ERR('berhenti memantau gagal', 'not_authenticated'));
    const w = await t.user('wat');
    expect(MAX_NAMES_PER_REQUEST).toBe(50);
    const many = (n: number) => Array.from({ length: n }, (_, i) => `nobody${i}`).join(' ');
    expect(await w.ask('WATCH')).toEqual(ERR('pantau gagal', 'bad_request'));
    expect(await w.ask('WATCH a!b')).toEqual(ERR('pantau gagal', 'bad_request'));
    expect(await w.ask(`WATCH ${w.name} x`)).toEqual(ERR('pantau gagal', 'bad_request'));
    expect(await w.ask(`WATCH ${many(51)}`)).toEqual(ERR('pantau gagal', 'bad_request'));
    // Fifty names parse; none of these exists, so the answer is about who may be watched.
    expect(await w.ask(`WATCH ${many(50)}`)).toEqual(ERR('pantau gagal', 'not_allowed'));
    expect(await w.ask('UNWATCH')).toEqual(ERR('berhenti memantau gagal', 'bad_request'));
    expect(await w.ask('UNWATCH a!b')).toEqual(ERR('berhenti memantau gagal', 'bad_request'));
    expect(await w.ask(`UNWATCH ${many(51)}`)).toEqual(ERR('berhenti memantau gagal', 'bad_request'));
    // Watching nobody, UNWATCH of anyone answers OK.
    expect(await w.ask(`UNWATCH ${many(50)}`)).toEqual(OK('berhenti memantau berhasil'));
    expect(await listWatches(w.id)).toEqual([]);
  });
});

describe('WATCH: who may be watched', () => {
  it('allows yourself, group mates and conversation partners (either way); nobody else, and adds nothing then', {
    timeout: SLOW,
  }, async () => {
    const g = await t.group('wa', 'wb');
    const [a, b] = g.users;
    if (!a || !b) throw new Error('group');
    const stranger = await t.user('ws');
    const sender = await t.user('wm');
    const receiver = await registered('wr');

    expect(await a.ask(`WATCH ${a.name}`)).toEqual(OK('pantau berhasil'));
    expect(await a.ask(`WATCH ${b.name.toUpperCase()}`)).toEqual(OK('pantau berhasil'));
    expect((await listWatches(a.id)).sort()).toEqual([a.name, b.name].sort());

    expect(await a.ask(`WATCH ${stranger.name}`)).toEqual(ERR('pantau gagal', 'not_allowed'));
    // Yourself, even sharing no group with anyone.
    expect(await stranger.ask(`WATCH ${stranger.name.toUpperCase()}`)).toEqual(OK('pantau berhasil'));
    expect(await stranger.ask(`UNWATCH ${stranger.name}`)).toEqual(OK('berhenti memantau berhasil'));
    expect(await a.ask('WATCH nosuchuser123')).toEqual(ERR('pantau gagal', 'not_allowed'));
    expect(await stranger.ask(`WATCH ${a.name}`)).toEqual(ERR('pantau gagal', 'not_allowed'));
    // One refused name refuses the whole request: the allowed ones in it are not added either.
    expect(await stranger.ask(`WATCH ${stranger.name} ${a.name}`)).toEqual(
      ERR('pantau gagal', 'not_allowed'),
    );
    expect(await listWatches(stranger.id)).toEqual([]);
    expect(await watchersOf(stranger.name)).toEqual([]);

    // A private message either way is a conversation for both sides.
    expect(await sender.ask(`WATCH ${receiver}`)).toEqual(ERR('pantau gagal', 'not_allowed'));
    expect((await sender.ask(`SEND ${receiver} halo`)).status).toBe('OK');
    expect(await sender.ask(`WATCH ${receiver}`)).toEqual(OK('pantau berhasil'));
    const r = await login(receiver);
    expect(await r.ask(`WATCH ${sender.name}`)).toEqual(OK('pantau berhasil'));
    expect(await r.ask(`WATCH ${a.name}`)).toEqual(ERR('pantau gagal', 'not_allowed'));
    // Both sides of each watch are written.
    expect(await watchersOf(receiver)).toEqual([sender.id]);
    expect(await watchersOf(sender.name)).toEqual([r.id]);
  });

  it('does not count a conversation older than one of its accounts', { timeout: SLOW }, async () => {
    const a = await t.user('wo');
    const b = await t.user('wp');
    const c = await t.user('wq');
    // Messages that were there before the accounts (a name used before): two hours old, past the name-reuse slack (an
    // hour).
    const old = newId(Date.now() - 2 * 3600_000);
    await seeder().put([
      { ...keys.directMessage(a.name, b.name, old) },
      { ...keys.directMessage(a.name, c.name, old) },
      { ...keys.directMessage(a.name, c.name, newId(Date.now())) },
    ]);
    expect(await a.ask(`WATCH ${b.name}`)).toEqual(ERR('pantau gagal', 'not_allowed'));
    expect(await a.ask(`STATUS ${b.name}`)).toEqual(ERR('status pengguna gagal', 'not_allowed'));
    expect(await a.ask(`WATCH ${c.name}`)).toEqual(OK('pantau berhasil'));
    expect((await a.ask(`STATUS ${c.name}`)).status).toBe('OK');
  });
});

describe('WATCH: the per-connection bound', () => {
  it('lets a connection watch exactly 200 users, counts a user once, and adds nothing beyond', {
    timeout: SLOW,
  }, async () => {
    expect(MAX_WATCHES).toBe(200);
    const g = await t.group('wc');
    const [w] = g.users;
    if (!w) throw new Error('group');
    // 202 members of w's group, seeded as memberships only (all that WATCH reads of them).
    const names = Array.from({ length: 202 }, (_, i) => `${g.name}m${String(i).padStart(3, '0')}`);
    await seeder().put(names.map((user) => ({ ...keys.userGroup(user, g.name), group: g.name, from: '' })));
    const slice = (from: number, to: number) => names.slice(from, to).join(' ');
    for (let i = 0; i < 150; i += 50)
      expect(await w.ask(`WATCH ${slice(i, i + 50)}`)).toEqual(OK('pantau berhasil'));
    // 150 watched: 48 more, one of them twice (and in another case), and one already watched (50 names).
    expect(await w.ask(`WATCH ${slice(150, 198)} ${names[150]?.toUpperCase()} ${names[0]}`)).toEqual(
      OK('pantau berhasil'),
    );
    expect(await listWatches(w.id)).toHaveLength(198);
    expect(await w.ask(`WATCH ${names[198]}`)).toEqual(OK('pantau berhasil'));
    expect(await listWatches(w.id)).toHaveLength(199);
    // 199: two new ones would be 201, and neither is added.
    const refused = ERR('pantau gagal', 'too_many_watches');
    expect(await w.ask(`WATCH ${names[199]} ${names[200]}`)).toEqual(refused);
    expect(await listWatches(w.id)).toHaveLength(199);
    expect(await watchersOf(names[199] ?? '')).toEqual([]);
    // One new one (named twice) makes exactly 200.
    expect(await w.ask(`WATCH ${names[199]} ${names[199]}`)).toEqual(OK('pantau berhasil'));
    expect(await listWatches(w.id)).toHaveLength(200);
    expect(await w.ask(`WATCH ${names[200]}`)).toEqual(refused);
    // The bound is checked before who may be watched.
    expect(await w.ask('WATCH nosuchuser123')).toEqual(refused);
    // Already watched: nothing to add, so it fits.
    expect(await w.ask(`WATCH ${names[0]} ${names[1]}`)).toEqual(OK('pantau berhasil'));
    expect(await w.ask(`UNWATCH ${names[0]}`)).toEqual(OK('berhenti memantau berhasil'));
    expect(await watchersOf(names[0] ?? '')).toEqual([]);
    expect(await w.ask(`WATCH ${names[200]}`)).toEqual(OK('pantau berhasil'));
    expect(await w.ask(`WATCH ${names[0]}`)).toEqual(refused);
    const watched = await listWatches(w.id);
    expect(watched).toHaveLength(200);
    expect(watched).not.toContain(names[0]);
    expect(watched).toContain(names[200]);

    // Another connection of the same user has a bound of its own.
    const other = await login(w.name);
    expect(await other.ask(`WATCH ${names[0]} ${names[201]}`)).toEqual(OK('pantau berhasil'));
    expect(await listWatches(other.id)).toHaveLength(2);

    // WATCHes at the same moment that together pass the bound: whatever each saw, the connection ends within it,
    // and exactly the ones that answered OK stayed.
    expect(await w.ask(`UNWATCH ${names[1]}`)).toEqual(OK('berhenti memantau berhasil'));
    const racing = await Promise.all([w.ask(`WATCH ${names[0]}`), w.ask(`WATCH ${names[1]}`)]);
    for (const answer of racing) expect([OK('pantau berhasil'), refused]).toContainEqual(answer);
    const after = await listWatches(w.id);
    expect(after.length).toBeLessThanOrEqual(200);
    expect(after.length).toBe(199 + racing.filter((answer) => answer.status === 'OK').length);
  });

  it('undoes a WATCH whose login changed while it ran', { timeout: SLOW }, async () => {
    const g = await t.group('wd', 'we');
    const [w, x] = g.users;
    if (!w || !x) throw new Error('group');
    // The login as WATCH read it; then the connection logs out (and back in: a new login of the same user).
    const before = await readConnection(w.id, Date.now());
    expect(await w.ask('LOGOUT')).toEqual(OK('logout berhasil'));
    const stale = (now: number) => ({
      ...createContext(w.id, t.api.endpoint, now, IP),
      session: async () => before,
    });
    expect(await dispatch(`WATCH ${x.name}`, stale(Date.now()))).toEqual(
      ERR('pantau gagal', 'not_authenticated'),
    );
    expect(await listWatches(w.id)).toEqual([]);
    expect(await w.ask(`AUTH ${w.name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expect(await dispatch(`WATCH ${x.name}`, stale(Date.now()))).toEqual(
      ERR('pantau gagal', 'not_authenticated'),
    );
    expect(await listWatches(w.id)).toEqual([]);
    expect(await watchersOf(x.name)).toEqual([]);
    // The login in force may.
    expect(await w.ask(`WATCH ${x.name}`)).toEqual(OK('pantau berhasil'));
    expect(await listWatches(w.id)).toEqual([x.name]);
  });
});

describe('PRESENCE pushes', () => {
  it('tells watchers once when the first device logs in and once when the last goes, with lastSeen', {
    timeout: SLOW,
  }, async () => {
    const x = await registered('px');
    const w = await t.user('pw');
    const bystander = await t.user('pb');
    // A conversation lets both watch x; only w does.
    for (const u of [w, bystander]) expect((await u.ask(`SEND ${x} halo`)).status).toBe('OK');
    expect(await w.ask(`WATCH ${x}`)).toEqual(OK('pantau berhasil'));
    const w2 = await login(w.name);
    expect(await w.ask(`STATUS ${x}`)).toEqual(OK({ user: x, online: false, lastSeen: null }));

    const t1 = Date.now();
    const t2 = t1 + 1000;
    const t3 = t1 + 2000;
    const d1 = await t.device();
    const d2 = await t.device();
    expect(await askAt(d1.id, t1, `AUTH ${x} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expect(w.pushes('PRESENCE')).toEqual([presence(x, true, t1)]);
    expect(await w.ask(`STATUS ${x}`)).toEqual(OK({ user: x, online: true, lastSeen: null }));
    // A second device says nothing; one of two leaving says nothing, and lastSeen stays.
    expect(await askAt(d2.id, t2, `AUTH ${x} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expect(await askAt(d1.id, t2, 'LOGOUT')).toEqual(OK('logout berhasil'));
    await t.runJobs();
    expect(w.pushes('PRESENCE')).toHaveLength(1);
    expect(await w.ask(`STATUS ${x}`)).toEqual(OK({ user: x, online: true, lastSeen: null }));
    // The last one going: offline, `at` its lastSeen (from the worker).
    expect(await askAt(d2.id, t3, 'LOGOUT')).toEqual(OK('logout berhasil'));
    await t.runJobs();
    expect(w.pushes('PRESENCE')).toEqual([presence(x, true, t1), presence(x, false, t3)]);
    expect(await w.ask(`STATUS ${x}`)).toEqual(
      OK({ user: x, online: false, lastSeen: new Date(t3).toISOString() }),
    );
    // Only the watching connection is told: not w's other device, not the contact, not x itself.
    for (const d of [w2, bystander, d1, d2]) expect(d.pushes('PRESENCE')).toEqual([]);

    // Online again, later: lastSeen is kept while online.
    const t4 = t1 + 3000;
    expect(await askAt(d1.id, t4, `AUTH ${x} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expect(w.pushes('PRESENCE')).toEqual([
      presence(x, true, t1),
      presence(x, false, t3),
      presence(x, true, t4),
    ]);
    expect(await w.ask(`STATUS ${x}`)).toEqual(
      OK({ user: x, online: true, lastSeen: new Date(t3).toISOString() }),
    );
  });

  it('pushes to every watching connection, and UNWATCH stops exactly the named user', {
    timeout: SLOW,
  }, async () => {
    const g = await t.group('pa', 'pc', 'pd');
    const [a, c, e] = g.users;
    if (!a || !c || !e) throw new Error('group');
    const a2 = await login(a.name);
    expect(await a.ask(`WATCH ${c.name} ${e.name}`)).toEqual(OK('pantau berhasil'));
    expect(await a2.ask(`WATCH ${c.name}`)).toEqual(OK('pantau berhasil'));
    expect(await watchersOf(c.name)).toEqual([a.id, a2.id].sort());

    const t1 = Date.now();
    expect(await askAt(c.id, t1, 'LOGOUT')).toEqual(OK('logout berhasil'));
    await t.runJobs();
    expect(a.pushes('PRESENCE')).toEqual([presence(c.name, false, t1)]);
    expect(a2.pushes('PRESENCE')).toEqual([presence(c.name, false, t1)]);

    expect(await a.ask(`UNWATCH ${c.name.toUpperCase()}`)).toEqual(OK('berhenti memantau berhasil'));
    expect(await listWatches(a.id)).toEqual([e.name]);
    expect(await watchersOf(c.name)).toEqual([a2.id]);
    expect(await a.ask(`UNWATCH ${c.name}`)).toEqual(OK('berhenti memantau berhasil'));

    const t2 = t1 + 1000;
    expect(await askAt(c.id, t2, `AUTH ${c.name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expect(await askAt(e.id, t2, 'LOGOUT')).toEqual(OK('logout berhasil'));
    await t.runJobs();
    expect(a.pushes('PRESENCE')).toEqual([presence(c.name, false, t1), presence(e.name, false, t2)]);
    expect(a2.pushes('PRESENCE')).toEqual([presence(c.name, false, t1), presence(c.name, true, t2)]);
  });

  it("ends a connection's watches with LOGOUT and with AUTH as someone else, not anyone else's", {
    timeout: SLOW,
  }, async () => {
    const g = await t.group('la', 'lb', 'lc');
    const [a, b, c] = g.users;
    if (!a || !b || !c) throw new Error('group');
    const a2 = await login(a.name);
    expect(await a.ask(`WATCH ${b.name}`)).toEqual(OK('pantau berhasil'));
    expect(await a2.ask(`WATCH ${b.name}`)).toEqual(OK('pantau berhasil'));
    expect(await c.ask(`WATCH ${b.name}`)).toEqual(OK('pantau berhasil'));

    expect(await a.ask('LOGOUT')).toEqual(OK('logout berhasil'));
    expect(await listWatches(a.id)).toEqual([]);
    expect(await listWatches(a2.id)).toEqual([b.name]);
    // c's only device becomes b's: c goes offline (its watches end), b's second device is no news.
    expect(await c.ask(`AUTH ${b.name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expect(await listWatches(c.id)).toEqual([]);
    expect(await watchersOf(b.name)).toEqual([a2.id]);
    // Logged in again as a, the connection watches nothing until it asks again.
    expect(await a.ask(`AUTH ${a.name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    await t.runJobs();
    for (const d of [a, a2, b, c]) expect(d.pushes('PRESENCE')).toEqual([]);

    const t1 = Date.now();
    expect(await askAt(b.id, t1, 'LOGOUT')).toEqual(OK('logout berhasil'));
    expect(await askAt(c.id, t1, 'LOGOUT')).toEqual(OK('logout berhasil'));
    await t.runJobs();
    expect(a2.pushes('PRESENCE')).toEqual([presence(b.name, false, t1)]);
    expect(a.pushes('PRESENCE')).toEqual([]);
    expect(c.pushes('PRESENCE')).toEqual([]);
  });

  it('tells the old user offline and the new one online when the only device logs in as someone else', {
    timeout: SLOW,
  }, async () => {
    const g = await t.group('sa', 'sb');
    const [a, b] = g.users;
    if (!a || !b) throw new Error('group');
    const y = await registered('sy');
    expect((await a.ask(`SEND ${y} halo`)).status).toBe('OK');
    expect(await a.ask(`WATCH ${b.name} ${y}`)).toEqual(OK('pantau berhasil'));
    const t1 = Date.now();
    expect(await askAt(b.id, t1, `AUTH ${y} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expect(a.pushes('PRESENCE')).toEqual([presence(y, true, t1)]);
    await t.runJobs();
    expect(a.pushes('PRESENCE')).toEqual([presence(y, true, t1), presence(b.name, false, t1)]);
    expect(await a.ask(`STATUS ${b.name}`)).toEqual(
      OK({ user: b.name, online: false, lastSeen: new Date(t1).toISOString() }),
    );
  });
});

describe('STATUS', () => {
  it('shows yourself and those you may see, as registered; anyone else is not_allowed', {
    timeout: SLOW,
  }, async () => {
    const d = await t.device();
    expect(await d.ask('STATUS someone')).toEqual(ERR('status pengguna gagal', 'not_authenticated'));
    const mixed = t.fresh('St');
    expect(await d.ask(`REGISTER ${mixed} ${PASSWORD} ID Mixed Case`)).toEqual(OK('registrasi berhasil'));
    const a = await login(mixed);
    const g = await t.group('sm');
    const [m] = g.users;
    if (!m) throw new Error('group');
    expect(await a.ask(`GROUP_JOIN ${g.name}`)).toEqual(OK(expect.any(String)));
    const stranger = await t.user('sx');
    const partner = await registered('sp');

    expect(await a.ask(`STATUS ${mixed.toLowerCase()}`)).toEqual(
      OK({ user: mixed, online: true, lastSeen: null }),
    );
    expect(await m.ask(`STATUS ${mixed.toUpperCase()}`)).toEqual(
      OK({ user: mixed, online: true, lastSeen: null }),
    );
    expect(await a.ask(`STATUS ${m.name}`)).toEqual(OK({ user: m.name, online: true, lastSeen: null }));
    expect(await a.ask(`STATUS ${stranger.name}`)).toEqual(ERR('status pengguna gagal', 'not_allowed'));
    expect(await stranger.ask(`STATUS ${mixed}`)).toEqual(ERR('status pengguna gagal', 'not_allowed'));
    expect(await a.ask('STATUS nosuchuser123')).toEqual(ERR('status pengguna gagal', 'not_allowed'));
    expect(await a.ask(`STATUS ${partner}`)).toEqual(ERR('status pengguna gagal', 'not_allowed'));
    expect((await a.ask(`SEND ${partner} halo`)).status).toBe('OK');
    expect(await a.ask(`STATUS ${partner}`)).toEqual(OK({ user: partner, online: false, lastSeen: null }));
    // The conversation counts for the other side too.
    const p = await login(partner);
    expect(await p.ask(`STATUS ${mixed}`)).toEqual(OK({ user: mixed, online: true, lastSeen: null }));
    expect(await p.ask(`STATUS ${m.name}`)).toEqual(ERR('status pengguna gagal', 'not_allowed'));

    expect(await a.ask('STATUS')).toEqual(ERR('status pengguna gagal', 'bad_request'));
    expect(await a.ask(`STATUS ${m.name} ${mixed}`)).toEqual(ERR('status pengguna gagal', 'bad_request'));
    expect(await a.ask('STATUS a!b')).toEqual(ERR('status pengguna gagal', 'bad_request'));
    expect(await a.ask('STATUS ab')).toEqual(ERR('status pengguna gagal', 'bad_request'));
  });
});

describe('WHO', () => {
  it('lists the members online now, each once, in order, after a name, to members only', {
    timeout: SLOW,
  }, async () => {
    const g = await t.group('wwc', 'wwa', 'wwb', 'wwd');
    const [c, a, b, dd] = g.users;
    if (!c || !a || !b || !dd) throw new Error('group');
    await login(a.name);
    expect(await dd.ask('LOGOUT')).toEqual(OK('logout berhasil'));
    const outsider = await t.user('wwo');
    // Online elsewhere does not make a member of this group online here twice or an outsider a member.
    await t.group('wwz', outsider.name);

    const sorted = [a.name, b.name, c.name];
    expect(await c.ask(`WHO ${g.name}`)).toEqual(OK(sorted));
    expect(await c.ask(`WHO ${g.name.toUpperCase()}`)).toEqual(OK(sorted));
    expect(await c.ask(`WHO ${g.name} ${a.name}`)).toEqual(OK([b.name, c.name]));
    expect(await c.ask(`WHO ${g.name} ${a.name.toUpperCase()}`)).toEqual(OK([b.name, c.name]));
    expect(await c.ask(`WHO ${g.name} ${c.name}`)).toEqual(OK([]));
    // A name that is no member still says where to start.
    expect(await c.ask(`WHO ${g.name} ${a.name}z`)).toEqual(OK([b.name, c.name]));

    expect(await outsider.ask(`WHO ${g.name}`)).toEqual(ERR('daftar pengguna online gagal', 'not_a_member'));
    expect(await c.ask('WHO nosuchgroup123')).toEqual(ERR('daftar pengguna online gagal', 'unknown_group'));
    expect(await dd.ask(`WHO ${g.name}`)).toEqual(ERR('daftar pengguna online gagal', 'not_authenticated'));
    expect(await c.ask('WHO')).toEqual(ERR('daftar pengguna online gagal', 'bad_request'));
    expect(await c.ask('WHO a!b')).toEqual(ERR('daftar pengguna online gagal', 'bad_request'));
    expect(await c.ask(`WHO ${g.name} a!b`)).toEqual(ERR('daftar pengguna online gagal', 'bad_request'));
    expect(await c.ask(`WHO ${g.name} ${a.name} ${b.name}`)).toEqual(
      ERR('daftar pengguna online gagal', 'bad_request'),
    );
  });

  it('pages after 1,000 live connections, skipping expired ones', { timeout: SLOW }, async () => {
    expect(WHO_PAGE).toBe(1000);
    const g = await t.group('wpa');
    const [a] = g.users;
    if (!a) throw new Error('group');
    // 501 members seeded online on two devices each (1,002 presence items), and one whose only copy expired.
    const later = Math.floor(Date.now() / 1000) + 3600;
    const names = Array.from({ length: 501 }, (_, i) => `zz${g.name}m${String(i).padStart(3, '0')}`);
    const expired = `${g.name}old`;
    await seeder().put([
      ...names.flatMap((user) => [
        { ...keys.groupMember(g.name, user), username: user.toUpperCase() },
        ...['x', 'y'].map((device) => ({
          ...keys.groupConnection(g.name, user, `${user}${device}`),
          user,
          connectionId: `${user}${device}`,
          expiresAt: later,
        })),
      ]),
      { ...keys.groupMember(g.name, expired), username: expired },
      {
        ...keys.groupConnection(g.name, expired, 'gone'),
        user: expired,
        connectionId: 'gone',
        expiresAt: later - 7200,
      },
    ]);
    // a (first by key) and its expired neighbour fill two items of the first page: 998 seeded ones follow.
    const first = await a.ask(`WHO ${g.name}`);
    const shown = names.slice(0, 499).map((n) => n.toUpperCase());
    expect(first).toEqual(OK([a.name, ...shown], { next: names[498] }));
    const second = await a.ask(`WHO ${g.name} ${first.next}`);
    expect(second).toEqual(OK(names.slice(499).map((n) => n.toUpperCase())));
  });
});

describe('TYPING', () => {
  it("reaches the recipient's devices, never the sender's, and is never stored", {
    timeout: SLOW,
  }, async () => {
    const d = await t.device();
    expect(await d.ask('TYPING someone')).toEqual(ERR('status mengetik gagal', 'not_authenticated'));
    const a = await t.user('ta');
    const a2 = await login(a.name);
    const mixed = t.fresh('Tb');
    expect(await d.ask(`REGISTER ${mixed} ${PASSWORD} ID Mixed Case`)).toEqual(OK('registrasi berhasil'));
    const b1 = await login(mixed);
    const b2 = await login(mixed);
    const bystander = await t.user('tc');
    const offline = await registered('td');

    const sent = OK('status mengetik terkirim');
    expect(await a.ask(`TYPING ${mixed.toLowerCase()}`)).toEqual(sent);
    // Pushed by the worker, after the answer (the answer tells nothing of whether the recipient is online).
    await t.runJobs();
    const typing = { event: 'TYPING', id: expect.any(String), from: a.name, to: mixed };
    expect(b1.pushes('TYPING')).toEqual([typing]);
    expect(b2.pushes('TYPING')).toEqual([typing]);
    for (const other of [a, a2, bystander]) expect(other.pushes('TYPING')).toEqual([]);

    // Nobody offline gets it, now or at the next login; nothing waits, nothing is in the history.
    expect(await a.ask(`TYPING ${offline}`)).toEqual(sent);
    await t.runJobs();
    expect(await b1.ask(`INBOX`)).toEqual(OK([]));
    expect(await b1.ask(`HISTORY ${a.name}`)).toEqual(OK([]));
    const o = await login(offline);
    await t.runJobs();
    expect(o.pushes('TYPING')).toEqual([]);
    expect(o.pushes('CAUGHT_UP')).toHaveLength(1);
    expect(t.jobs).toEqual([]);

    expect(await a.ask('TYPING nosuchuser123')).toEqual(ERR('status mengetik gagal', 'unknown_recipient'));
    expect(await a.ask('TYPING')).toEqual(ERR('status mengetik gagal', 'bad_request'));
    expect(await a.ask('TYPING a!b')).toEqual(ERR('status mengetik gagal', 'bad_request'));
    expect(await a.ask(`TYPING ${mixed} ${offline}`)).toEqual(ERR('status mengetik gagal', 'bad_request'));
  });

  it('pushes a conversation at most once per 3 s per connection', { timeout: SLOW }, async () => {
    expect(TYPING_INTERVAL_MS).toBe(3000);
    const a = await t.user('ra');
    const b = await t.user('rb');
    const c = await t.user('rc');
    const a2 = await login(a.name);
    const sent = OK('status mengetik terkirim');
    const t0 = Date.now();
    const count = async (d: { pushes: (event?: string) => unknown[] }) => {
      await t.runJobs();
      return d.pushes('TYPING').length;
    };

    expect(await askAt(a.id, t0, `TYPING ${b.name}`)).toEqual(sent);
    expect(await count(b)).toBe(1);
    // Within 3 s the same conversation (in any case) is answered OK and dropped.
    expect(await askAt(a.id, t0 + 2999, `TYPING ${b.name.toUpperCase()}`)).toEqual(sent);
    expect(await count(b)).toBe(1);
    // Another conversation, or another connection of the same user, is not.
    expect(await askAt(a.id, t0 + 1, `TYPING ${c.name}`)).toEqual(sent);
    expect(await count(c)).toBe(1);
    expect(await askAt(a2.id, t0 + 1, `TYPING ${b.name}`)).toEqual(sent);
    expect(await count(b)).toBe(2);
    // 3 s after the one that went through, it goes again (the dropped one did not restart the wait).
    expect(await askAt(a.id, t0 + 3000, `TYPING ${b.name}`)).toEqual(sent);
    expect(await count(b)).toBe(3);
    expect(await askAt(a.id, t0 + 5999, `TYPING ${b.name}`)).toEqual(sent);
    expect(await count(b)).toBe(3);
    expect(await askAt(a.id, t0 + 6000, `TYPING ${b.name}`)).toEqual(sent);
    expect(await count(b)).toBe(4);

    // A refused one does not start the wait.
    const late = await t.user('re');
    const ghost = t.fresh('rg');
    expect(await askAt(late.id, t0, `TYPING ${ghost}`)).toEqual(
      ERR('status mengetik gagal', 'unknown_recipient'),
    );
    expect(await t.device().then((d) => d.ask(`REGISTER ${ghost} ${PASSWORD} ID g g`))).toEqual(
      OK('registrasi berhasil'),
    );
    const gd = await login(ghost);
    expect(await askAt(late.id, t0 + 1, `TYPING ${ghost}`)).toEqual(sent);
    expect(await count(gd)).toBe(1);
  });
});

describe('TYPING_GROUP', () => {
  it('reaches the online members but the sender, members only', { timeout: SLOW }, async () => {
    const d = await t.device();
    expect(await d.ask('TYPING_GROUP somegroup')).toEqual(ERR('status mengetik gagal', 'not_authenticated'));
    const g = await t.group('ga', 'gb', 'gc', 'gd');
    const [a, b, c, off] = g.users;
    if (!a || !b || !c || !off) throw new Error('group');
    const a2 = await login(a.name);
    const b2 = await login(b.name);
    expect(await off.ask('LOGOUT')).toEqual(OK('logout berhasil'));
    const outsider = await t.user('go');
    const mixed = `Grp${t.fresh('X')}`;
    expect(await a.ask(`GROUP_CREATE ${mixed}`)).toEqual(OK('grup berhasil dibuat'));
    expect(await b.ask(`GROUP_JOIN ${mixed}`)).toEqual(OK(expect.any(String)));

    const sent = OK('status mengetik terkirim');
    expect(await a.ask(`TYPING_GROUP ${g.name}`)).toEqual(sent);
    await t.runJobs();
    const typing = { event: 'TYPING', id: expect.any(String), from: a.name, group: g.name };
    for (const member of [b, b2, c]) expect(member.pushes('TYPING')).toEqual([typing]);
    for (const other of [a, a2, off, outsider]) expect(other.pushes('TYPING')).toEqual([]);

    // The group as created, whatever case asked; a repeat within 3 s is dropped.
    expect(await b.ask(`TYPING_GROUP ${mixed.toLowerCase()}`)).toEqual(sent);
    expect(await b.ask(`TYPING_GROUP ${mixed.toUpperCase()}`)).toEqual(sent);
    const mixedTyping = { event: 'TYPING', id: expect.any(String), from: b.name, group: mixed };
    expect(a.pushes('TYPING')).toEqual([mixedTyping]);
    expect(a2.pushes('TYPING')).toEqual([mixedTyping]);
    expect(c.pushes('TYPING')).toEqual([typing]);
    expect(b2.pushes('TYPING')).toEqual([typing]);

    // A refusal starts no wait: once a member, the outsider is heard at once.
    expect(await outsider.ask(`TYPING_GROUP ${g.name}`)).toEqual(
      ERR('status mengetik gagal', 'not_a_member'),
    );
    expect(await outsider.ask(`GROUP_JOIN ${g.name}`)).toEqual(OK(expect.any(String)));
    expect(await outsider.ask(`TYPING_GROUP ${g.name}`)).toEqual(sent);
    expect(c.pushes('TYPING')).toEqual([typing, { ...typing, from: outsider.name }]);
    expect(outsider.pushes('TYPING')).toEqual([]);

    expect(await a.ask('TYPING_GROUP nosuchgroup123')).toEqual(ERR('status mengetik gagal', 'unknown_group'));
    expect(await a.ask('TYPING_GROUP')).toEqual(ERR('status mengetik gagal', 'bad_request'));
    expect(await a.ask('TYPING_GROUP a!b')).toEqual(ERR('status mengetik gagal', 'bad_request'));
    expect(await a.ask(`TYPING_GROUP ${g.name} ${mixed}`)).toEqual(
      ERR('status mengetik gagal', 'bad_request'),
    );
    // A user and a group are different conversations, even of one name.
    const same = await t.user('gn');
    expect(await a.ask(`SEND ${same.name} hi`)).toEqual(OK('pesan terkirim', { id: expect.any(String) }));
    expect(await same.ask(`GROUP_CREATE ${same.name}`)).toEqual(OK('grup berhasil dibuat'));
    expect(await a.ask(`GROUP_JOIN ${same.name}`)).toEqual(OK(expect.any(String)));
    expect(await a2.ask(`TYPING ${same.name}`)).toEqual(sent);
    await t.runJobs();
    expect(await a2.ask(`TYPING_GROUP ${same.name}`)).toEqual(sent);
    expect(same.pushes('TYPING')).toEqual([
      { event: 'TYPING', id: expect.any(String), from: a.name, to: same.name },
      { event: 'TYPING', id: expect.any(String), from: a.name, group: same.name },
    ]);
  });
});
