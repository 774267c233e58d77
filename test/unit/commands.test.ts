/**
 * Every command through the dispatcher, against dynalite and a recording @connections stand-in (the job queue is a
 * faked client that records what would be enqueued): answers, reasons, pushes and what is stored. The same
 * behaviour the integration suite checks over WebSockets, here fast enough for every mutant of shared/commands.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { type GroupKey, groupKeyOf, type UserKey, userKeyOf } from '../../shared/protocol/names.js';
import { useConnectionsApi } from '../support/connections-api.js';
import { fakeQueue, intercept } from '../support/fakes.js';
import { seeder } from '../support/seed.js';
import { useTable } from '../support/table.js';

await useTable();
Object.assign(process.env, {
  QUEUE_URL: 'http://127.0.0.1:9/queue/unit',
  BUCKET_NAME: 'unit-bucket',
  BUDGET_REGISTER_BURST: '10000',
  BUDGET_AUTH_BURST: '10000',
  BUDGET_CREATE_BURST: '10000',
  BUDGET_MEMBERSHIP_BURST: '10000',
  MAX_GROUPS_PER_USER: '3',
  MAX_GROUP_MEMBERS: '3',
  AUTH_MAX_FAILURES: '3',
  AUTH_MAX_FAILURES_PER_IP: '5',
});
const api = await useConnectionsApi();
const { dispatch } = await import('../../shared/commands/index.js');
const { createContext } = await import('../../shared/commands/context.js');
const { openConnection, readConnection } = await import('../../shared/data/connections.js');
const { db, dynamo, TABLE } = await import('../../shared/data/client.js');
const { keys } = await import('../../shared/data/keys.js');
const { putFileRecord } = await import('../../shared/data/files.js');
const { sqs } = await import('../../shared/queue/jobs.js');
const { newId } = await import('../../shared/ids.js');

/** What the handlers enqueued, instead of sending it to SQS. */
const jobs = fakeQueue(sqs).sent;

/** Tests that run scrypt a dozen times (each AUTH and REGISTER): slow on a busy machine, not stuck. */
const SCRYPT_HEAVY = 120_000;

let unique = 0;
const fresh = (prefix: string) => `${prefix}${++unique}`;

/** One open connection: send it frames, read what was pushed to it. */
// biome-ignore lint/suspicious/noExplicitAny: answers are compared by value; a test reads their fields directly.
type Answer = any;

async function device(ip = '10.0.0.1') {
  const id = fresh('conn');
  await openConnection(id, Date.now(), ip);
  return {
    id,
    ask: (frame: string): Promise<Answer> => dispatch(frame, createContext(id, api.endpoint, Date.now(), ip)),
    pushes: () =>
      (api.frames.get(id) ?? []).map((frame) => JSON.parse(frame.slice(0, -4)) as Record<string, unknown>),
  };
}

/** A registered user, logged in on a fresh device. */
async function user(prefix = 'user') {
  const name = fresh(prefix);
  const d = await device();
  expect(await d.ask(`REGISTER ${name} password1 ID ${name} Full`)).toEqual({
    status: 'OK',
    data: 'registrasi berhasil',
  });
  expect(await d.ask(`AUTH ${name} password1`)).toEqual({ status: 'OK', data: 'autentikasi berhasil' });
  return { name, ...d };
}

/** A source address no other test uses. */
const freshIp = () => {
  const n = ++unique;
  return `10.77.${Math.floor(n / 250)}.${(n % 250) + 1}`;
};

/** Every window's item of one failure counter. */
async function countsOf(pk: string) {
  const { Items } = await db.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
    }),
  );
  return (Items ?? []) as { count: number; expiresAt: number }[];
}

const OK = (data: unknown, extra: Record<string, unknown> = {}) => ({ status: 'OK', data, ...extra });
const ERR = (data: string, reason: string) => ({ status: 'ERROR', data, reason });

describe('accounts', () => {
  it('REGISTER creates one account per name, whatever its case', async () => {
    const d = await device();
    const name = fresh('Reg');
    expect(await d.ask(`REGISTER ${name} password1 ID Ann Lee`)).toEqual(OK('registrasi berhasil'));
    const item = (await db.send(new GetCommand({ TableName: TABLE, Key: keys.user(name.toLowerCase()) })))
      .Item;
    expect(item).toMatchObject({ username: name, country: 'ID', name: 'Ann Lee' });
    expect(item?.passwordHash).not.toContain('password1');
    expect(await d.ask(`REGISTER ${name.toUpperCase()} password2 ID X`)).toEqual(
      ERR('registrasi gagal', 'username_taken'),
    );
    for (const bad of [
      `REGISTER ${name}x password1 ID`,
      `REGISTER ab password1 ID X`,
      `REGISTER ${name}y short ID X`,
      `REGISTER ${name}y password1 I\u0000D X`,
      `REGISTER ${name}y password1 ID X\u0001`,
      'REGISTER',
    ])
      expect(await d.ask(bad), bad).toEqual(ERR('registrasi gagal', 'bad_request'));
  });

  it('AUTH binds the connection, queues its catch-up, and answers one failure for unknown and wrong', async () => {
    const u = await user();
    const state = await readConnection(u.id, Date.now(), true);
    expect(state.user).toBe(u.name);
    expect(jobs).toContainEqual({
      kind: 'catchup',
      user: u.name,
      connectionId: u.id,
      boundary: state.boundary,
      afterAnswer: true,
    });
    // Marked answered as AUTH's last step: its catch-up pushes only after the answer.
    expect(state.answered).toBe(true);
    const d = await device('10.9.9.9');
    expect(await d.ask(`AUTH ${u.name} wrongpass`)).toEqual(ERR('autentikasi gagal', 'invalid_credentials'));
    expect(await d.ask(`AUTH nobody${u.name} password1`)).toEqual(
      ERR('autentikasi gagal', 'invalid_credentials'),
    );
    expect(await d.ask(`AUTH ${u.name}`)).toEqual(ERR('autentikasi gagal', 'bad_request'));
    expect((await readConnection(d.id, Date.now(), true)).user).toBeUndefined();
  });

  it('AUTH as someone else ends the previous login on that connection', async () => {
    const a = await user();
    const b = await user();
    expect(await a.ask(`AUTH ${b.name} password1`)).toEqual(OK('autentikasi berhasil'));
    expect((await readConnection(a.id, Date.now(), true)).user).toBe(b.name);
    const aDevices = (await b.ask(`SEND ${a.name} hello`)) as { id: string };
    expect(aDevices).toEqual(OK('pesan terkirim', { id: aDevices.id }));
    expect(aDevices.id).toMatch(/^[0-9A-Z]{26}$/);
    expect(a.pushes().filter((p) => p.event === 'MESSAGE')).toEqual([]);
  });

  it(
    "counts failures per account and address; strangers' failures lock the account only for addresses it never logged in from",
    async () => {
      const u = await user();
      const d = await device(freshIp());
      expect(await d.ask(`AUTH ${u.name} wrongpass`)).toEqual(
        ERR('autentikasi gagal', 'invalid_credentials'),
      );
      expect(await d.ask(`AUTH ${u.name} password1`)).toEqual(OK('autentikasi berhasil'));
      for (let i = 0; i < 2; i++) expect((await d.ask(`AUTH ${u.name} wrongpass`)).status).toBe('ERROR');
      // Two since the success, which cleared this address's count: not locked yet.
      expect(await d.ask(`AUTH ${u.name} password1`)).toEqual(OK('autentikasi berhasil'));
      // Two more from a stranger (with d's first, made before d was known: three) lock the account for every address
      // it never logged in from, unchecked...
      const e = await device(freshIp());
      for (let i = 0; i < 2; i++)
        expect(await e.ask(`AUTH ${u.name} wrongpass`)).toEqual(
          ERR('autentikasi gagal', 'invalid_credentials'),
        );
      for (const stranger of [e, await device(freshIp())]) {
        const locked = await stranger.ask(`AUTH ${u.name} password1`);
        expect(locked).toMatchObject(ERR('autentikasi gagal', 'too_many_attempts'));
        expect(locked.retryAfter).toBeGreaterThan(0);
        expect(locked.retryAfter).toBeLessThanOrEqual(900);
      }
      // ...counted exactly (the refused ones are not), in a window's item that expires after it...
      const counts = await countsOf(keys.authFailures('user', u.name, 0).pk);
      expect(counts.map((c) => c.count).reduce((a, b) => a + b, 0)).toBe(3);
      for (const c of counts) expect(c.expiresAt).toBeLessThanOrEqual(Date.now() / 1000 + 900 + 3600);
      // ...but never for the addresses the owner logged in from.
      expect(await d.ask(`AUTH ${u.name} password1`)).toEqual(OK('autentikasi berhasil'));
      expect(await (await device()).ask(`AUTH ${u.name} password1`)).toEqual(OK('autentikasi berhasil'));
      // Another account is not locked by it.
      const other = await user();
      expect(await e.ask(`AUTH ${other.name} password1`)).toEqual(OK('autentikasi berhasil'));
    },
    SCRYPT_HEAVY,
  );

  it(
    'locks an address after 5 failures, whatever the accounts, for the accounts that never logged in from it',
    async () => {
      const ip = freshIp();
      const d = await device(ip);
      const u = await user();
      const regular = await user();
      expect(await d.ask(`AUTH ${regular.name} password1`)).toEqual(OK('autentikasi berhasil'));
      for (let i = 0; i < 5; i++)
        expect((await d.ask(`AUTH ${fresh('ghost')} wrongpass`)).status).toBe('ERROR');
      expect(await d.ask(`AUTH ${u.name} password1`)).toMatchObject(
        ERR('autentikasi gagal', 'too_many_attempts'),
      );
      expect(await (await device(ip)).ask(`AUTH ${regular.name} password1`)).toEqual(
        OK('autentikasi berhasil'),
      );
      const elsewhere = await device(freshIp());
      expect(await elsewhere.ask(`AUTH ${u.name} password1`)).toEqual(OK('autentikasi berhasil'));
    },
    SCRYPT_HEAVY,
  );

  it('LOGOUT unbinds; then commands that need a login answer not_authenticated', async () => {
    const u = await user();
    expect(await u.ask('LOGOUT')).toEqual(OK('logout berhasil'));
    expect((await readConnection(u.id, Date.now(), true)).user).toBeUndefined();
    expect(await u.ask('LOGOUT')).toEqual(ERR('logout gagal', 'not_authenticated'));
    expect(await u.ask('LOGOUT now')).toEqual(ERR('logout gagal', 'bad_request'));
    expect(await u.ask('GROUPS')).toEqual(ERR('daftar grup gagal', 'not_authenticated'));
    expect(await u.ask(`SEND ${u.name} hi`)).toEqual(ERR('pesan tidak terkirim', 'not_authenticated'));
    expect(await u.ask('INBOX')).toEqual(ERR('inbox gagal', 'not_authenticated'));
  });

  it('PING answers pong; unknown words are unknown', async () => {
    const d = await device();
    expect(await d.ask('PING')).toEqual(OK('pong'));
    expect(await d.ask('ping')).toEqual(OK('pong'));
    expect(await d.ask('PING x')).toEqual(ERR('ping gagal', 'bad_request'));
    expect(await d.ask('FLY away')).toEqual(ERR('request tidak dikenali', 'unknown_request'));
    expect(await d.ask('toString')).toEqual(ERR('request tidak dikenali', 'unknown_request'));
    expect(await d.ask('')).toEqual(ERR('request tidak dikenali', 'unknown_request'));
  });
});

describe('private messages', () => {
  it('SEND pushes to every device of the recipient, and keeps it in the inbox when none is online', async () => {
    const a = await user('alice');
    const b = await user('bob');
    const second = await device();
    expect(await second.ask(`AUTH ${b.name.toUpperCase()} password1`)).toEqual(OK('autentikasi berhasil'));
    const sent = (await a.ask(`SEND ${b.name} hello  there`)) as { id: string };
    // The answer carries the message's id: the one every device's push has.
    expect(sent).toEqual(OK('pesan terkirim', { id: sent.id }));
    expect(sent.id).toMatch(/^[0-9A-Z]{26}$/);
    for (const d of [b, second]) {
      const [push] = d.pushes().filter((p) => p.event === 'MESSAGE');
      expect(push).toMatchObject({ event: 'MESSAGE', from: a.name, to: b.name, message: 'hello  there' });
      expect(push?.id).toBe(sent.id);
    }
    expect(a.pushes().filter((p) => p.event === 'MESSAGE')).toEqual([]);
    expect(await b.ask('INBOX')).toEqual(OK([]));

    await b.ask('LOGOUT');
    await second.ask('LOGOUT');
    const later = (await a.ask(`SEND ${b.name} later`)) as { id: string };
    expect(later).toEqual(OK('pesan terkirim', { id: later.id }));
    await b.ask(`AUTH ${b.name} password1`);
    const inbox = (await b.ask('INBOX')) as { data: { id: string; message: string; from: string }[] };
    expect(inbox.data.map((m) => [m.id, m.from, m.message])).toEqual([[later.id, a.name, 'later']]);
    const history = (await a.ask(`HISTORY ${b.name}`)) as { data: { message: string }[] };
    expect(history.data.map((m) => m.message)).toEqual(['later', 'hello  there']);
  });

  it('a name registered again after its owner deleted the account starts with no conversations', async () => {
    const old = await user('alice');
    const b = await user('bob');
    const sent = (await old.ask(`SEND ${b.name} from the first alice`)) as { id: string };
    expect(await b.ask(`READ ${old.name} ${sent.id}`)).toEqual(OK('pesan ditandai terbaca'));
    expect((await old.ask(`STATUS ${b.name}`)).status).toBe('OK');
    expect(await old.ask('DELETE_ACCOUNT password1')).toEqual(OK('hapus akun berhasil'));
    // While the name is reserved, the other side still reads the conversation.
    const kept = (await b.ask(`HISTORY ${old.name}`)) as { data: { id: string }[] };
    expect(kept.data.map((m) => m.id)).toEqual([sent.id]);

    // 31 days later someone else registers the name: a device whose clock is a month ahead.
    const later = Date.now() + 31 * 24 * 3600 * 1000;
    const id = fresh('conn');
    await openConnection(id, later, '10.0.0.2');
    const ask = (frame: string): Promise<Answer> =>
      dispatch(frame, createContext(id, api.endpoint, later, '10.0.0.2'));
    expect(await ask(`REGISTER ${old.name} password2 ID ${old.name} Other`)).toEqual(
      OK('registrasi berhasil'),
    );
    expect(await ask(`AUTH ${old.name} password2`)).toEqual(OK('autentikasi berhasil'));
    // Neither the new owner nor bob sees the earlier owner's conversation, its read cursor, or presence through it.
    expect(await ask(`HISTORY ${b.name}`)).toEqual(OK([]));
    expect(await ask(`STATUS ${b.name}`)).toEqual(ERR('status pengguna gagal', 'not_allowed'));
    expect(await b.ask(`HISTORY ${old.name}`)).toEqual(OK([]));
    // Nor does either list it (CONVERSATIONS): the entries are the earlier owner's.
    expect(await ask('CONVERSATIONS')).toEqual(OK([]));
    expect(await b.ask('CONVERSATIONS')).toEqual(OK([]));
    // What the two write from now on is theirs.
    const fresh2 = (await ask(`SEND ${b.name} from the second alice`)) as { id: string };
    const now = (await b.ask(`HISTORY ${old.name}`)) as { data: { id: string }[] };
    expect(now.data.map((m) => m.id)).toEqual([fresh2.id]);
    expect((await b.ask('CONVERSATIONS')).data).toEqual([
      { with: old.name, id: fresh2.id, from: old.name, sentAt: new Date(later).toISOString() },
    ]);
    expect((await ask(`STATUS ${b.name}`)).status).toBe('OK');
  });

  it('SEND answers each failure with its reason', async () => {
    const a = await user();
    expect(await a.ask(`SEND nobody${a.name} hi`)).toEqual(ERR('pesan tidak terkirim', 'unknown_recipient'));
    expect(await a.ask(`SEND ${a.name}`)).toEqual(ERR('pesan tidak terkirim', 'bad_request'));
    expect(await a.ask(`SEND ${a.name} ${'x'.repeat(4097)}`)).toEqual(
      ERR('pesan tidak terkirim', 'too_large'),
    );
    expect(await a.ask(`SEND ${a.name} bad\u0000text`)).toEqual(ERR('pesan tidak terkirim', 'bad_request'));
    expect(await a.ask(`SEND a/b hi`)).toEqual(ERR('pesan tidak terkirim', 'bad_request'));
    expect((await a.ask(`SEND ${a.name} ${'😀'.repeat(4096)}`)).status).toBe('OK');
  });

  it('HISTORY pages newest first with next, and validates its ids', async () => {
    const a = await user();
    const b = await user();
    for (let i = 0; i < 52; i++) await a.ask(`SEND ${b.name} m${i}`);
    const first = (await b.ask(`HISTORY ${a.name}`)) as {
      data: { id: string; message: string }[];
      next?: string;
    };
    expect(first.data).toHaveLength(50);
    expect(first.data[0]?.message).toBe('m51');
    expect(first.next).toBe(first.data[49]?.id);
    const second = (await b.ask(`HISTORY ${a.name} ${first.next}`)) as {
      data: { message: string }[];
      next?: string;
    };
    expect(second.data.map((m) => m.message)).toEqual(['m1', 'm0']);
    expect(second.next).toBeUndefined();
    expect(await b.ask(`HISTORY ${a.name} notanid`)).toEqual(ERR('riwayat gagal', 'bad_request'));
    expect(await b.ask(`HISTORY nobody${a.name}`)).toEqual(ERR('riwayat gagal', 'unknown_recipient'));
  });
});

describe('groups', () => {
  it('GROUP_CREATE, GROUP_JOIN, GROUPS, GROUP_MEMBERS, SEND_GROUP, GROUP_HISTORY and GROUP_LEAVE', async () => {
    const a = await user('ann');
    const b = await user('ben');
    const c = await user('cat');
    const g = fresh('Grp');
    expect(await a.ask(`GROUP_CREATE ${g}`)).toEqual(OK('grup berhasil dibuat'));
    expect(await b.ask(`GROUP_CREATE ${g.toLowerCase()}`)).toEqual(ERR('grup gagal dibuat', 'group_exists'));
    expect(await b.ask(`SEND_GROUP ${g} hi`)).toEqual(ERR('pesan tidak terkirim', 'not_a_member'));
    expect(await b.ask(`GROUP_MEMBERS ${g}`)).toEqual(ERR('daftar anggota grup gagal', 'not_a_member'));
    expect(await b.ask(`GROUP_JOIN ${g}`)).toEqual(OK('berhasil bergabung ke grup'));
    expect(await b.ask(`GROUP_JOIN ${g}`)).toEqual(OK('berhasil bergabung ke grup'));
    expect(await b.ask('GROUPS')).toEqual(OK([g]));
    expect(await a.ask(`GROUP_MEMBERS ${g}`)).toEqual(OK([a.name, b.name].sort(), { owner: a.name }));

    const sent = (await a.ask(`SEND_GROUP ${g.toUpperCase()} hello all`)) as { id: string };
    expect(sent).toEqual(OK('pesan terkirim', { id: sent.id }));
    const [push] = b.pushes().filter((p) => p.event === 'GROUP_MESSAGE');
    expect(push).toMatchObject({
      event: 'GROUP_MESSAGE',
      id: sent.id,
      group: g,
      from: a.name,
      message: 'hello all',
    });
    expect(a.pushes().filter((p) => p.event === 'GROUP_MESSAGE')).toEqual([]);
    expect(c.pushes().filter((p) => p.event === 'GROUP_MESSAGE')).toEqual([]);
    const history = (await b.ask(`GROUP_HISTORY ${g}`)) as { data: { message: string }[] };
    expect(history.data.map((m) => m.message)).toEqual(['hello all']);
    expect(await c.ask(`GROUP_HISTORY ${g}`)).toEqual(ERR('riwayat gagal', 'not_a_member'));

    expect(await b.ask(`GROUP_LEAVE ${g}`)).toEqual(OK('berhasil keluar dari grup'));
    expect(await b.ask(`GROUP_LEAVE ${g}`)).toEqual(ERR('gagal keluar dari grup', 'not_a_member'));
    expect(await b.ask('GROUPS')).toEqual(OK([]));
    await a.ask(`SEND_GROUP ${g} after`);
    expect(b.pushes().filter((p) => p.event === 'GROUP_MESSAGE')).toHaveLength(1);
    for (const word of ['GROUP_JOIN', 'GROUP_LEAVE', 'SEND_GROUP', 'GROUP_MEMBERS']) {
      const reply = await c.ask(`${word} nogroup${g} x`.replace(/ x$/, word === 'SEND_GROUP' ? ' x' : ''));
      expect(reply, word).toMatchObject({ status: 'ERROR', reason: 'unknown_group' });
    }
  });

  it('a login takes up its groups: pushes reach a device that logged in after joining, as spelled at REGISTER', async () => {
    const a = await user('Ann');
    const b = await user('ben');
    const g = fresh('grp');
    expect(await a.ask(`GROUP_CREATE ${g}`)).toEqual(OK('grup berhasil dibuat'));
    expect(await b.ask(`GROUP_JOIN ${g}`)).toEqual(OK('berhasil bergabung ke grup'));
    // A second device of bob's, logged in now: it is in the group's connections from its AUTH on.
    const later = await device();
    expect(await later.ask(`AUTH ${b.name} password1`)).toEqual(OK('autentikasi berhasil'));
    const sent = (await a.ask(`SEND_GROUP ${g} halo`)) as { id: string };
    for (const d of [b, later])
      expect(d.pushes().filter((p) => p.event === 'GROUP_MESSAGE')).toEqual([
        expect.objectContaining({ id: sent.id, from: a.name, message: 'halo' }),
      ]);
    // The sender's name as registered (mixed case), not its key.
    expect(a.name).not.toBe(a.name.toLowerCase());
    await a.ask(`SEND ${b.name} pribadi`);
    expect(b.pushes().filter((p) => p.event === 'MESSAGE')).toEqual([
      expect.objectContaining({ from: a.name, message: 'pribadi' }),
    ]);
  });

  it('GROUP_CREATE takes the group back when its creator cannot be added: the name is free again', async () => {
    const a = await user();
    const g = fresh('grp');
    let failures = 0;
    intercept(dynamo, `fail-membership-${g}`, (next) => async (args) => {
      const item = args.input.Item as { pk?: string; sk?: string } | undefined;
      if (item?.pk === `USER#${a.name}` && item.sk === `GROUP#${g}` && failures++ === 0)
        throw Object.assign(new Error('injected'), { name: 'InternalServerError' });
      return next(args);
    });
    expect(await a.ask(`GROUP_CREATE ${g}`)).toEqual(ERR('grup gagal dibuat', 'internal_error'));
    expect(await a.ask('GROUPS')).toEqual(OK([]));
    expect(await a.ask(`GROUP_CREATE ${g}`)).toEqual(OK('grup berhasil dibuat'));
    expect(await a.ask(`GROUP_MEMBERS ${g}`)).toEqual(OK([a.name], { owner: a.name }));
  });

  it('caps members per group and groups per user', async () => {
    const owner = await user();
    const g = fresh('full');
    await owner.ask(`GROUP_CREATE ${g}`);
    const others = [await user(), await user(), await user()];
    expect(await others[0]?.ask(`GROUP_JOIN ${g}`)).toEqual(OK('berhasil bergabung ke grup'));
    expect(await others[1]?.ask(`GROUP_JOIN ${g}`)).toEqual(OK('berhasil bergabung ke grup'));
    expect(await others[2]?.ask(`GROUP_JOIN ${g}`)).toEqual(ERR('gagal bergabung ke grup', 'group_full'));
    const many = [fresh('m'), fresh('m'), fresh('m')];
    expect(await owner.ask(`GROUP_CREATE ${many[0]}`)).toEqual(OK('grup berhasil dibuat'));
    expect(await owner.ask(`GROUP_CREATE ${many[1]}`)).toEqual(OK('grup berhasil dibuat'));
    // In 3 groups, the most one user may be in: no fourth, created or joined.
    expect(await owner.ask(`GROUP_CREATE ${many[2]}`)).toEqual(ERR('grup gagal dibuat', 'too_many_groups'));
    const elsewhere = fresh('other');
    await others[2]?.ask(`GROUP_CREATE ${elsewhere}`);
    expect(await owner.ask(`GROUP_JOIN ${elsewhere}`)).toEqual(
      ERR('gagal bergabung ke grup', 'too_many_groups'),
    );
  });

  it('GROUP_MEMBERS pages after a member name', async () => {
    const a = await user('aa');
    const g = fresh('pg');
    await a.ask(`GROUP_CREATE ${g}`);
    expect(await a.ask(`GROUP_MEMBERS ${g} ${a.name}`)).toEqual(OK([], { owner: a.name }));
    expect(await a.ask(`GROUP_MEMBERS ${g} a/b`)).toEqual(ERR('daftar anggota grup gagal', 'bad_request'));
    // Past a page (1,000): the first answer says where the next starts, the last one does not.
    const others = Array.from({ length: 1000 }, (_, i) => `${g}m${String(i).padStart(4, '0')}`);
    await seeder().members(g.toLowerCase(), g, others);
    const first = (await a.ask(`GROUP_MEMBERS ${g}`)) as { data: string[]; next: string };
    expect(first.data).toHaveLength(1000);
    expect(first.data[0]).toBe(a.name);
    expect(first.next).toBe(first.data.at(-1)?.toLowerCase());
    expect(await a.ask(`GROUP_MEMBERS ${g} ${first.next}`)).toEqual(OK([others.at(-1)], { owner: a.name }));
  });
});

describe('files', () => {
  async function file(
    from: UserKey,
    audience: { to: UserKey; toName: string } | { group: GroupKey; groupName: string },
  ) {
    const id = newId();
    await putFileRecord({
      id,
      objectKey: `files/${id}/a.txt`,
      filename: 'a.txt',
      contentType: 'text/plain',
      from,
      fromName: from,
      status: 'ready',
      size: 5,
      ...audience,
    });
    return id;
  }

  it('FILE_URL links a file to its sender, its recipient and its group’s members only', async () => {
    const a = await user();
    const b = await user();
    const c = await user();
    const direct = await file(userKeyOf(a.name), { to: userKeyOf(b.name), toName: b.name });
    for (const d of [a, b]) {
      const reply = (await d.ask(`FILE_URL ${direct}`)) as { status: string; data: Record<string, unknown> };
      expect(reply.status).toBe('OK');
      expect(reply.data).toMatchObject({ id: direct, filename: 'a.txt', size: 5 });
      expect(String(reply.data.url)).toContain(`files/${direct}/a.txt`);
    }
    expect(await c.ask(`FILE_URL ${direct}`)).toEqual(ERR('link file gagal', 'unknown_file'));
    const g = fresh('fg');
    await a.ask(`GROUP_CREATE ${g}`);
    const shared = await file(userKeyOf(a.name), { group: groupKeyOf(g), groupName: g });
    expect(await c.ask(`FILE_URL ${shared}`)).toEqual(ERR('link file gagal', 'unknown_file'));
    await c.ask(`GROUP_JOIN ${g}`);
    expect((await c.ask(`FILE_URL ${shared}`)).status).toBe('OK');
    expect(await c.ask(`FILE_URL ${newId()}`)).toEqual(ERR('link file gagal', 'unknown_file'));
    expect(await c.ask('FILE_URL nope')).toEqual(ERR('link file gagal', 'bad_request'));
    const uploading = newId();
    await putFileRecord({
      id: uploading,
      objectKey: 'x',
      filename: 'a',
      contentType: 'x',
      from: userKeyOf(c.name),
      fromName: c.name,
      status: 'uploading',
    });
    expect(await c.ask(`FILE_URL ${uploading}`)).toEqual(ERR('link file gagal', 'unknown_file'));
  });
});
