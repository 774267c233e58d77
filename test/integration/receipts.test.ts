/**
 * READ / READ_GROUP over real WebSockets: a read cursor per reader and conversation that only moves forward, the READ
 * push to the other side (in a group: the message's sender only), and HISTORY's `readUpTo`.
 */
import { describe, expect, it } from 'vitest';
import type { ChatClient, Frame } from '../support/client.js';
import { PASSWORD, uniqueName, useEndpoint } from '../support/endpoint.js';

const env = useEndpoint();

/** A well-formed id no message has (the time of 2001). */
const NO_SUCH_ID = '00XG8QK0000000000000000000';

async function sendAndReceive(from: ChatClient, to: ChatClient, command: string): Promise<string> {
  expect(await from.request(command)).toMatchObject({ status: 'OK' });
  const push = await to.nextPush((p) => p.event === 'MESSAGE' || p.event === 'GROUP_MESSAGE');
  return String(push.id);
}

describe('READ', () => {
  it('moves the reader cursor forward only, tells the other side, and shows in their HISTORY', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const first = await sendAndReceive(alice.client, bob.client, `SEND ${bob.name} satu`);
    const second = await sendAndReceive(alice.client, bob.client, `SEND ${bob.name} dua`);

    expect(await bob.client.request(`READ ${alice.name} ${second}`)).toEqual({
      status: 'OK',
      data: 'pesan ditandai terbaca',
    });
    const read = await alice.client.nextPush((p) => p.event === 'READ');
    expect(read).toMatchObject({ event: 'READ', by: bob.name, upTo: second });
    expect(read.id).toMatch(/^[0-9A-Z]{26}$/);
    expect(read.id).not.toBe(second);

    // Alice sees how far bob read; bob, whom alice has not read, sees no cursor.
    expect(await alice.client.request(`HISTORY ${bob.name}`)).toMatchObject({ readUpTo: second });
    expect(await bob.client.request(`HISTORY ${alice.name}`)).not.toHaveProperty('readUpTo');

    // An older id answers OK and changes nothing: the cursor stays, and alice is told nothing.
    expect(await bob.client.request(`READ ${alice.name} ${first}`)).toMatchObject({ status: 'OK' });
    expect(await alice.client.request(`HISTORY ${bob.name}`)).toMatchObject({ readUpTo: second });
    const third = await sendAndReceive(alice.client, bob.client, `SEND ${bob.name} tiga`);
    await bob.client.request(`READ ${alice.name} ${third}`);
    // The next READ alice gets is the third: none was pushed for the backward one.
    expect(await alice.client.nextPush((p) => p.event === 'READ')).toMatchObject({ upTo: third });
    expect(await alice.client.request(`HISTORY ${bob.name}`)).toMatchObject({ readUpTo: third });

    // Alice reading her own side: bob's HISTORY now carries alice's cursor, and bob got a READ.
    await alice.client.request(`READ ${bob.name} ${third}`);
    expect(await bob.client.nextPush((p) => p.event === 'READ')).toMatchObject({
      by: alice.name,
      upTo: third,
    });
    expect(await bob.client.request(`HISTORY ${alice.name}`)).toMatchObject({ readUpTo: third });
  });

  it('accepts only a message of that very conversation', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const carol = await env.user('carol');
    const id = await sendAndReceive(alice.client, bob.client, `SEND ${bob.name} rahasia`);
    const failure = { status: 'ERROR', data: 'pesan gagal ditandai terbaca' };
    // Carol names alice and a message of alice and bob's: not in carol's conversation with alice.
    expect(await carol.client.request(`READ ${alice.name} ${id}`)).toEqual({
      ...failure,
      reason: 'unknown_message',
    });
    expect(await bob.client.request(`READ ${alice.name} ${NO_SUCH_ID}`)).toEqual({
      ...failure,
      reason: 'unknown_message',
    });
    expect(await bob.client.request(`READ ${uniqueName('ghost')} ${id}`)).toEqual({
      ...failure,
      reason: 'unknown_recipient',
    });
    for (const bad of [
      `READ ${alice.name}`,
      `READ ${alice.name} not-an-id`,
      `READ ${alice.name} ${id} more`,
    ]) {
      expect(await bob.client.request(bad)).toEqual({ ...failure, reason: 'bad_request' });
    }
    const anon = await env.connect();
    expect(await anon.request(`READ ${alice.name} ${id}`)).toEqual({
      ...failure,
      reason: 'not_authenticated',
    });
    // None of these moved anything.
    expect(await alice.client.request(`HISTORY ${bob.name}`)).not.toHaveProperty('readUpTo');
  });
});

describe('READ_GROUP', () => {
  it("tells only the message's sender, and GROUP_HISTORY carries nothing more", async () => {
    const {
      group,
      users: [alice, bob, carol],
    } = await env.group('alice', 'bob', 'carol');
    const id = await sendAndReceive(alice.client, bob.client, `SEND_GROUP ${group} rapat jam 3`);
    await carol.client.nextPush((p) => p.event === 'GROUP_MESSAGE');

    expect(await bob.client.request(`READ_GROUP ${group} ${id}`)).toEqual({
      status: 'OK',
      data: 'pesan ditandai terbaca',
    });
    expect(await alice.client.nextPush((p) => p.event === 'READ')).toMatchObject({
      by: bob.name,
      group,
      upTo: id,
    });
    // Carol (a member, not the sender) is not told: the next push she gets is the next message.
    await sendAndReceive(bob.client, carol.client, `SEND_GROUP ${group} oke`);
    expect(carol.client.pushes.filter((p: Frame) => p.event === 'READ')).toEqual([]);

    const page = await bob.client.request(`GROUP_HISTORY ${group}`);
    expect(Object.keys(page).sort()).toEqual(['data', 'status']);
  });

  it('answers membership and unknown ids as SEND_GROUP does', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const outsider = await env.user('dave');
    const group = uniqueName('g');
    const other = uniqueName('g');
    await alice.client.request(`GROUP_CREATE ${group}`);
    await alice.client.request(`GROUP_CREATE ${other}`);
    await bob.client.request(`GROUP_JOIN ${group}`);
    await bob.client.request(`GROUP_JOIN ${other}`);
    const id = await sendAndReceive(alice.client, bob.client, `SEND_GROUP ${group} halo`);
    const failure = { status: 'ERROR', data: 'pesan gagal ditandai terbaca' };
    expect(await outsider.client.request(`READ_GROUP ${group} ${id}`)).toEqual({
      ...failure,
      reason: 'not_a_member',
    });
    expect(await bob.client.request(`READ_GROUP ${uniqueName('nogroup')} ${id}`)).toEqual({
      ...failure,
      reason: 'unknown_group',
    });
    // A message of another group is not one of this group's.
    expect(await bob.client.request(`READ_GROUP ${other} ${id}`)).toEqual({
      ...failure,
      reason: 'unknown_message',
    });
    expect(await bob.client.request(`READ_GROUP ${group} ${NO_SUCH_ID}`)).toEqual({
      ...failure,
      reason: 'unknown_message',
    });
    expect(await bob.client.request(`READ_GROUP ${group}`)).toEqual({ ...failure, reason: 'bad_request' });
  });
});

describe('READ of an offline user', () => {
  it('moves the cursor even when the other side has no device online', async () => {
    const bob = await env.user('bob');
    const aliceName = uniqueName('alice');
    const alice = await env.connect();
    await alice.request(`REGISTER ${aliceName} ${PASSWORD} ID Alice`);
    await alice.request(`AUTH ${aliceName} ${PASSWORD}`);
    const id = await sendAndReceive(alice, bob.client, `SEND ${bob.name} nanti dibaca`);
    await alice.request('LOGOUT');
    expect(await bob.client.request(`READ ${aliceName} ${id}`)).toMatchObject({ status: 'OK' });
    await alice.request(`AUTH ${aliceName} ${PASSWORD}`);
    expect(await alice.request(`HISTORY ${bob.name}`)).toMatchObject({ readUpTo: id });
  });
});
