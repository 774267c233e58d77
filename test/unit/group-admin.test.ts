/**
 * Private groups and their owners (GROUP_CREATE … private, GROUP_INVITE, GROUP_KICK, GROUP_OWNER, GROUP_DELETE, and
 * GROUP_LEAVE passing ownership on or deleting the group), and account control (PASSWORD, DELETE_ACCOUNT), through
 * the dispatcher (test/support/dispatcher.ts): exact answers, exact pushes per device (and none elsewhere), and what
 * is stored afterwards.
 */
import { describe, expect, it } from 'vitest';
import { groupKeyOf } from '../../shared/protocol/names.js';
import { ERR, OK, PASSWORD, useDispatcher } from '../support/dispatcher.js';
import { answered, intercept } from '../support/fakes.js';

const t = await useDispatcher({ AUTH_MAX_FAILURES: '3' });
const { s3 } = await import('../../shared/bucket/s3.js');
const { readGroupMeta } = await import('../../shared/data/groups.js');
const { INVITE_TTL_MS } = await import('../../shared/commands/group-invite.js');
const { windowOf } = await import('../../shared/limits/addresses.js');

/** Object deletes S3 was asked for (their keys); writes are answered, signing links goes on as usual. */
const s3Deletes: string[] = [];
intercept(s3, 'recording-bucket', (next, context) => async (args) => {
  if (context.commandName === 'DeleteObjectCommand') s3Deletes.push(String(args.input.Key));
  else if (context.commandName !== 'PutObjectCommand') return next(args);
  return answered();
});

const CREATED = OK('grup berhasil dibuat');
const CREATE_FAILED = 'grup gagal dibuat';
const JOINED = OK('berhasil bergabung ke grup');
const JOIN_FAILED = 'gagal bergabung ke grup';
const LEFT = OK('berhasil keluar dari grup');
const INVITED = OK('undangan berhasil dikirim');
const INVITE_FAILED = 'undangan gagal dikirim';
const KICKED = OK('anggota berhasil dikeluarkan');
const KICK_FAILED = 'gagal mengeluarkan anggota';
const HANDED = OK('pemilik grup berhasil diganti');
const HAND_FAILED = 'gagal mengganti pemilik grup';
const DELETED = OK('grup berhasil dihapus');
const DELETE_FAILED = 'grup gagal dihapus';
const MEMBERS_FAILED = 'daftar anggota grup gagal';
const SEND_FAILED = 'pesan tidak terkirim';
const PASSWORD_OK = OK('ubah kata sandi berhasil');
const PASSWORD_FAILED = 'ubah kata sandi gagal';
const ACCOUNT_DELETED = OK('hapus akun berhasil');
const ACCOUNT_FAILED = 'hapus akun gagal';
const AUTH_OK = OK('autentikasi berhasil');
const AUTH_FAILED = ERR('autentikasi gagal', 'invalid_credentials');
const ID = /^[0-9A-Z]{26}$/;
const NEW_PASSWORD = 'newpassword2';

type Device = Awaited<ReturnType<typeof t.device>>;
type User = Awaited<ReturnType<typeof t.user>>;

/** Another device of user `name`, logged in, whose requests run at `now` (default: the clock). */
async function login(name: string, now?: number, password = PASSWORD): Promise<Device> {
  const d = await t.device('10.0.0.1', now);
  expect(await d.ask(`AUTH ${name} ${password}`)).toEqual(AUTH_OK);
  return d;
}

/** A registered user with no device logged in. */
async function offlineUser(prefix: string): Promise<string> {
  const name = t.fresh(prefix);
  const d = await t.device();
  expect(await d.ask(`REGISTER ${name} ${PASSWORD} ID ${name} Full`)).toEqual(OK('registrasi berhasil'));
  return name;
}

/** A fresh group name with capitals (groups are named case-insensitively, shown as created). */
const groupName = () => t.fresh('Kantor');

/** The pushes of group and account events a device got (catch-up's CAUGHT_UP and presence left out). */
const EVENTS = ['GROUP_INVITED', 'GROUP_KICKED', 'GROUP_DELETED', 'GROUP_MESSAGE', 'LOGGED_OUT', 'MESSAGE'];
const events = (d: Device) => d.pushes().filter((p) => EVENTS.includes(String(p.event)));

const pause = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('private groups and invitations', () => {
  it('GROUP_CREATE nama private makes an invite-only group; any other second word is bad_request', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const open = groupName();
    const closed = groupName();
    expect(await alice.ask(`GROUP_CREATE ${closed} public`)).toEqual(ERR(CREATE_FAILED, 'bad_request'));
    expect(await alice.ask(`GROUP_CREATE a/b private`)).toEqual(ERR(CREATE_FAILED, 'bad_request'));
    expect(await alice.ask(`GROUP_CREATE ${closed} PriVate`)).toEqual(CREATED);
    expect(await alice.ask(`GROUP_CREATE ${open}`)).toEqual(CREATED);
    expect(await readGroupMeta(groupKeyOf(closed), true)).toEqual({
      name: closed,
      ownerName: alice.name,
      members: 1,
      private: true,
    });
    expect((await readGroupMeta(groupKeyOf(open), true))?.private).toBe(false);

    // One namespace for both: the name is taken, in any case.
    expect(await bob.ask(`GROUP_CREATE ${closed.toUpperCase()}`)).toEqual(ERR(CREATE_FAILED, 'group_exists'));
    expect(await bob.ask(`GROUP_CREATE ${closed} private`)).toEqual(ERR(CREATE_FAILED, 'group_exists'));
    expect(await bob.ask(`GROUP_JOIN ${closed}`)).toEqual(ERR(JOIN_FAILED, 'not_invited'));
    expect(await bob.ask(`GROUP_MEMBERS ${closed}`)).toEqual(ERR(MEMBERS_FAILED, 'not_a_member'));
    expect(await bob.ask(`GROUP_JOIN ${open}`)).toEqual(JOINED);
    expect(await alice.ask(`GROUP_MEMBERS ${closed}`)).toEqual(OK([alice.name], { owner: alice.name }));
    expect(await alice.ask('GROUPS')).toEqual(OK([closed, open].sort()));
  });

  it('GROUP_INVITE pushes GROUP_INVITED to every online device; the invitation lets one join, once', async () => {
    const T = Date.now();
    const alice = await t.user('alice');
    const owner = await login(alice.name, T);
    const bob = await t.user('bob');
    const bob2 = await login(bob.name);
    const carol = await t.user('carol');
    const g = groupName();
    expect(await alice.ask(`GROUP_CREATE ${g} private`)).toEqual(CREATED);

    expect(await owner.ask(`GROUP_INVITE ${g.toLowerCase()} ${bob.name.toUpperCase()}`)).toEqual(INVITED);
    const push = bob.pushes('GROUP_INVITED')[0];
    expect(push).toEqual({
      event: 'GROUP_INVITED',
      id: expect.stringMatching(ID),
      group: g,
      by: alice.name,
      until: new Date(T + INVITE_TTL_MS).toISOString(),
    });
    expect(bob.pushes('GROUP_INVITED')).toEqual([push]);
    expect(bob2.pushes('GROUP_INVITED')).toEqual([push]);
    // Pushed, so nothing waits.
    expect(await bob.ask('INBOX')).toEqual(OK([]));
    for (const d of [alice, owner, carol]) expect(events(d)).toEqual([]);

    // Pending: OK, and nothing is sent again.
    expect(await alice.ask(`GROUP_INVITE ${g} ${bob.name}`)).toEqual(INVITED);
    expect(bob.pushes('GROUP_INVITED')).toEqual([push]);

    expect(await carol.ask(`GROUP_JOIN ${g}`)).toEqual(ERR(JOIN_FAILED, 'not_invited'));
    expect(await bob.ask(`GROUP_JOIN ${g}`)).toEqual(JOINED);
    expect(await bob.ask(`GROUP_MEMBERS ${g}`)).toEqual(
      OK([alice.name, bob.name].sort(), { owner: alice.name }),
    );
    // A member: OK, nothing sent.
    expect(await alice.ask(`GROUP_INVITE ${g} ${bob.name}`)).toEqual(INVITED);
    expect(bob.pushes('GROUP_INVITED')).toEqual([push]);

    // Joining used the invitation up: after leaving, a new one is needed, and it is sent.
    expect(await bob.ask(`GROUP_LEAVE ${g}`)).toEqual(LEFT);
    expect(await bob.ask(`GROUP_JOIN ${g}`)).toEqual(ERR(JOIN_FAILED, 'not_invited'));
    expect(await alice.ask(`GROUP_INVITE ${g} ${bob.name}`)).toEqual(INVITED);
    const again = bob.pushes('GROUP_INVITED');
    expect(again).toHaveLength(2);
    expect(again[1]).toMatchObject({ event: 'GROUP_INVITED', group: g, by: alice.name });
    expect(again[1]?.id).not.toBe(push?.id);
    expect(bob2.pushes('GROUP_INVITED')).toEqual(again);
    expect(await bob.ask(`GROUP_JOIN ${g}`)).toEqual(JOINED);
    expect(events(carol)).toEqual([]);
  });

  it('an invitation lasts 7 days: joinable just before, not at the end; an expired one is sent again', async () => {
    const T = Date.now();
    const alice = await t.user('alice');
    const owner = await login(alice.name, T);
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    const g = groupName();
    expect(await alice.ask(`GROUP_CREATE ${g} private`)).toEqual(CREATED);
    expect(await owner.ask(`GROUP_INVITE ${g} ${bob.name}`)).toEqual(INVITED);
    expect(await owner.ask(`GROUP_INVITE ${g} ${carol.name}`)).toEqual(INVITED);

    const end = T + INVITE_TTL_MS;
    expect(await (await login(bob.name, end - 1000)).ask(`GROUP_JOIN ${g}`)).toEqual(JOINED);
    expect(await (await login(carol.name, end)).ask(`GROUP_JOIN ${g}`)).toEqual(
      ERR(JOIN_FAILED, 'not_invited'),
    );

    // Still pending a second before the end: not sent again; at the end it has expired and a new one goes out.
    const late = await login(alice.name, end - 1000);
    expect(await late.ask(`GROUP_INVITE ${g} ${carol.name}`)).toEqual(INVITED);
    expect(carol.pushes('GROUP_INVITED')).toHaveLength(1);
    const later = await login(alice.name, end);
    const carolThen = await login(carol.name, end);
    expect(await later.ask(`GROUP_INVITE ${g} ${carol.name}`)).toEqual(INVITED);
    expect(carolThen.pushes('GROUP_INVITED')).toEqual([
      {
        event: 'GROUP_INVITED',
        id: expect.stringMatching(ID),
        group: g,
        by: alice.name,
        until: new Date(end + INVITE_TTL_MS).toISOString(),
      },
    ]);
    expect(await carolThen.ask(`GROUP_JOIN ${g}`)).toEqual(JOINED);
  });

  it('an offline invitee finds GROUP_INVITED in INBOX and gets it after the next login', async () => {
    const alice = await t.user('alice');
    const carol = await offlineUser('carol');
    const g = groupName();
    expect(await alice.ask(`GROUP_CREATE ${g} private`)).toEqual(CREATED);
    expect(await alice.ask(`GROUP_INVITE ${g} ${carol}`)).toEqual(INVITED);
    expect(events(alice)).toEqual([]);

    const d = await login(carol);
    const waiting = await d.ask('INBOX');
    expect(waiting).toEqual(
      OK([
        {
          event: 'GROUP_INVITED',
          id: expect.stringMatching(ID),
          group: g,
          by: alice.name,
          until: expect.any(String),
        },
      ]),
    );
    await t.runJobs();
    expect(d.pushes('GROUP_INVITED')).toEqual(waiting.data);
    expect(await d.ask(`GROUP_JOIN ${g}`)).toEqual(JOINED);
  });

  it('invitations work for open groups too (a nudge); joining an open group needs none', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    const g = groupName();
    expect(await alice.ask(`GROUP_CREATE ${g}`)).toEqual(CREATED);
    expect(await alice.ask(`GROUP_INVITE ${g} ${bob.name}`)).toEqual(INVITED);
    expect(bob.pushes('GROUP_INVITED')).toEqual([expect.objectContaining({ group: g, by: alice.name })]);
    expect(await carol.ask(`GROUP_JOIN ${g}`)).toEqual(JOINED);
    expect(await bob.ask(`GROUP_JOIN ${g}`)).toEqual(JOINED);
  });

  it('GROUP_INVITE: only the owner, of a group that exists, to a user that exists', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    const g = groupName();
    expect(await alice.ask(`GROUP_CREATE ${g} private`)).toEqual(CREATED);
    expect(await alice.ask(`GROUP_INVITE ${g} ${bob.name}`)).toEqual(INVITED);
    expect(await bob.ask(`GROUP_JOIN ${g}`)).toEqual(JOINED);

    // A member who is not the owner, and a stranger: not_owner (before the invitee is even looked at).
    expect(await bob.ask(`GROUP_INVITE ${g} ${carol.name}`)).toEqual(ERR(INVITE_FAILED, 'not_owner'));
    expect(await carol.ask(`GROUP_INVITE ${g} ${carol.name}`)).toEqual(ERR(INVITE_FAILED, 'not_owner'));
    expect(await carol.ask(`GROUP_INVITE ${g} nobody${carol.name}`)).toEqual(ERR(INVITE_FAILED, 'not_owner'));
    expect(await alice.ask(`GROUP_INVITE ${g} nobody${carol.name}`)).toEqual(
      ERR(INVITE_FAILED, 'unknown_recipient'),
    );
    expect(await alice.ask(`GROUP_INVITE no${g} ${carol.name}`)).toEqual(ERR(INVITE_FAILED, 'unknown_group'));
    for (const frame of [
      `GROUP_INVITE ${g}`,
      `GROUP_INVITE ${g} a/b`,
      `GROUP_INVITE a/b ${carol.name}`,
      'GROUP_INVITE',
    ])
      expect(await alice.ask(frame)).toEqual(ERR(INVITE_FAILED, 'bad_request'));
    expect(await (await t.device()).ask(`GROUP_INVITE ${g} ${carol.name}`)).toEqual(
      ERR(INVITE_FAILED, 'not_authenticated'),
    );
    expect(bob.pushes('GROUP_INVITED')).toHaveLength(1);
    for (const d of [alice, carol]) expect(d.pushes('GROUP_INVITED')).toEqual([]);
    expect(await carol.ask(`GROUP_JOIN ${g}`)).toEqual(ERR(JOIN_FAILED, 'not_invited'));
  });
});

describe('GROUP_KICK', () => {
  it('removes the member at once and tells their devices; they then see not_a_member and get nothing more', async () => {
    const g = await t.group('alice', 'bob', 'carol');
    const [alice, bob, carol] = g.users as [User, User, User];
    const bob2 = await login(bob.name);
    // The logins' catch-ups first, so that each message below arrives once.
    await t.runJobs();
    const before = await bob.ask(`SEND_GROUP ${g.name} sebelum`);
    expect(before.status).toBe('OK');

    expect(await alice.ask(`GROUP_KICK ${g.name.toUpperCase()} ${bob.name.toUpperCase()}`)).toEqual(KICKED);
    const kicked = { event: 'GROUP_KICKED', id: expect.stringMatching(ID), group: g.name, by: alice.name };
    expect(bob.pushes('GROUP_KICKED')).toEqual([kicked]);
    expect(bob2.pushes('GROUP_KICKED')).toEqual(bob.pushes('GROUP_KICKED'));
    expect(alice.pushes('GROUP_KICKED')).toEqual([]);
    expect(carol.pushes('GROUP_KICKED')).toEqual([]);

    expect(await alice.ask(`GROUP_MEMBERS ${g.name}`)).toEqual(
      OK([alice.name, carol.name], { owner: alice.name }),
    );
    expect((await readGroupMeta(g.key, true))?.members).toBe(2);
    expect(await bob.ask(`GROUP_MEMBERS ${g.name}`)).toEqual(ERR(MEMBERS_FAILED, 'not_a_member'));
    expect(await bob.ask(`SEND_GROUP ${g.name} halo`)).toEqual(ERR(SEND_FAILED, 'not_a_member'));
    expect(await bob.ask(`GROUP_HISTORY ${g.name}`)).toEqual(ERR('riwayat gagal', 'not_a_member'));
    expect(await bob.ask('GROUPS')).toEqual(OK([]));

    expect((await alice.ask(`SEND_GROUP ${g.name} sesudah`)).status).toBe('OK');
    await t.runJobs();
    expect(carol.pushes('GROUP_MESSAGE').map((p) => p.message)).toEqual(['sebelum', 'sesudah']);
    expect(bob.pushes('GROUP_MESSAGE')).toEqual([]);
    expect(bob2.pushes('GROUP_MESSAGE')).toEqual([]);

    // Not a member any more; an open group may be joined again.
    expect(await alice.ask(`GROUP_KICK ${g.name} ${bob.name}`)).toEqual(ERR(KICK_FAILED, 'not_a_member'));
    expect(bob.pushes('GROUP_KICKED')).toHaveLength(1);
    expect(await bob.ask(`GROUP_JOIN ${g.name}`)).toEqual(JOINED);
  });

  it('a user kicked from a private group cannot come back without a new invitation', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const g = groupName();
    expect(await alice.ask(`GROUP_CREATE ${g} private`)).toEqual(CREATED);
    expect(await alice.ask(`GROUP_INVITE ${g} ${bob.name}`)).toEqual(INVITED);
    expect(await bob.ask(`GROUP_JOIN ${g}`)).toEqual(JOINED);
    expect(await alice.ask(`GROUP_KICK ${g} ${bob.name}`)).toEqual(KICKED);
    expect(bob.pushes('GROUP_KICKED')).toEqual([
      { event: 'GROUP_KICKED', id: expect.stringMatching(ID), group: g, by: alice.name },
    ]);
    expect(await bob.ask(`GROUP_JOIN ${g}`)).toEqual(ERR(JOIN_FAILED, 'not_invited'));
  });

  it('only the owner kicks, not themselves, only members', async () => {
    const g = await t.group('alice', 'bob', 'carol');
    const [alice, bob, carol] = g.users as [User, User, User];
    const dave = await t.user('dave');
    expect(await bob.ask(`GROUP_KICK ${g.name} ${carol.name}`)).toEqual(ERR(KICK_FAILED, 'not_owner'));
    expect(await dave.ask(`GROUP_KICK ${g.name} ${carol.name}`)).toEqual(ERR(KICK_FAILED, 'not_owner'));
    expect(await alice.ask(`GROUP_KICK ${g.name} ${alice.name.toUpperCase()}`)).toEqual(
      ERR(KICK_FAILED, 'bad_request'),
    );
    expect(await alice.ask(`GROUP_KICK ${g.name} ${dave.name}`)).toEqual(ERR(KICK_FAILED, 'not_a_member'));
    expect(await alice.ask(`GROUP_KICK ${g.name} nobody${dave.name}`)).toEqual(
      ERR(KICK_FAILED, 'not_a_member'),
    );
    expect(await alice.ask(`GROUP_KICK no${g.name} ${bob.name}`)).toEqual(ERR(KICK_FAILED, 'unknown_group'));
    for (const frame of [`GROUP_KICK ${g.name}`, `GROUP_KICK ${g.name} a/b`, 'GROUP_KICK'])
      expect(await alice.ask(frame)).toEqual(ERR(KICK_FAILED, 'bad_request'));
    expect(await (await t.device()).ask(`GROUP_KICK ${g.name} ${bob.name}`)).toEqual(
      ERR(KICK_FAILED, 'not_authenticated'),
    );
    for (const d of [alice, bob, carol, dave]) expect(d.pushes('GROUP_KICKED')).toEqual([]);
    expect(await alice.ask(`GROUP_MEMBERS ${g.name}`)).toEqual(
      OK([alice.name, bob.name, carol.name], { owner: alice.name }),
    );
    expect((await readGroupMeta(g.key, true))?.members).toBe(3);
  });
});

describe('GROUP_OWNER and the owner leaving', () => {
  it('hands the group to a member, shown as spelled; the old owner can no longer act as owner', async () => {
    const g = await t.group('alice', 'bob', 'carol');
    const [alice, bob, carol] = g.users as [User, User, User];
    const dave = await t.user('dave');
    // Naming yourself: OK, nothing changes.
    expect(await alice.ask(`GROUP_OWNER ${g.name} ${alice.name.toUpperCase()}`)).toEqual(HANDED);
    expect((await alice.ask(`GROUP_MEMBERS ${g.name}`)).owner).toBe(alice.name);

    expect(await alice.ask(`GROUP_OWNER ${g.name} ${dave.name}`)).toEqual(ERR(HAND_FAILED, 'not_a_member'));
    expect(await alice.ask(`GROUP_OWNER ${g.name} nobody${dave.name}`)).toEqual(
      ERR(HAND_FAILED, 'not_a_member'),
    );
    expect(await bob.ask(`GROUP_OWNER ${g.name} ${bob.name}`)).toEqual(ERR(HAND_FAILED, 'not_owner'));
    expect(await dave.ask(`GROUP_OWNER ${g.name} ${dave.name}`)).toEqual(ERR(HAND_FAILED, 'not_owner'));
    expect(await alice.ask(`GROUP_OWNER no${g.name} ${bob.name}`)).toEqual(ERR(HAND_FAILED, 'unknown_group'));
    for (const frame of [`GROUP_OWNER ${g.name}`, `GROUP_OWNER ${g.name} a/b`, 'GROUP_OWNER'])
      expect(await alice.ask(frame)).toEqual(ERR(HAND_FAILED, 'bad_request'));
    expect(await (await t.device()).ask(`GROUP_OWNER ${g.name} ${bob.name}`)).toEqual(
      ERR(HAND_FAILED, 'not_authenticated'),
    );
    expect((await readGroupMeta(g.key, true))?.ownerName).toBe(alice.name);

    expect(await alice.ask(`GROUP_OWNER ${g.name} ${carol.name.toUpperCase()}`)).toEqual(HANDED);
    expect(await bob.ask(`GROUP_MEMBERS ${g.name}`)).toEqual(
      OK([alice.name, bob.name, carol.name], { owner: carol.name }),
    );
    for (const frame of [
      `GROUP_OWNER ${g.name} ${alice.name}`,
      `GROUP_INVITE ${g.name} ${dave.name}`,
      `GROUP_KICK ${g.name} ${bob.name}`,
      `GROUP_DELETE ${g.name}`,
    ])
      expect((await alice.ask(frame)).reason).toBe('not_owner');
    expect(await carol.ask(`GROUP_KICK ${g.name} ${alice.name}`)).toEqual(KICKED);
    expect(await carol.ask(`GROUP_MEMBERS ${g.name}`)).toEqual(
      OK([bob.name, carol.name], { owner: carol.name }),
    );
  });

  it('the owner leaving passes ownership to the longest-standing member, not the first by name', async () => {
    const owner = await t.user('mia');
    const zed = await t.user('zed');
    const amy = await t.user('amy');
    const g = groupName();
    expect(await owner.ask(`GROUP_CREATE ${g}`)).toEqual(CREATED);
    expect(await zed.ask(`GROUP_JOIN ${g}`)).toEqual(JOINED);
    await pause();
    expect(await amy.ask(`GROUP_JOIN ${g}`)).toEqual(JOINED);

    expect(await owner.ask(`GROUP_LEAVE ${g}`)).toEqual(LEFT);
    expect(await amy.ask(`GROUP_MEMBERS ${g}`)).toEqual(OK([amy.name, zed.name], { owner: zed.name }));
    // A member who is not the owner leaving changes no owner.
    expect(await owner.ask(`GROUP_JOIN ${g}`)).toEqual(JOINED);
    expect(await amy.ask(`GROUP_LEAVE ${g}`)).toEqual(LEFT);
    expect(await zed.ask(`GROUP_MEMBERS ${g}`)).toEqual(OK([owner.name, zed.name], { owner: zed.name }));
    expect(await zed.ask(`GROUP_LEAVE ${g}`)).toEqual(LEFT);
    expect(await owner.ask(`GROUP_MEMBERS ${g}`)).toEqual(OK([owner.name], { owner: owner.name }));
    expect(t.jobs.filter((job) => job.kind === 'groupdelete' && job.group === g.toLowerCase())).toEqual([]);
  });

  it('the last member leaving deletes the group: gone at once, the name free again after the clean-up', async () => {
    const g = await t.group('alice', 'bob');
    const [alice, bob] = g.users as [User, User];
    expect((await alice.ask(`SEND_GROUP ${g.name} lama`)).status).toBe('OK');
    expect(await alice.ask(`GROUP_LEAVE ${g.name}`)).toEqual(LEFT);
    expect(await bob.ask(`GROUP_MEMBERS ${g.name}`)).toEqual(OK([bob.name], { owner: bob.name }));
    expect(await bob.ask(`GROUP_LEAVE ${g.name}`)).toEqual(LEFT);

    expect(await readGroupMeta(g.key, true)).toBeUndefined();
    expect(await bob.ask(`GROUP_JOIN ${g.name}`)).toEqual(ERR(JOIN_FAILED, 'unknown_group'));
    expect(await bob.ask(`GROUP_LEAVE ${g.name}`)).toEqual(ERR('gagal keluar dari grup', 'unknown_group'));
    expect(await bob.ask(`GROUP_CREATE ${g.name}`)).toEqual(ERR(CREATE_FAILED, 'group_exists'));
    expect(t.jobs).toContainEqual(expect.objectContaining({ kind: 'groupdelete', group: g.name }));

    await t.runJobs();
    // Nobody was left to tell.
    for (const d of [alice, bob]) expect(d.pushes('GROUP_DELETED')).toEqual([]);
    const carol = await t.user('carol');
    expect(await carol.ask(`GROUP_CREATE ${g.name}`)).toEqual(CREATED);
    expect(await carol.ask(`GROUP_MEMBERS ${g.name}`)).toEqual(OK([carol.name], { owner: carol.name }));
    expect(await carol.ask(`GROUP_HISTORY ${g.name}`)).toEqual(OK([]));
  });
});

describe('GROUP_DELETE', () => {
  it('only the owner deletes, a group that exists', async () => {
    const g = await t.group('alice', 'bob');
    const [alice, bob] = g.users as [User, User];
    const carol = await t.user('carol');
    expect(await bob.ask(`GROUP_DELETE ${g.name}`)).toEqual(ERR(DELETE_FAILED, 'not_owner'));
    expect(await carol.ask(`GROUP_DELETE ${g.name}`)).toEqual(ERR(DELETE_FAILED, 'not_owner'));
    expect(await alice.ask(`GROUP_DELETE no${g.name}`)).toEqual(ERR(DELETE_FAILED, 'unknown_group'));
    for (const frame of ['GROUP_DELETE', 'GROUP_DELETE a/b'])
      expect(await alice.ask(frame)).toEqual(ERR(DELETE_FAILED, 'bad_request'));
    expect(await (await t.device()).ask(`GROUP_DELETE ${g.name}`)).toEqual(
      ERR(DELETE_FAILED, 'not_authenticated'),
    );
    expect(await readGroupMeta(g.key, true)).toEqual({
      name: g.name,
      ownerName: alice.name,
      members: 2,
      private: false,
    });
    expect(t.jobs.filter((job) => job.kind === 'groupdelete' && job.group === g.name)).toEqual([]);
  });

  it('is at once for everyone; the worker tells the online members and removes members, messages and files', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await offlineUser('carol');
    const name = groupName();
    const g = groupKeyOf(name);
    expect(await alice.ask(`GROUP_CREATE ${name}`)).toEqual(CREATED);
    expect(await bob.ask(`GROUP_JOIN ${g}`)).toEqual(JOINED);
    const carolDevice = await login(carol);
    expect(await carolDevice.ask(`GROUP_JOIN ${g}`)).toEqual(JOINED);
    expect(await carolDevice.ask('LOGOUT')).toEqual(OK('logout berhasil'));
    expect((await bob.ask(`SEND_GROUP ${g} pesan lama`)).status).toBe('OK');
    const file = await alice.ask(`SEND_GROUP_FILE ${g} a.txt aGFsbw==`);
    expect(file).toEqual(OK('file terkirim', { id: expect.stringMatching(ID) }));
    expect((await bob.ask(`FILE_URL ${file.id}`)).status).toBe('OK');
    await t.runJobs();

    expect(await alice.ask(`GROUP_DELETE ${name.toUpperCase()}`)).toEqual(DELETED);
    expect(await readGroupMeta(g, true)).toBeUndefined();
    expect(await bob.ask(`GROUP_MEMBERS ${g}`)).toEqual(ERR(MEMBERS_FAILED, 'unknown_group'));
    expect(await bob.ask(`SEND_GROUP ${g} halo`)).toEqual(ERR(SEND_FAILED, 'unknown_group'));
    expect(await alice.ask(`GROUP_DELETE ${g}`)).toEqual(ERR(DELETE_FAILED, 'unknown_group'));
    expect(await alice.ask(`GROUP_JOIN ${g}`)).toEqual(ERR(JOIN_FAILED, 'unknown_group'));
    expect(await bob.ask(`FILE_URL ${file.id}`)).toEqual(ERR('link file gagal', 'unknown_file'));
    // The name is held until the clean-up is done.
    expect(await bob.ask(`GROUP_CREATE ${g}`)).toEqual(ERR(CREATE_FAILED, 'group_exists'));
    for (const d of [alice, bob]) expect(d.pushes('GROUP_DELETED')).toEqual([]);

    expect(await t.runJobs()).toBeGreaterThan(0);
    const deleted = { event: 'GROUP_DELETED', id: expect.stringMatching(ID), group: name };
    expect(alice.pushes('GROUP_DELETED')).toEqual([deleted]);
    expect(bob.pushes('GROUP_DELETED')).toEqual(alice.pushes('GROUP_DELETED'));
    expect(carolDevice.pushes('GROUP_DELETED')).toEqual([]);
    expect(s3Deletes).toContain(`files/${file.id}/a.txt`);
    for (const d of [alice, bob]) expect(await d.ask('GROUPS')).toEqual(OK([]));
    expect(await login(carol).then((d) => d.ask('GROUPS'))).toEqual(OK([]));
    await t.runJobs();

    // The name is free: a new group with no old members or messages.
    expect(await bob.ask(`GROUP_CREATE ${g}`)).toEqual(CREATED);
    expect(await bob.ask(`GROUP_MEMBERS ${g}`)).toEqual(OK([bob.name], { owner: bob.name }));
    expect(await bob.ask(`GROUP_HISTORY ${g}`)).toEqual(OK([]));
    expect(await readGroupMeta(g, true)).toEqual({
      name: g,
      ownerName: bob.name,
      members: 1,
      private: false,
    });
    expect(await alice.ask(`GROUP_MEMBERS ${g}`)).toEqual(ERR(MEMBERS_FAILED, 'not_a_member'));
    // A second run finds nothing more to do.
    expect(await t.runJobs()).toBe(0);
  });
});

describe('PASSWORD', () => {
  it('logs out every other device of the user, keeps this one, and only the new password works', async () => {
    const alice = await t.user('alice');
    const phone = await login(alice.name);
    const laptop = await login(alice.name);
    const bob = await t.user('bob');
    expect(await alice.ask(`PASSWORD ${PASSWORD} ${NEW_PASSWORD}`)).toEqual(PASSWORD_OK);
    const out = { event: 'LOGGED_OUT', id: expect.stringMatching(ID), reason: 'password_changed' };
    expect(phone.pushes('LOGGED_OUT')).toEqual([out]);
    expect(laptop.pushes('LOGGED_OUT')).toEqual([out]);
    expect(alice.pushes('LOGGED_OUT')).toEqual([]);
    expect(bob.pushes('LOGGED_OUT')).toEqual([]);

    expect(await phone.ask('INBOX')).toEqual(ERR('inbox gagal', 'not_authenticated'));
    expect(await laptop.ask(`SEND ${bob.name} halo`)).toEqual(ERR(SEND_FAILED, 'not_authenticated'));
    expect(await alice.ask('INBOX')).toEqual(OK([]));
    expect((await alice.ask(`SEND ${bob.name} masih`)).status).toBe('OK');
    expect(bob.pushes('MESSAGE').map((p) => p.message)).toEqual(['masih']);
    expect(await bob.ask('INBOX')).toEqual(OK([]));

    expect(await (await t.device()).ask(`AUTH ${alice.name} ${PASSWORD}`)).toEqual(AUTH_FAILED);
    expect(await phone.ask(`AUTH ${alice.name} ${NEW_PASSWORD}`)).toEqual(AUTH_OK);
    expect(await phone.ask('INBOX')).toEqual(OK([]));
    // The old password is no longer the current one either.
    expect(await alice.ask(`PASSWORD ${PASSWORD} ${PASSWORD}`)).toEqual(
      ERR(PASSWORD_FAILED, 'invalid_credentials'),
    );
  });

  it('needs AUTH, a new password of 8–128 characters with no white space', async () => {
    const alice = await t.user('alice');
    expect(await (await t.device()).ask(`PASSWORD ${PASSWORD} ${NEW_PASSWORD}`)).toEqual(
      ERR(PASSWORD_FAILED, 'not_authenticated'),
    );
    for (const frame of [
      'PASSWORD',
      `PASSWORD ${PASSWORD}`,
      `PASSWORD ${PASSWORD} 1234567`,
      `PASSWORD ${PASSWORD} ${'x'.repeat(129)}`,
      `PASSWORD ${PASSWORD} new pass word`,
    ])
      expect(await alice.ask(frame)).toEqual(ERR(PASSWORD_FAILED, 'bad_request'));
    expect(await (await t.device()).ask(`AUTH ${alice.name} ${PASSWORD}`)).toEqual(AUTH_OK);

    expect(await alice.ask(`PASSWORD ${PASSWORD} 12345678`)).toEqual(PASSWORD_OK);
    const long = 'y'.repeat(128);
    expect(await alice.ask(`PASSWORD 12345678 ${long}`)).toEqual(PASSWORD_OK);
    expect(await (await t.device()).ask(`AUTH ${alice.name} ${long}`)).toEqual(AUTH_OK);
  });

  it('a wrong current password is refused and counted for this connection: the limit locks its PASSWORD and DELETE_ACCOUNT, never AUTH or other sessions', async () => {
    const T = Date.now();
    const alice = await t.user('alice');
    const d = await t.device('10.0.9.1', T);
    expect(await d.ask(`AUTH ${alice.name} ${PASSWORD}`)).toEqual(AUTH_OK);
    const other = await login(alice.name);
    const wrong = `PASSWORD salah${PASSWORD} ${NEW_PASSWORD}`;
    expect(await d.ask(wrong)).toEqual(ERR(PASSWORD_FAILED, 'invalid_credentials'));
    expect(await d.ask(wrong)).toEqual(ERR(PASSWORD_FAILED, 'invalid_credentials'));
    // The right one clears the count: two more wrong ones do not reach the limit of 3.
    expect(await d.ask(`PASSWORD ${PASSWORD} ${PASSWORD}`)).toEqual(PASSWORD_OK);
    expect(other.pushes('LOGGED_OUT')).toHaveLength(1);
    expect(await d.ask(wrong)).toEqual(ERR(PASSWORD_FAILED, 'invalid_credentials'));
    expect(await d.ask(wrong)).toEqual(ERR(PASSWORD_FAILED, 'invalid_credentials'));
    // Another device's AUTH neither clears nor adds to this connection's count; failed PASSWORDs log nobody out.
    expect(await other.ask(`AUTH ${alice.name} ${PASSWORD}`)).toEqual(AUTH_OK);
    expect(await d.ask(wrong)).toEqual(ERR(PASSWORD_FAILED, 'invalid_credentials'));
    expect(other.pushes('LOGGED_OUT')).toHaveLength(1);
    expect(await other.ask('INBOX')).toEqual(OK([]));
    // The fourth in the window is refused without checking the password, for PASSWORD and DELETE_ACCOUNT alike, until
    // the window ends.
    const { retryAfter } = windowOf(T, 900);
    expect(await d.ask(`PASSWORD ${PASSWORD} ${NEW_PASSWORD}`)).toEqual({
      ...ERR(PASSWORD_FAILED, 'too_many_attempts'),
      retryAfter,
    });
    expect(await d.ask(`DELETE_ACCOUNT ${PASSWORD}`)).toEqual({
      ...ERR(ACCOUNT_FAILED, 'too_many_attempts'),
      retryAfter,
    });
    expect(await d.ask('INBOX')).toEqual(OK([]));
    // The session's own guesses lock neither AUTH from its address nor another session's PASSWORD.
    expect(await d.ask(`AUTH ${alice.name} ${PASSWORD}`)).toEqual(AUTH_OK);
    expect(await other.ask(`PASSWORD ${PASSWORD} ${PASSWORD}`)).toEqual(PASSWORD_OK);
  });
});

describe('DELETE_ACCOUNT', () => {
  it('needs AUTH and the password; a wrong one changes nothing', async () => {
    const alice = await t.user('alice');
    const phone = await login(alice.name);
    expect(await (await t.device()).ask(`DELETE_ACCOUNT ${PASSWORD}`)).toEqual(
      ERR(ACCOUNT_FAILED, 'not_authenticated'),
    );
    expect(await alice.ask('DELETE_ACCOUNT')).toEqual(ERR(ACCOUNT_FAILED, 'bad_request'));
    expect(await alice.ask(`DELETE_ACCOUNT salah${PASSWORD}`)).toEqual(
      ERR(ACCOUNT_FAILED, 'invalid_credentials'),
    );
    expect(phone.pushes('LOGGED_OUT')).toEqual([]);
    expect(await phone.ask('INBOX')).toEqual(OK([]));
    expect(await alice.ask('INBOX')).toEqual(OK([]));
    expect(await (await t.device()).ask(`AUTH ${alice.name} ${PASSWORD}`)).toEqual(AUTH_OK);
    expect(t.jobs.filter((job) => job.kind === 'account-cleanup' && job.user === alice.name)).toEqual([]);
  });

  it('logs out everywhere, frees nothing of the name, and the clean-up leaves groups and deletes sent files', async () => {
    const alice = await t.user('alice');
    const phone = await login(alice.name);
    const bob = await t.user('bob');
    const owned = groupName();
    const alone = groupName();
    expect(await alice.ask(`GROUP_CREATE ${owned}`)).toEqual(CREATED);
    expect(await alice.ask(`GROUP_CREATE ${alone}`)).toEqual(CREATED);
    expect(await bob.ask(`GROUP_JOIN ${owned}`)).toEqual(JOINED);
    const file = await alice.ask(`SEND_FILE ${bob.name} a.txt aGFsbw==`);
    expect(file).toEqual(OK('file terkirim', { id: expect.stringMatching(ID) }));
    const groupFile = await alice.ask(`SEND_GROUP_FILE ${owned} b.txt aGFsbw==`);
    expect(groupFile.status).toBe('OK');
    expect((await bob.ask(`FILE_URL ${file.id}`)).status).toBe('OK');
    await t.runJobs();

    expect(await alice.ask(`DELETE_ACCOUNT ${PASSWORD}`)).toEqual(ACCOUNT_DELETED);
    expect(phone.pushes('LOGGED_OUT')).toEqual([
      { event: 'LOGGED_OUT', id: expect.stringMatching(ID), reason: 'account_deleted' },
    ]);
    expect(alice.pushes('LOGGED_OUT')).toEqual([]);
    expect(bob.pushes('LOGGED_OUT')).toEqual([]);
    for (const d of [alice, phone])
      expect(await d.ask('INBOX')).toEqual(ERR('inbox gagal', 'not_authenticated'));
    expect(await alice.ask(`AUTH ${alice.name} ${PASSWORD}`)).toEqual(AUTH_FAILED);
    expect(await phone.ask(`AUTH ${alice.name.toUpperCase()} ${PASSWORD}`)).toEqual(AUTH_FAILED);
    for (const name of [alice.name, alice.name.toUpperCase()])
      expect(await (await t.device()).ask(`REGISTER ${name} ${PASSWORD} ID ${name} Lagi`)).toEqual(
        ERR('registrasi gagal', 'username_taken'),
      );
    expect(await bob.ask(`SEND ${alice.name} halo`)).toEqual(ERR(SEND_FAILED, 'unknown_recipient'));
    expect(t.jobs).toContainEqual({ kind: 'account-cleanup', user: alice.name, stage: 'files' });

    await t.runJobs();
    expect(await bob.ask(`GROUP_MEMBERS ${owned}`)).toEqual(OK([bob.name], { owner: bob.name }));
    expect(await bob.ask('GROUPS')).toEqual(OK([owned]));
    expect(await bob.ask(`FILE_URL ${file.id}`)).toEqual(ERR('link file gagal', 'unknown_file'));
    expect(await bob.ask(`FILE_URL ${groupFile.id}`)).toEqual(ERR('link file gagal', 'unknown_file'));
    expect(s3Deletes).toEqual(
      expect.arrayContaining([`files/${file.id}/a.txt`, `files/${groupFile.id}/b.txt`]),
    );
    // The group only alice was in was deleted with her: its name is free again.
    expect(await bob.ask(`GROUP_CREATE ${alone}`)).toEqual(CREATED);
    expect(await bob.ask(`GROUP_MEMBERS ${alone}`)).toEqual(OK([bob.name], { owner: bob.name }));
  });
});
