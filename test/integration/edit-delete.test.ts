/**
 * EDIT / DELETE over real WebSockets: only your own messages, within the window; the change pushed to the message's
 * audience (both sides of a private conversation, a group's online members); HISTORY showing edits and tombstones; a
 * message waiting for an offline recipient delivered as it now is (edited, or not at all); a deleted file gone.
 */
import { describe, expect, it } from 'vitest';
import { idCeil } from '../../shared/ids.js';
import type { ChatClient, Frame } from '../support/client.js';
import { PASSWORD, uniqueName, useEndpoint } from '../support/endpoint.js';
import { download } from '../support/files.js';

const env = useEndpoint();

const EDIT_FAILURE = { status: 'ERROR', data: 'pesan tidak diubah' };
const DELETE_FAILURE = { status: 'ERROR', data: 'pesan tidak dihapus' };

async function sendAndReceive(from: ChatClient, to: ChatClient, command: string, event = 'MESSAGE') {
  expect(await from.request(command)).toMatchObject({ status: 'OK' });
  return to.nextPush((p) => p.event === event);
}

/** A second device of a user, logged in. */
async function device(name: string): Promise<ChatClient> {
  const client = await env.connect();
  expect(await client.request(`AUTH ${name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
  await client.caughtUp();
  return client;
}

/** A registered user with no device online. */
async function offlineUser(prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  const setup = await env.connect();
  await setup.request(`REGISTER ${name} ${PASSWORD} ID ${prefix}`);
  return name;
}

/** The ids of a conversation as its HISTORY shows them, newest first. */
async function historyOf(client: ChatClient, command: string): Promise<Frame[]> {
  const page = await client.request(command);
  expect(page.status).toBe('OK');
  return page.data as Frame[];
}

describe('EDIT and DELETE of a private message', () => {
  it('pushes the change to both sides, and HISTORY shows the edit, then a tombstone', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const alice2 = await device(alice.name);
    const { id } = await sendAndReceive(alice.client, bob.client, `SEND ${bob.name} halo bob`);

    expect(await alice.client.request(`EDIT ${id} halo  bob, apa kabar?`)).toEqual({
      status: 'OK',
      data: 'pesan diubah',
    });
    const edited = await bob.client.nextPush((p) => p.event === 'MESSAGE_EDITED');
    expect(edited).toMatchObject({ event: 'MESSAGE_EDITED', id, message: 'halo  bob, apa kabar?' });
    expect(Date.parse(String(edited.editedAt))).not.toBeNaN();
    expect(await alice2.nextPush((p) => p.event === 'MESSAGE_EDITED')).toEqual(edited);
    // The editing connection itself is not told (it got the answer).
    const [shown] = await historyOf(bob.client, `HISTORY ${alice.name}`);
    expect(shown).toMatchObject({
      event: 'MESSAGE',
      id,
      message: 'halo  bob, apa kabar?',
      editedAt: edited.editedAt,
    });

    expect(await alice.client.request(`DELETE ${id}`)).toEqual({ status: 'OK', data: 'pesan dihapus' });
    expect(await bob.client.nextPush((p) => p.event === 'MESSAGE_DELETED')).toEqual({
      event: 'MESSAGE_DELETED',
      id,
    });
    await alice2.nextPush((p) => p.event === 'MESSAGE_DELETED');
    const [tombstone] = await historyOf(alice.client, `HISTORY ${bob.name}`);
    expect(tombstone).toMatchObject({ event: 'MESSAGE', id, from: alice.name, deleted: true });
    expect(tombstone).not.toHaveProperty('message');
    expect(tombstone).not.toHaveProperty('editedAt');
    expect(
      alice.client.pushes.filter((p) => p.event === 'MESSAGE_EDITED' || p.event === 'MESSAGE_DELETED'),
    ).toEqual([]);

    // Gone is gone: a deleted message can be neither edited nor deleted again.
    expect(await alice.client.request(`EDIT ${id} lagi`)).toEqual({
      ...EDIT_FAILURE,
      reason: 'unknown_message',
    });
    expect(await alice.client.request(`DELETE ${id}`)).toEqual({
      ...DELETE_FAILURE,
      reason: 'unknown_message',
    });
  });

  it("refuses someone else's message exactly as one that does not exist, and a message past the window", async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const { id } = await sendAndReceive(alice.client, bob.client, `SEND ${bob.name} punyaku`);
    const unknown = idCeil(Date.now() - 60_000);
    for (const target of [id, unknown]) {
      expect(await bob.client.request(`EDIT ${target} bukan`)).toEqual({
        ...EDIT_FAILURE,
        reason: 'unknown_message',
      });
      expect(await bob.client.request(`DELETE ${target}`)).toEqual({
        ...DELETE_FAILURE,
        reason: 'unknown_message',
      });
    }
    // The id carries its time: one made more than 24 hours ago is too late, whoever sent it.
    const old = idCeil(Date.now() - 25 * 3600 * 1000);
    expect(await alice.client.request(`EDIT ${old} telat`)).toEqual({ ...EDIT_FAILURE, reason: 'too_late' });
    expect(await alice.client.request(`DELETE ${old}`)).toEqual({ ...DELETE_FAILURE, reason: 'too_late' });
    for (const bad of [
      'EDIT',
      `EDIT ${id}`,
      'EDIT not-an-id teks',
      'DELETE',
      `DELETE ${id} more`,
      'DELETE 123',
    ]) {
      expect(await alice.client.request(bad)).toMatchObject({ status: 'ERROR', reason: 'bad_request' });
    }
    const anon = await env.connect();
    expect(await anon.request(`DELETE ${id}`)).toEqual({ ...DELETE_FAILURE, reason: 'not_authenticated' });
    // Nothing changed.
    const [shown] = await historyOf(bob.client, `HISTORY ${alice.name}`);
    expect(shown).toMatchObject({ id, message: 'punyaku' });
    expect(shown).not.toHaveProperty('editedAt');
  });
});

describe('EDIT and DELETE of a group message', () => {
  it("pushes the change to the group's online members, and refuses the other members", async () => {
    const {
      group,
      users: [alice, bob, carol],
    } = await env.group('alice', 'bob', 'carol');
    const { id } = await sendAndReceive(
      alice.client,
      bob.client,
      `SEND_GROUP ${group} rapat jam 3`,
      'GROUP_MESSAGE',
    );
    await carol.client.nextPush((p) => p.event === 'GROUP_MESSAGE');

    expect(await bob.client.request(`EDIT ${id} rapat batal`)).toEqual({
      ...EDIT_FAILURE,
      reason: 'unknown_message',
    });
    expect(await bob.client.request(`DELETE ${id}`)).toEqual({
      ...DELETE_FAILURE,
      reason: 'unknown_message',
    });

    expect(await alice.client.request(`EDIT ${id} rapat jam 4`)).toMatchObject({ status: 'OK' });
    for (const member of [bob, carol]) {
      expect(await member.client.nextPush((p) => p.event === 'MESSAGE_EDITED')).toMatchObject({
        id,
        message: 'rapat jam 4',
      });
    }
    const [edited] = await historyOf(carol.client, `GROUP_HISTORY ${group}`);
    expect(edited).toMatchObject({ event: 'GROUP_MESSAGE', id, message: 'rapat jam 4' });
    expect(edited?.editedAt).toEqual(expect.any(String));

    expect(await alice.client.request(`DELETE ${id}`)).toMatchObject({ status: 'OK' });
    for (const member of [bob, carol]) {
      expect(await member.client.nextPush((p) => p.event === 'MESSAGE_DELETED')).toEqual({
        event: 'MESSAGE_DELETED',
        id,
      });
    }
    const [tombstone] = await historyOf(bob.client, `GROUP_HISTORY ${group}`);
    expect(tombstone).toMatchObject({ event: 'GROUP_MESSAGE', id, group, deleted: true });
    expect(tombstone).not.toHaveProperty('message');
  });
});

describe('a group message of a member who left', () => {
  it('can no longer be edited, and can still be deleted', async () => {
    const {
      group,
      users: [alice, bob],
    } = await env.group('alice', 'bob');
    const { id } = await sendAndReceive(
      bob.client,
      alice.client,
      `SEND_GROUP ${group} pamit`,
      'GROUP_MESSAGE',
    );
    expect(await bob.client.request(`GROUP_LEAVE ${group}`)).toMatchObject({ status: 'OK' });
    expect(await bob.client.request(`EDIT ${id} diganti`)).toEqual({
      ...EDIT_FAILURE,
      reason: 'not_a_member',
    });
    expect(await bob.client.request(`DELETE ${id}`)).toMatchObject({ status: 'OK' });
    expect(await alice.client.nextPush((p) => p.event === 'MESSAGE_DELETED')).toMatchObject({ id });
  });
});

describe('a message waiting for an offline recipient', () => {
  it('is delivered as edited, and a deleted one not at all (private)', async () => {
    const alice = await env.user('alice');
    const bobName = await offlineUser('bob');
    for (const text of ['pertama', 'kedua', 'ketiga']) await alice.client.request(`SEND ${bobName} ${text}`);
    const [third, second, first] = await historyOf(alice.client, `HISTORY ${bobName}`);
    expect(await alice.client.request(`EDIT ${first?.id} pertama (diubah)`)).toMatchObject({ status: 'OK' });
    expect(await alice.client.request(`DELETE ${second?.id}`)).toMatchObject({ status: 'OK' });

    const bob = await device(bobName);
    const got = bob.log.filter((f) => f.event === 'MESSAGE');
    expect(got.map((f) => [f.id, f.message])).toEqual([
      [first?.id, 'pertama (diubah)'],
      [third?.id, 'ketiga'],
    ]);
    expect(got[0]?.editedAt).toEqual(expect.any(String));
    expect(await bob.request('INBOX')).toEqual({ status: 'OK', data: [] });
  });

  it('is delivered as edited, and a deleted one not at all (group log)', async () => {
    const {
      group,
      users: [alice, bob],
    } = await env.group('alice', 'bob');
    expect(await bob.client.request('LOGOUT')).toMatchObject({ status: 'OK' });
    for (const text of ['satu', 'dua', 'tiga']) await alice.client.request(`SEND_GROUP ${group} ${text}`);
    const [three, two, one] = await historyOf(alice.client, `GROUP_HISTORY ${group}`);
    await alice.client.request(`EDIT ${three?.id} tiga!`);
    await alice.client.request(`DELETE ${one?.id}`);

    const back = await device(bob.name);
    expect(back.log.filter((f) => f.event === 'GROUP_MESSAGE').map((f) => [f.id, f.message])).toEqual([
      [two?.id, 'dua'],
      [three?.id, 'tiga!'],
    ]);
  });
});

describe('a file message', () => {
  it('cannot be edited; deleted, its link and FILE_URL no longer serve it', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const content = Buffer.from('rahasia perusahaan').toString('base64');
    const file = await sendAndReceive(
      alice.client,
      bob.client,
      `SEND_FILE ${bob.name} memo.txt ${content}`,
      'FILE',
    );
    expect((await download(String(file.url))).status).toBe(200);

    expect(await alice.client.request(`EDIT ${file.id} memo baru`)).toEqual({
      ...EDIT_FAILURE,
      reason: 'not_editable',
    });
    expect(await alice.client.request(`DELETE ${file.id}`)).toEqual({ status: 'OK', data: 'pesan dihapus' });
    expect(await bob.client.nextPush((p) => p.event === 'MESSAGE_DELETED')).toMatchObject({ id: file.id });

    expect((await download(String(file.url))).status).not.toBe(200);
    expect(await bob.client.request(`FILE_URL ${file.id}`)).toEqual({
      status: 'ERROR',
      data: 'link file gagal',
      reason: 'unknown_file',
    });
    const [tombstone] = await historyOf(bob.client, `HISTORY ${alice.name}`);
    expect(tombstone).toMatchObject({ event: 'FILE', id: file.id, deleted: true });
    for (const gone of ['url', 'filename', 'size', 'objectKey']) expect(tombstone).not.toHaveProperty(gone);
  });
});
