/**
 * EDIT / DELETE, READ / READ_GROUP and SEND_ID / SEND_GROUP_ID through the dispatcher (test/support/dispatcher.ts):
 * exact answers, exact pushes per device (and none elsewhere), and what is stored afterwards — tombstones, read
 * cursors (`readUpTo`), send claims, a deleted file's object and record.
 */
import { createHash } from 'node:crypto';
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ERR, OK, PASSWORD, useDispatcher } from '../support/dispatcher.js';
import { answered, intercept } from '../support/fakes.js';

// A retried SEND_ID waits 100 ms for an unfinished claim instead of 2 s: the take-over is the subject here, not
// the wait (command-edges.test.ts checks the default's polls).
const t = await useDispatcher({ SEND_ID_WAIT_MS: '100' });
const { s3 } = await import('../../shared/bucket/s3.js');
const { db, dynamo, TABLE } = await import('../../shared/data/client.js');
const { keys } = await import('../../shared/data/keys.js');
const { tombstoneMessage } = await import('../../shared/data/messages.js');
const { claimClientId, markClaimDone, readClaim, CLAIM_TTL_MS } = await import(
  '../../shared/data/send-claims.js'
);
const { idTime, newId } = await import('../../shared/ids.js');

/** Object writes and deletes S3 was asked for (`<command> <key>`); signing links goes on as usual. */
const s3Calls: string[] = [];
intercept(s3, 'recording-bucket', (next, context) => async (args) => {
  if (context.commandName !== 'PutObjectCommand' && context.commandName !== 'DeleteObjectCommand')
    return next(args);
  s3Calls.push(`${context.commandName} ${String(args.input.Key)}`);
  return answered();
});

const EDIT_FAILED = 'pesan tidak diubah';
const DELETE_FAILED = 'pesan tidak dihapus';
const READ_FAILED = 'pesan gagal ditandai terbaca';
const SEND_FAILED = 'pesan tidak terkirim';
const READ_OK = OK('pesan ditandai terbaca');
const SENT = (id: string) => OK('pesan terkirim', { id });
const DELIVERED = (id: string) => OK('pesan terkirim', { id, delivered: true });
const DAY_MS = 24 * 3600 * 1000;
const ID = /^[0-9A-Z]{26}$/;

type Device = Awaited<ReturnType<typeof t.device>>;
/** A registered user's device (t.user): its name and key beside it. */
type User = Awaited<ReturnType<typeof t.user>>;

/** Another device of user `name`, logged in, whose requests run at `now` (default: the clock). */
async function login(name: string, now?: number): Promise<Device> {
  const d = await t.device('10.0.0.1', now);
  expect(await d.ask(`AUTH ${name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
  return d;
}

/** Sends `frame` (a SEND…), expects OK and returns the message id. */
async function sent(d: Device, frame: string): Promise<string> {
  const answer = await d.ask(frame);
  // SEND_ID to a recipient a device of whom took the push says so (every recipient here is logged in).
  expect(answer).toEqual(frame.startsWith('SEND_ID ') ? DELIVERED(answer.id) : SENT(answer.id));
  expect(answer.id).toMatch(ID);
  return answer.id as string;
}

/** The pushes of these events each device got, in order. */
function pushesOf(devices: Device[], ...events: string[]) {
  return devices.map((d) => d.pushes().filter((p) => events.includes(String(p.event))));
}

const iso = (ms: number) => new Date(ms).toISOString();

async function item(key: { pk: string; sk: string }) {
  return (await db.send(new GetCommand({ TableName: TABLE, Key: key, ConsistentRead: true }))).Item;
}

describe('EDIT and DELETE of private messages', () => {
  it('EDIT replaces the text and tells both users’ devices but the editing one', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    const bob2 = await login(bob.name);
    const now = Date.now();
    const editor = await login(alice.name, now);
    const id = await sent(alice, `SEND ${bob.name} halo`);
    const sentAt = (await bob.ask(`HISTORY ${alice.name}`)).data[0].sentAt;

    expect(await editor.ask(`EDIT ${id} teks  baru sekali`)).toEqual(OK('pesan diubah'));
    const push = { event: 'MESSAGE_EDITED', id, message: 'teks  baru sekali', editedAt: iso(now) };
    const events = ['MESSAGE_EDITED', 'MESSAGE_DELETED', 'READ'];
    expect(pushesOf([alice, bob, bob2, editor, carol], ...events)).toEqual([[push], [push], [push], [], []]);
    const edited = {
      event: 'MESSAGE',
      id,
      from: alice.name,
      to: bob.name,
      message: 'teks  baru sekali',
      sentAt,
    };
    expect(await bob.ask(`HISTORY ${alice.name}`)).toEqual(OK([{ ...edited, editedAt: iso(now) }]));

    // Edited again, from the sending device: its own connection is now the one left out.
    expect(await alice.ask(`EDIT ${id} lagi`)).toEqual(OK('pesan diubah'));
    const again = bob.pushes('MESSAGE_EDITED')[1];
    expect(again).toEqual({ event: 'MESSAGE_EDITED', id, message: 'lagi', editedAt: expect.any(String) });
    expect(pushesOf([alice, bob, bob2, editor, carol], 'MESSAGE_EDITED').map((p) => p.length)).toEqual([
      1, 2, 2, 1, 0,
    ]);
    expect((await alice.ask(`HISTORY ${bob.name}`)).data).toEqual([
      { ...edited, message: 'lagi', editedAt: again?.editedAt },
    ]);
  });

  it('answers unknown_message for someone else’s message and an unknown id, bad_request for bad frames', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const id = await sent(alice, `SEND ${bob.name} milikku`);
    expect(await bob.ask(`EDIT ${id} bukan`)).toEqual(ERR(EDIT_FAILED, 'unknown_message'));
    expect(await bob.ask(`DELETE ${id}`)).toEqual(ERR(DELETE_FAILED, 'unknown_message'));
    expect(await alice.ask(`EDIT ${newId()} x`)).toEqual(ERR(EDIT_FAILED, 'unknown_message'));
    expect(await alice.ask(`DELETE ${newId()}`)).toEqual(ERR(DELETE_FAILED, 'unknown_message'));
    for (const bad of [`EDIT ${id}`, 'EDIT', `EDIT ${id.toLowerCase()} x`, `EDIT ${id}X x`, 'EDIT bob x'])
      expect(await alice.ask(bad), bad).toEqual(ERR(EDIT_FAILED, 'bad_request'));
    for (const bad of ['DELETE', `DELETE ${id} x`, `DELETE ${id.slice(1)}`, 'DELETE bob'])
      expect(await alice.ask(bad), bad).toEqual(ERR(DELETE_FAILED, 'bad_request'));
    const anonymous = await t.device();
    expect(await anonymous.ask(`EDIT ${id} x`)).toEqual(ERR(EDIT_FAILED, 'not_authenticated'));
    expect(await anonymous.ask(`DELETE ${id}`)).toEqual(ERR(DELETE_FAILED, 'not_authenticated'));
    // Nothing changed, nobody was told.
    expect(pushesOf([alice, bob], 'MESSAGE_EDITED', 'MESSAGE_DELETED')).toEqual([[], []]);
    expect((await bob.ask(`HISTORY ${alice.name}`)).data[0]).toMatchObject({ message: 'milikku' });
    expect((await bob.ask(`HISTORY ${alice.name}`)).data[0]).not.toHaveProperty('editedAt');
  });

  it('DELETE leaves a tombstone, tells both users’ devices but the deleting one, and forgets the id', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    const alice2 = await login(alice.name);
    const now = Date.now();
    const deleter = await login(alice.name, now);
    const id = await sent(alice, `SEND ${bob.name} rahasia`);
    const kept = await sent(bob, `SEND ${alice.name} tetap`);
    expect(await alice.ask(`EDIT ${id} diubah dulu`)).toEqual(OK('pesan diubah'));
    const sentAt = (await bob.ask(`HISTORY ${alice.name}`)).data[1].sentAt;
    const s3Before = s3Calls.length;

    expect(await deleter.ask(`DELETE ${id}`)).toEqual(OK('pesan dihapus'));
    const push = { event: 'MESSAGE_DELETED', id };
    expect(pushesOf([alice, alice2, bob, deleter, carol], 'MESSAGE_DELETED')).toEqual([
      [push],
      [push],
      [push],
      [],
      [],
    ]);
    const tombstone = {
      event: 'MESSAGE',
      id,
      from: alice.name,
      to: bob.name,
      sentAt,
      deleted: true,
      deletedAt: iso(now),
    };
    const history = await bob.ask(`HISTORY ${alice.name}`);
    expect(history).toEqual(OK([expect.objectContaining({ id: kept, message: 'tetap' }), tombstone]));
    expect(await item(keys.messageRef(id))).toBeUndefined();
    expect(s3Calls.length).toBe(s3Before);

    // The id is gone for its sender too; nothing more is pushed.
    expect(await alice.ask(`DELETE ${id}`)).toEqual(ERR(DELETE_FAILED, 'unknown_message'));
    expect(await alice.ask(`EDIT ${id} hidup lagi`)).toEqual(ERR(EDIT_FAILED, 'unknown_message'));
    expect(pushesOf([alice, bob], 'MESSAGE_DELETED').map((p) => p.length)).toEqual([1, 1]);
    expect(bob.pushes('MESSAGE_EDITED')).toHaveLength(1);
    expect((await alice.ask(`HISTORY ${bob.name}`)).data[1]).toEqual(tombstone);
    // Bob's own message stays his to change.
    expect(await bob.ask(`DELETE ${kept}`)).toEqual(OK('pesan dihapus'));
    expect(alice.pushes('MESSAGE_DELETED')).toEqual([push, { event: 'MESSAGE_DELETED', id: kept }]);
  });

  it('a file message cannot be edited; its DELETE removes the object and the record', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const id = await (async () => {
      const answer = await alice.ask(`SEND_FILE ${bob.name} a.txt aGFsbw==`);
      expect(answer).toEqual(OK('file terkirim', { id: answer.id }));
      return answer.id as string;
    })();
    const objectKey = `files/${id}/a.txt`;
    expect(s3Calls).toContain(`PutObjectCommand ${objectKey}`);
    expect(await alice.ask(`EDIT ${id} bukan file`)).toEqual(ERR(EDIT_FAILED, 'not_editable'));
    expect(bob.pushes('MESSAGE_EDITED')).toEqual([]);
    expect((await bob.ask(`FILE_URL ${id}`)).status).toBe('OK');
    const sentAt = (await bob.ask(`HISTORY ${alice.name}`)).data[0].sentAt;

    expect(await alice.ask(`DELETE ${id}`)).toEqual(OK('pesan dihapus'));
    expect(s3Calls.filter((call) => call.includes(id))).toEqual([
      `PutObjectCommand ${objectKey}`,
      `DeleteObjectCommand ${objectKey}`,
    ]);
    expect(bob.pushes('MESSAGE_DELETED')).toEqual([{ event: 'MESSAGE_DELETED', id }]);
    expect(await bob.ask(`FILE_URL ${id}`)).toEqual(ERR('link file gagal', 'unknown_file'));
    expect(await alice.ask(`FILE_URL ${id}`)).toEqual(ERR('link file gagal', 'unknown_file'));
    expect(await item(keys.file(id))).toBeUndefined();
    expect(await bob.ask(`HISTORY ${alice.name}`)).toEqual(
      OK([
        {
          event: 'FILE',
          id,
          from: alice.name,
          to: bob.name,
          sentAt,
          deleted: true,
          deletedAt: expect.any(String),
        },
      ]),
    );
    expect(await alice.ask(`DELETE ${id}`)).toEqual(ERR(DELETE_FAILED, 'unknown_message'));
    expect(await alice.ask(`EDIT ${id} x`)).toEqual(ERR(EDIT_FAILED, 'unknown_message'));
  });

  it('a DELETE that stopped after the tombstone is finished by the next one; EDIT of it is unknown_message', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const text = await sent(alice, `SEND ${bob.name} setengah`);
    const fileAnswer = await alice.ask(`SEND_FILE ${bob.name} b.txt aGFsbw==`);
    const file = fileAnswer.id as string;
    const firstAt = iso(Date.now() - 1000);
    // What an interrupted DELETE leaves: the tombstone, with the pointer (and the file) still there.
    for (const id of [text, file])
      expect(await tombstoneMessage(keys.directMessage(alice.name, bob.name, id), firstAt)).toBeDefined();

    expect(await alice.ask(`EDIT ${text} tidak bisa`)).toEqual(ERR(EDIT_FAILED, 'unknown_message'));
    expect(await alice.ask(`DELETE ${text}`)).toEqual(OK('pesan dihapus'));
    expect(await alice.ask(`DELETE ${file}`)).toEqual(OK('pesan dihapus'));
    expect(s3Calls).toContain(`DeleteObjectCommand files/${file}/b.txt`);
    expect(await item(keys.file(file))).toBeUndefined();
    expect(await item(keys.messageRef(text))).toBeUndefined();
    expect(await item(keys.messageRef(file))).toBeUndefined();
    expect(bob.pushes('MESSAGE_DELETED')).toEqual([
      { event: 'MESSAGE_DELETED', id: text },
      { event: 'MESSAGE_DELETED', id: file },
    ]);
    expect(bob.pushes('MESSAGE_EDITED')).toEqual([]);
    // The first DELETE's time stays.
    const history = (await bob.ask(`HISTORY ${alice.name}`)).data as Record<string, unknown>[];
    expect(history.map((m) => [m.id, m.deleted, m.deletedAt])).toEqual([
      [file, true, firstAt],
      [text, true, firstAt],
    ]);
    expect(await alice.ask(`DELETE ${text}`)).toEqual(ERR(DELETE_FAILED, 'unknown_message'));
  });

  it('a pointer whose message is gone answers unknown_message and tells nobody', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const id = await sent(alice, `SEND ${bob.name} hilang`);
    await db.send(new DeleteCommand({ TableName: TABLE, Key: keys.directMessage(bob.name, alice.name, id) }));
    expect(await item(keys.messageRef(id))).toBeDefined();
    expect(await alice.ask(`EDIT ${id} x`)).toEqual(ERR(EDIT_FAILED, 'unknown_message'));
    expect(await alice.ask(`DELETE ${id}`)).toEqual(ERR(DELETE_FAILED, 'unknown_message'));
    expect(pushesOf([alice, bob], 'MESSAGE_EDITED', 'MESSAGE_DELETED')).toEqual([[], []]);
    expect(await bob.ask(`HISTORY ${alice.name}`)).toEqual(OK([]));
  });

  it('a conversation with yourself: each of your other devices is told once, and your READ tells nobody', async () => {
    const alice = await t.user('alice');
    const alice2 = await login(alice.name);
    const id = await sent(alice, `SEND ${alice.name} catatan`);
    expect(await alice.ask(`EDIT ${id} catatan baru`)).toEqual(OK('pesan diubah'));
    expect(pushesOf([alice, alice2], 'MESSAGE_EDITED')).toEqual([
      [],
      [{ event: 'MESSAGE_EDITED', id, message: 'catatan baru', editedAt: expect.any(String) }],
    ]);
    expect(await alice2.ask(`READ ${alice.name} ${id}`)).toEqual(READ_OK);
    expect(pushesOf([alice, alice2], 'READ')).toEqual([[], []]);
    expect((await alice.ask(`HISTORY ${alice.name}`)).readUpTo).toBe(id);
    expect(await alice2.ask(`DELETE ${id}`)).toEqual(OK('pesan dihapus'));
    expect(pushesOf([alice, alice2], 'MESSAGE_DELETED')).toEqual([[{ event: 'MESSAGE_DELETED', id }], []]);
  });

  it('the edit window: 24 h after the id’s time is still in, a millisecond later too_late for any id', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const id = await sent(alice, `SEND ${bob.name} lama`);
    const other = await sent(alice, `SEND ${bob.name} lama juga`);
    const last = idTime(id) + DAY_MS;
    const inTime = await login(alice.name, last);
    expect(await inTime.ask(`EDIT ${id} tepat waktu`)).toEqual(OK('pesan diubah'));
    expect((await bob.ask(`HISTORY ${alice.name}`)).data[1]).toMatchObject({
      id,
      message: 'tepat waktu',
      editedAt: iso(last),
    });
    const bobInTime = await login(bob.name, last);
    expect(await bobInTime.ask(`EDIT ${id} bukan`)).toEqual(ERR(EDIT_FAILED, 'unknown_message'));

    const late = await login(alice.name, last + 1);
    expect(await late.ask(`EDIT ${id} terlambat`)).toEqual(ERR(EDIT_FAILED, 'too_late'));
    expect(await late.ask(`DELETE ${id}`)).toEqual(ERR(DELETE_FAILED, 'too_late'));
    // Decided from the id alone: someone else's, or no message at all.
    const bobLate = await login(bob.name, last + 1);
    expect(await bobLate.ask(`EDIT ${id} bukan`)).toEqual(ERR(EDIT_FAILED, 'too_late'));
    expect(await bobLate.ask(`DELETE ${id}`)).toEqual(ERR(DELETE_FAILED, 'too_late'));
    expect(await alice.ask(`EDIT ${newId(Date.now() - DAY_MS - 60_000)} x`)).toEqual(
      ERR(EDIT_FAILED, 'too_late'),
    );
    expect((await bob.ask(`HISTORY ${alice.name}`)).data[1]).toMatchObject({ message: 'tepat waktu' });

    const deleter = await login(alice.name, idTime(other) + DAY_MS);
    expect(await deleter.ask(`DELETE ${other}`)).toEqual(OK('pesan dihapus'));
    expect((await bob.ask(`HISTORY ${alice.name}`)).data[0]).toMatchObject({ id: other, deleted: true });
  });
});

describe('EDIT and DELETE of group messages', () => {
  it('are pushed to every online member’s devices but the editing one, and shown in GROUP_HISTORY', async () => {
    const g = await t.group('alice', 'bob', 'carol');
    const [alice, bob, carol] = g.users as [User, User, User];
    const dave = await t.user('dave');
    const alice2 = await login(alice.name);
    const now = Date.now();
    const editor = await login(alice.name, now);
    const id = await sent(alice, `SEND_GROUP ${g.name} pertama`);
    const sentAt = (await carol.ask(`GROUP_HISTORY ${g.name}`)).data[0].sentAt;
    const jobsBefore = t.jobs.length;

    expect(await editor.ask(`EDIT ${id} kedua kali`)).toEqual(OK('pesan diubah'));
    const edited = { event: 'MESSAGE_EDITED', id, message: 'kedua kali', editedAt: iso(now) };
    const everyone = [alice, alice2, bob, carol, editor, dave];
    expect(pushesOf(everyone, 'MESSAGE_EDITED')).toEqual([[edited], [edited], [edited], [edited], [], []]);
    const message = { event: 'GROUP_MESSAGE', id, group: g.name, from: alice.name, sentAt };
    expect(await carol.ask(`GROUP_HISTORY ${g.name}`)).toEqual(
      OK([{ ...message, message: 'kedua kali', editedAt: iso(now) }]),
    );

    expect(await bob.ask(`EDIT ${id} punyaku`)).toEqual(ERR(EDIT_FAILED, 'unknown_message'));
    expect(await bob.ask(`DELETE ${id}`)).toEqual(ERR(DELETE_FAILED, 'unknown_message'));
    expect(await dave.ask(`DELETE ${id}`)).toEqual(ERR(DELETE_FAILED, 'unknown_message'));

    expect(await editor.ask(`DELETE ${id}`)).toEqual(OK('pesan dihapus'));
    const deleted = { event: 'MESSAGE_DELETED', id };
    expect(pushesOf(everyone, 'MESSAGE_DELETED')).toEqual([
      [deleted],
      [deleted],
      [deleted],
      [deleted],
      [],
      [],
    ]);
    expect(await bob.ask(`GROUP_HISTORY ${g.name}`)).toEqual(
      OK([{ ...message, deleted: true, deletedAt: iso(now) }]),
    );
    // A small group is told from the request: nothing was left to the worker.
    expect(t.jobs.slice(jobsBefore)).toEqual([]);
    expect(await editor.ask(`EDIT ${id} x`)).toEqual(ERR(EDIT_FAILED, 'unknown_message'));
  });

  it('a group file cannot be edited; its DELETE removes the object and tells the members', async () => {
    const g = await t.group('alice', 'bob');
    const [alice, bob] = g.users as [User, User];
    const answer = await alice.ask(`SEND_GROUP_FILE ${g.name} c.txt aGFsbw==`);
    expect(answer.status).toBe('OK');
    const id = answer.id as string;
    expect(await alice.ask(`EDIT ${id} x`)).toEqual(ERR(EDIT_FAILED, 'not_editable'));
    const sentAt = (await bob.ask(`GROUP_HISTORY ${g.name}`)).data[0].sentAt;
    expect(await alice.ask(`DELETE ${id}`)).toEqual(OK('pesan dihapus'));
    expect(s3Calls).toContain(`DeleteObjectCommand files/${id}/c.txt`);
    expect(bob.pushes('MESSAGE_DELETED')).toEqual([{ event: 'MESSAGE_DELETED', id }]);
    expect(alice.pushes('MESSAGE_DELETED')).toEqual([]);
    expect(await bob.ask(`FILE_URL ${id}`)).toEqual(ERR('link file gagal', 'unknown_file'));
    expect(await bob.ask(`GROUP_HISTORY ${g.name}`)).toEqual(
      OK([
        {
          event: 'GROUP_FILE',
          id,
          group: g.name,
          from: alice.name,
          sentAt,
          deleted: true,
          deletedAt: expect.any(String),
        },
      ]),
    );
  });

  it('a member who left may delete but not edit their group messages', async () => {
    const g = await t.group('alice', 'bob', 'carol');
    const [alice, bob, carol] = g.users as [User, User, User];
    const id = await sent(bob, `SEND_GROUP ${g.name} sebelum pergi`);
    expect(await bob.ask(`GROUP_LEAVE ${g.name}`)).toMatchObject({ status: 'OK' });
    expect(await bob.ask(`EDIT ${id} sesudah pergi`)).toEqual(ERR(EDIT_FAILED, 'not_a_member'));
    expect(pushesOf([alice, carol], 'MESSAGE_EDITED')).toEqual([[], []]);
    expect((await alice.ask(`GROUP_HISTORY ${g.name}`)).data[0]).toMatchObject({
      id,
      message: 'sebelum pergi',
    });
    expect(await bob.ask(`DELETE ${id}`)).toEqual(OK('pesan dihapus'));
    const push = { event: 'MESSAGE_DELETED', id };
    expect(pushesOf([alice, carol, bob], 'MESSAGE_DELETED')).toEqual([[push], [push], []]);
    expect((await alice.ask(`GROUP_HISTORY ${g.name}`)).data[0]).toMatchObject({
      id,
      from: bob.name,
      deleted: true,
    });
  });
});

describe('READ', () => {
  it('moves the reader’s cursor forward only and tells the other user’s devices when it moves', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    const alice2 = await login(alice.name);
    const bob2 = await login(bob.name);
    const now = Date.now();
    const reader = await login(bob.name, now);
    const m1 = await sent(alice, `SEND ${bob.name} satu`);
    const m2 = await sent(alice, `SEND ${bob.name} dua`);
    const m3 = await sent(bob, `SEND ${alice.name} tiga`);
    expect(await alice.ask(`HISTORY ${bob.name}`)).not.toHaveProperty('readUpTo');

    expect(await reader.ask(`READ ${alice.name} ${m1}`)).toEqual(READ_OK);
    const read1 = alice.pushes('READ')[0];
    expect(read1).toEqual({ event: 'READ', id: expect.stringMatching(ID), by: bob.name, upTo: m1 });
    expect(idTime(String(read1?.id))).toBe(now);
    expect(pushesOf([alice, alice2, bob, bob2, reader, carol], 'READ')).toEqual([
      [read1],
      [read1],
      [],
      [],
      [],
      [],
    ]);
    expect((await alice.ask(`HISTORY ${bob.name}`)).readUpTo).toBe(m1);
    // Alice has read nothing: Bob's page has no cursor.
    expect(await bob.ask(`HISTORY ${alice.name}`)).not.toHaveProperty('readUpTo');

    // A message of either direction; the newest so far.
    expect(await reader.ask(`READ ${alice.name} ${m3}`)).toEqual(READ_OK);
    expect(alice.pushes('READ')).toEqual([
      read1,
      { event: 'READ', id: expect.stringMatching(ID), by: bob.name, upTo: m3 },
    ]);
    // Back, or the same again: OK, and nothing moves or is told.
    expect(await bob.ask(`READ ${alice.name} ${m2}`)).toEqual(READ_OK);
    expect(await bob2.ask(`READ ${alice.name} ${m3}`)).toEqual(READ_OK);
    expect(pushesOf([alice, alice2], 'READ').map((p) => p.length)).toEqual([2, 2]);
    expect((await alice.ask(`HISTORY ${bob.name}`)).readUpTo).toBe(m3);
    expect(await item(keys.readCursor(keys.directMessage(alice.name, bob.name, '').pk, bob.name))).toEqual(
      expect.objectContaining({ upTo: m3, readAt: iso(now) }),
    );

    // Alice's own cursor of the same conversation is hers alone.
    expect(await alice.ask(`READ ${bob.name} ${m2}`)).toEqual(READ_OK);
    const byAlice = { event: 'READ', id: expect.stringMatching(ID), by: alice.name, upTo: m2 };
    expect(pushesOf([bob, bob2, reader, alice, alice2], 'READ').map((p) => p.at(-1))).toEqual([
      byAlice,
      byAlice,
      byAlice,
      expect.objectContaining({ by: bob.name }),
      expect.objectContaining({ by: bob.name }),
    ]);
    expect((await bob.ask(`HISTORY ${alice.name}`)).readUpTo).toBe(m2);
    expect((await alice.ask(`HISTORY ${bob.name}`)).readUpTo).toBe(m3);
    expect(pushesOf([carol], 'READ')).toEqual([[]]);
  });

  it('answers unknown_message for an id of another conversation, and checks its parameters', async () => {
    const g = await t.group('alice', 'bob');
    const [alice, bob] = g.users as [User, User];
    const carol = await t.user('carol');
    const elsewhere = await sent(alice, `SEND ${carol.name} bukan untukmu`);
    const inGroup = await sent(alice, `SEND_GROUP ${g.name} grup`);
    await sent(alice, `SEND ${bob.name} ada`);
    for (const id of [elsewhere, inGroup, newId()])
      expect(await bob.ask(`READ ${alice.name} ${id}`), id).toEqual(ERR(READ_FAILED, 'unknown_message'));
    expect(await bob.ask(`READ ${alice.name}x ${elsewhere}`)).toEqual(ERR(READ_FAILED, 'unknown_recipient'));
    for (const bad of [`READ ${alice.name}`, 'READ', `READ ${alice.name} nope`, `READ a ${elsewhere}`])
      expect(await bob.ask(bad), bad).toEqual(ERR(READ_FAILED, 'bad_request'));
    expect(await (await t.device()).ask(`READ ${alice.name} ${elsewhere}`)).toEqual(
      ERR(READ_FAILED, 'not_authenticated'),
    );
    expect(pushesOf([alice, carol], 'READ')).toEqual([[], []]);
    expect(await alice.ask(`HISTORY ${bob.name}`)).not.toHaveProperty('readUpTo');
    expect(await alice.ask(`HISTORY ${carol.name}`)).not.toHaveProperty('readUpTo');
  });
});

describe('READ_GROUP', () => {
  it('tells only the sender of the message, once per forward move of each reader’s cursor', async () => {
    const g = await t.group('alice', 'bob', 'carol');
    const [alice, bob, carol] = g.users as [User, User, User];
    const carolName = (g.users[2] as { name: string }).name;
    const alice2 = await login(alice.name);
    const now = Date.now();
    const reader = await login(carolName, now);
    const m1 = await sent(alice, `SEND_GROUP ${g.name} dari alice`);
    const m2 = await sent(bob, `SEND_GROUP ${g.name} dari bob`);

    expect(await reader.ask(`READ_GROUP ${g.name} ${m1}`)).toEqual(READ_OK);
    const toAlice = { event: 'READ', id: expect.stringMatching(ID), by: carolName, group: g.name, upTo: m1 };
    const everyone = [alice, alice2, bob, carol, reader];
    expect(pushesOf(everyone, 'READ')).toEqual([[toAlice], [toAlice], [], [], []]);
    expect(idTime(String(alice.pushes('READ')[0]?.id))).toBe(now);

    expect(await carol.ask(`READ_GROUP ${g.name} ${m2}`)).toEqual(READ_OK);
    const toBob = { ...toAlice, upTo: m2 };
    expect(pushesOf(everyone, 'READ')).toEqual([[toAlice], [toAlice], [toBob], [], []]);
    // Behind or at the cursor: nothing.
    expect(await carol.ask(`READ_GROUP ${g.name} ${m1}`)).toEqual(READ_OK);
    expect(await carol.ask(`READ_GROUP ${g.name} ${m2}`)).toEqual(READ_OK);
    // Bob's cursor is his own; reading his own message tells nobody, but moves it past Alice's.
    expect(await bob.ask(`READ_GROUP ${g.name} ${m2}`)).toEqual(READ_OK);
    expect(await bob.ask(`READ_GROUP ${g.name} ${m1}`)).toEqual(READ_OK);
    expect(pushesOf(everyone, 'READ').map((p) => p.length)).toEqual([1, 1, 1, 0, 0]);
    const groupPk = keys.groupMessage(g.name, '').pk;
    expect(await item(keys.readCursor(groupPk, bob.name))).toMatchObject({ upTo: m2 });
    expect(await item(keys.readCursor(groupPk, carolName))).toMatchObject({ upTo: m2 });
    expect(await alice.ask(`GROUP_HISTORY ${g.name}`)).not.toHaveProperty('readUpTo');
  });

  it('answers not_a_member, unknown_group and unknown_message, and checks its parameters', async () => {
    const g = await t.group('alice', 'bob');
    const [alice, bob] = g.users as [User, User];
    const other = t.fresh('grp');
    expect(await alice.ask(`GROUP_CREATE ${other}`)).toEqual(OK('grup berhasil dibuat'));
    const dave = await t.user('dave');
    const m = await sent(alice, `SEND_GROUP ${g.name} halo`);
    const elsewhere = await sent(alice, `SEND_GROUP ${other} lain`);
    const direct = await sent(alice, `SEND ${dave.name} pribadi`);
    expect(await dave.ask(`READ_GROUP ${g.name} ${m}`)).toEqual(ERR(READ_FAILED, 'not_a_member'));
    expect(await dave.ask(`READ_GROUP ${g.name} ${newId()}`)).toEqual(ERR(READ_FAILED, 'not_a_member'));
    expect(await bob.ask(`READ_GROUP ${g.name}x ${m}`)).toEqual(ERR(READ_FAILED, 'unknown_group'));
    for (const id of [elsewhere, direct, newId()])
      expect(await bob.ask(`READ_GROUP ${g.name} ${id}`), id).toEqual(ERR(READ_FAILED, 'unknown_message'));
    for (const bad of [
      `READ_GROUP ${g.name}`,
      `READ_GROUP ${g.name} ${m} x`,
      `READ_GROUP ${g.name} x`,
      `READ_GROUP a!b ${m}`,
      'READ_GROUP',
    ])
      expect(await bob.ask(bad), bad).toEqual(ERR(READ_FAILED, 'bad_request'));
    expect(await (await t.device()).ask(`READ_GROUP ${g.name} ${m}`)).toEqual(
      ERR(READ_FAILED, 'not_authenticated'),
    );
    expect(alice.pushes('READ')).toEqual([]);
    expect(await bob.ask(`READ_GROUP ${g.name} ${m}`)).toEqual(READ_OK);
    expect(alice.pushes('READ')).toHaveLength(1);
  });
});

describe('SEND_ID', () => {
  it('a retry with the same client id answers the same id and stores and pushes once', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const carol = await t.user('carol');
    const alice2 = await login(alice.name);
    const id = await sent(alice, `SEND_ID retry-0001 ${bob.name} halo  dunia`);
    const message = {
      event: 'MESSAGE',
      id,
      from: alice.name,
      to: bob.name,
      message: 'halo  dunia',
      sentAt: iso(idTime(id)),
    };
    expect(bob.pushes('MESSAGE')).toEqual([message]);
    expect(await item(keys.sendClaim(alice.name, 'retry-0001'))).toMatchObject({ id, done: true });

    expect(await alice.ask(`SEND_ID retry-0001 ${bob.name} halo  dunia`)).toEqual(SENT(id));
    expect(await alice2.ask(`SEND_ID retry-0001 ${bob.name} halo  dunia`)).toEqual(SENT(id));
    expect(bob.pushes('MESSAGE')).toEqual([message]);
    expect(await bob.ask(`HISTORY ${alice.name}`)).toEqual(OK([message]));

    // The same client id for something else: refused, nothing sent.
    expect(await alice.ask(`SEND_ID retry-0001 ${bob.name} halo dunia`)).toEqual(
      ERR(SEND_FAILED, 'client_id_reused'),
    );
    expect(await alice.ask(`SEND_ID retry-0001 ${carol.name} halo  dunia`)).toEqual(
      ERR(SEND_FAILED, 'client_id_reused'),
    );
    expect(bob.pushes('MESSAGE')).toEqual([message]);
    expect(carol.pushes('MESSAGE')).toEqual([]);
    expect(await carol.ask(`HISTORY ${alice.name}`)).toEqual(OK([]));

    // Per user: Carol's retry-0001 is another message.
    const carols = await sent(carol, `SEND_ID retry-0001 ${bob.name} halo  dunia`);
    expect(carols).not.toBe(id);
    expect(bob.pushes('MESSAGE').map((p) => [p.id, p.from])).toEqual([
      [id, alice.name],
      [carols, carol.name],
    ]);
    // A new client id is a new message.
    const next = await sent(alice, `SEND_ID retry-0002 ${bob.name} halo  dunia`);
    expect(next).not.toBe(id);
    expect((await bob.ask(`HISTORY ${alice.name}`)).data.map((m: { id: string }) => m.id)).toEqual([
      next,
      id,
    ]);
  });

  it('checks the client id and the rest as SEND does', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    for (const clientId of ['abcdefgh', 'Az09_-xy', 'x'.repeat(64)])
      await sent(alice, `SEND_ID ${clientId} ${bob.name} ok`);
    for (const bad of [
      `SEND_ID abcdefg ${bob.name} pendek`,
      `SEND_ID ${'y'.repeat(65)} ${bob.name} panjang`,
      `SEND_ID abcd.efgh ${bob.name} titik`,
      `SEND_ID abcdefgh ${bob.name}`,
      `SEND_ID ${bob.name} tanpa-id`,
      'SEND_ID',
    ])
      expect(await alice.ask(bad), bad).toEqual(ERR(SEND_FAILED, 'bad_request'));
    // Refused before any claim: the client id stays free.
    expect(await alice.ask(`SEND_ID unknown-01 ${bob.name}x hai`)).toEqual(
      ERR(SEND_FAILED, 'unknown_recipient'),
    );
    expect(await (await t.device()).ask(`SEND_ID unknown-01 ${bob.name} hai`)).toEqual(
      ERR(SEND_FAILED, 'not_authenticated'),
    );
    const id = await sent(alice, `SEND_ID unknown-01 ${bob.name} hai`);
    expect(bob.pushes('MESSAGE').map((p) => p.message)).toEqual(['ok', 'ok', 'ok', 'hai']);
    expect(bob.pushes('MESSAGE').at(-1)?.id).toBe(id);
  });

  it('forgets a client id 24 h after its claim, not before', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const start = Math.floor(Date.now() / 1000) * 1000;
    const first = await sent(await login(alice.name, start), `SEND_ID forget-me ${bob.name} sekali`);
    expect(idTime(first)).toBe(start);
    const lastSecond = await login(alice.name, start + CLAIM_TTL_MS + 999);
    expect(await lastSecond.ask(`SEND_ID forget-me ${bob.name} sekali`)).toEqual(SENT(first));
    expect(await lastSecond.ask(`SEND_ID forget-me ${bob.name} lain`)).toEqual(
      ERR(SEND_FAILED, 'client_id_reused'),
    );
    const after = await login(alice.name, start + CLAIM_TTL_MS + 1000);
    // A day on, bob's connection has expired: the message waits for him, so the answer does not say delivered.
    const { id: second } = await after.ask(`SEND_ID forget-me ${bob.name} lain`);
    expect(await lastSecond.ask(`SEND_ID forget-me ${bob.name} lain`)).toEqual(SENT(second));
    expect(idTime(second)).toBe(start + CLAIM_TTL_MS + 1000);
    expect((await bob.ask(`HISTORY ${alice.name}`)).data.map((m: { message: string }) => m.message)).toEqual([
      'lain',
      'sekali',
    ]);
  });

  it('finishes a claim whose attempt died half-way, under the claimed id and time', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const at = Date.now() - 20_000;
    const claimed = newId(at);
    const fingerprint = createHash('sha256').update(`user:${bob.name}\nyatim`).digest('hex');
    expect(await claimClientId(alice.key, 'orphan-01', { id: claimed, at, fingerprint }, Date.now())).toBe(
      undefined,
    );
    expect(await alice.ask(`SEND_ID orphan-01 ${bob.name} yatim`)).toEqual(DELIVERED(claimed));
    const message = {
      event: 'MESSAGE',
      id: claimed,
      from: alice.name,
      to: bob.name,
      message: 'yatim',
      sentAt: iso(at),
    };
    expect(bob.pushes('MESSAGE')).toEqual([message]);
    expect(await readClaim(alice.key, 'orphan-01', Date.now())).toEqual({
      id: claimed,
      at,
      fingerprint,
      done: true,
    });
    expect(await alice.ask(`SEND_ID orphan-01 ${bob.name} yatim`)).toEqual(SENT(claimed));
    expect(bob.pushes('MESSAGE')).toEqual([message]);
    expect(await bob.ask(`HISTORY ${alice.name}`)).toEqual(OK([message]));
  });

  it('waits for a claim still in progress: done meanwhile, nothing is sent again', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const at = Date.now();
    const claimed = newId(at);
    const fingerprint = createHash('sha256').update(`user:${bob.name}\nsedang`).digest('hex');
    await claimClientId(alice.key, 'racing-01', { id: claimed, at, fingerprint }, at);
    // Finished by its first attempt while the retry waits: just before the retry's second read of the claim (the
    // first is the failed claim's read-back, the second its first poll), whatever the wait's length.
    let reads = 0;
    intercept(dynamo, 'finish-racing-01', (next, context) => async (args) => {
      const claimRead =
        context.commandName === 'GetItemCommand' && JSON.stringify(args.input).includes('racing-01');
      if (claimRead && ++reads === 2) await markClaimDone(alice.key, 'racing-01', claimed);
      return next(args);
    });
    expect(await alice.ask(`SEND_ID racing-01 ${bob.name} sedang`)).toEqual(SENT(claimed));
    // It polled once more, found the claim done, and polled no further.
    expect(reads).toBe(2);
    expect(bob.pushes('MESSAGE')).toEqual([]);
    expect(await bob.ask(`HISTORY ${alice.name}`)).toEqual(OK([]));
  });

  it('marks done only the claim of that very id, and never makes one', async () => {
    const alice = await t.user('alice');
    const now = Date.now();
    const claim = { id: newId(now), at: now, fingerprint: 'f' };
    await claimClientId(alice.key, 'marking-1', claim, now);
    await markClaimDone(alice.key, 'marking-1', newId(now));
    expect(await readClaim(alice.key, 'marking-1', now)).toEqual({ ...claim, done: false });
    await markClaimDone(alice.key, 'marking-1', claim.id);
    expect(await readClaim(alice.key, 'marking-1', now)).toEqual({ ...claim, done: true });
    await markClaimDone(alice.key, 'marking-2', claim.id);
    expect(await item(keys.sendClaim(alice.name, 'marking-2'))).toBeUndefined();
    // Another claim of a held client id gets the holder's.
    expect(await claimClientId(alice.key, 'marking-1', { ...claim, id: newId(now) }, now)).toEqual({
      ...claim,
      done: true,
    });
  });

  it('takes over a claim still unfinished after the wait', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const at = Date.now();
    const claimed = newId(at);
    const fingerprint = createHash('sha256').update(`user:${bob.name}\nmacet`).digest('hex');
    await claimClientId(alice.key, 'stuck-001', { id: claimed, at, fingerprint }, at);
    expect(await alice.ask(`SEND_ID stuck-001 ${bob.name} macet`)).toEqual(DELIVERED(claimed));
    expect(bob.pushes('MESSAGE')).toEqual([
      { event: 'MESSAGE', id: claimed, from: alice.name, to: bob.name, message: 'macet', sentAt: iso(at) },
    ]);
    expect((await readClaim(alice.key, 'stuck-001', Date.now()))?.done).toBe(true);
  });

  it('a retry after the recipient deleted their account answers unknown_recipient', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const id = await sent(alice, `SEND_ID gone-0001 ${bob.name} pamit`);
    expect((await bob.ask(`DELETE_ACCOUNT ${PASSWORD}`)).status).toBe('OK');
    expect(await alice.ask(`SEND_ID gone-0001 ${bob.name} pamit`)).toEqual(
      ERR(SEND_FAILED, 'unknown_recipient'),
    );
    expect(id).toMatch(ID);
  });
});

describe('SEND_GROUP_ID', () => {
  it('a retry answers the same id and the group gets the message once', async () => {
    const g = await t.group('alice', 'bob', 'carol');
    const [alice, bob, carol] = g.users as [User, User, User];
    const dave = await t.user('dave');
    const id = await sent(alice, `SEND_GROUP_ID group-0001 ${g.name} hai  semua`);
    const message = {
      event: 'GROUP_MESSAGE',
      id,
      group: g.name,
      from: alice.name,
      message: 'hai  semua',
      sentAt: iso(idTime(id)),
    };
    expect(pushesOf([alice, bob, carol, dave], 'GROUP_MESSAGE')).toEqual([[], [message], [message], []]);
    expect(await alice.ask(`SEND_GROUP_ID group-0001 ${g.name} hai  semua`)).toEqual(SENT(id));
    expect(pushesOf([alice, bob, carol, dave], 'GROUP_MESSAGE')).toEqual([[], [message], [message], []]);
    expect(await carol.ask(`GROUP_HISTORY ${g.name}`)).toEqual(OK([message]));

    expect(await alice.ask(`SEND_GROUP_ID group-0001 ${g.name} hai semua`)).toEqual(
      ERR(SEND_FAILED, 'client_id_reused'),
    );
    // The same client id and text to a user is another audience.
    expect(await alice.ask(`SEND_ID group-0001 ${bob.name} hai  semua`)).toEqual(
      ERR(SEND_FAILED, 'client_id_reused'),
    );
    expect(bob.pushes('MESSAGE')).toEqual([]);
    // Per user: Bob's group-0001 is his own message.
    const bobs = await sent(bob, `SEND_GROUP_ID group-0001 ${g.name} hai  semua`);
    expect(bobs).not.toBe(id);
    expect(carol.pushes('GROUP_MESSAGE').map((p) => [p.id, p.from])).toEqual([
      [id, alice.name],
      [bobs, bob.name],
    ]);

    expect(await dave.ask(`SEND_GROUP_ID group-0001 ${g.name} hai  semua`)).toEqual(
      ERR(SEND_FAILED, 'not_a_member'),
    );
    expect(await dave.ask(`SEND_GROUP_ID group-0001 ${g.name}x hai`)).toEqual(
      ERR(SEND_FAILED, 'unknown_group'),
    );
    for (const bad of [`SEND_GROUP_ID short ${g.name} x`, `SEND_GROUP_ID group-0009 ${g.name}`])
      expect(await alice.ask(bad), bad).toEqual(ERR(SEND_FAILED, 'bad_request'));
    // Checked again on a retry: after leaving, not_a_member even though the first attempt got through.
    expect((await bob.ask(`GROUP_LEAVE ${g.name}`)).status).toBe('OK');
    expect(await bob.ask(`SEND_GROUP_ID group-0001 ${g.name} hai  semua`)).toEqual(
      ERR(SEND_FAILED, 'not_a_member'),
    );
    expect((await carol.ask(`GROUP_HISTORY ${g.name}`)).data).toHaveLength(2);
  });
});
