/**
 * Presence, typing and HELP over real WebSockets: STATUS and PRESENCE events through login, logout and disconnect on
 * two devices, who may see whom, WATCH / UNWATCH, TYPING and TYPING_GROUP with their 3 s drop, WHO, HELP.
 * Absence of a push is checked against a later push that must come after it on the same path.
 */
import { describe, expect, it } from 'vitest';
import type { ChatClient, Frame } from '../support/client.js';
import { PASSWORD, type User, uniqueName, useEndpoint } from '../support/endpoint.js';

const env = useEndpoint();

async function groupOf(owner: User, ...members: User[]) {
  const name = uniqueName('grp');
  expect(await owner.client.request(`GROUP_CREATE ${name}`)).toMatchObject({ status: 'OK' });
  for (const m of members)
    expect(await m.client.request(`GROUP_JOIN ${name}`)).toMatchObject({ status: 'OK' });
  return name;
}

const presenceOf = (user: string) => (push: Frame) => push.event === 'PRESENCE' && push.user === user;
const presenceLog = (client: ChatClient, user: string) =>
  client.log.filter(presenceOf(user)).map((push) => push.online);

async function status({ client }: User, user: string) {
  const answer = await client.request(`STATUS ${user}`);
  expect(answer.status).toBe('OK');
  return answer.data as { user: string; online: boolean; lastSeen: string | null };
}

describe('presence', () => {
  it('follows a user over two devices: online while one remains, offline (with lastSeen) when the last goes', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    await groupOf(alice, bob);
    expect(await status(bob, alice.name)).toEqual({ user: alice.name, online: true, lastSeen: null });
    expect(await bob.client.request(`WATCH ${alice.name}`)).toEqual({
      status: 'OK',
      data: 'pantau berhasil',
    });

    // Her only device logs out: offline, with lastSeen.
    expect(await alice.client.request('LOGOUT')).toMatchObject({ status: 'OK' });
    const off = await bob.client.nextPush(presenceOf(alice.name));
    expect(off).toMatchObject({ event: 'PRESENCE', user: alice.name, online: false });
    expect(typeof off.id).toBe('string');
    const first = await status(bob, alice.name);
    expect(first.online).toBe(false);
    expect(first.lastSeen).toBe(off.at);
    expect(new Date(String(first.lastSeen)).toISOString()).toBe(first.lastSeen);

    // Back on the first device, then a second device: one online event.
    expect(await alice.client.request(`AUTH ${alice.name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    expect(await bob.client.nextPush(presenceOf(alice.name))).toMatchObject({ online: true });
    const second = await env.connect();
    expect(await second.request(`AUTH ${alice.name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    expect((await status(bob, alice.name)).online).toBe(true);

    // The first device logs out: she is still online on the second.
    expect(await alice.client.request('LOGOUT')).toMatchObject({ status: 'OK' });
    expect(await status(bob, alice.name)).toEqual({
      user: alice.name,
      online: true,
      lastSeen: first.lastSeen,
    });

    // The second device's connection closes: now she is offline.
    await second.close();
    const gone = await bob.client.nextPush(presenceOf(alice.name));
    expect(gone).toMatchObject({ online: false });
    const last = await status(bob, alice.name);
    expect(last.online).toBe(false);
    expect(String(last.lastSeen) > String(first.lastSeen)).toBe(true);
    // Exactly one event per change: off, on, off — none for the second login nor for the first device's logout.
    expect(presenceLog(bob.client, alice.name)).toEqual([false, true, false]);
  });

  it('shows presence only to people who share a group or a conversation', async () => {
    const bob = await env.user('bob');
    const carol = await env.user('carol');
    const refused = { status: 'ERROR', data: 'status pengguna gagal', reason: 'not_allowed' };
    expect(await bob.client.request(`STATUS ${carol.name}`)).toEqual(refused);
    // A name nobody has answers the same: STATUS does not tell who exists.
    expect(await bob.client.request(`STATUS ${uniqueName('ghost')}`)).toEqual(refused);
    expect(await bob.client.request(`WATCH ${carol.name}`)).toEqual({
      status: 'ERROR',
      data: 'pantau gagal',
      reason: 'not_allowed',
    });
    // One message makes a conversation: now each may see the other.
    expect(await carol.client.request(`SEND ${bob.name} halo`)).toMatchObject({ status: 'OK' });
    expect(await status(bob, carol.name)).toMatchObject({ user: carol.name, online: true });
    expect(await status(carol, bob.name)).toMatchObject({ online: true });
    expect(await bob.client.request(`WATCH ${carol.name}`)).toMatchObject({ status: 'OK' });
    // Yourself, always.
    expect(await status(bob, bob.name)).toMatchObject({ user: bob.name, online: true });
    const anonymous = await env.connect();
    expect(await anonymous.request(`STATUS ${bob.name}`)).toMatchObject({ reason: 'not_authenticated' });
    expect(await anonymous.request(`WATCH ${bob.name}`)).toMatchObject({ reason: 'not_authenticated' });
    expect(await bob.client.request('STATUS')).toMatchObject({ reason: 'bad_request' });
    expect(await bob.client.request('WATCH')).toMatchObject({ reason: 'bad_request' });
    expect(await bob.client.request('WATCH no!')).toMatchObject({ reason: 'bad_request' });
    const tooMany = Array.from({ length: 51 }, (_, i) => `user${i}`).join(' ');
    expect(await bob.client.request(`WATCH ${tooMany}`)).toMatchObject({ reason: 'bad_request' });
  });

  it('pushes only to connections that watch, and UNWATCH stops the events', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const dave = await env.user('dave');
    await groupOf(alice, bob, dave);
    expect(await bob.client.request(`WATCH ${alice.name}`)).toMatchObject({ status: 'OK' });
    expect(await dave.client.request(`WATCH ${alice.name}`)).toMatchObject({ status: 'OK' });
    expect(await dave.client.request(`UNWATCH ${alice.name}`)).toEqual({
      status: 'OK',
      data: 'berhenti memantau berhasil',
    });
    // Dave watches bob instead: bob's change is the marker that dave's queue has moved past alice's.
    expect(await dave.client.request(`WATCH ${bob.name}`)).toMatchObject({ status: 'OK' });
    expect(await alice.client.request('LOGOUT')).toMatchObject({ status: 'OK' });
    expect(await bob.client.nextPush(presenceOf(alice.name))).toMatchObject({ online: false });
    expect(await bob.client.request('LOGOUT')).toMatchObject({ status: 'OK' });
    expect(await dave.client.nextPush(presenceOf(bob.name))).toMatchObject({ online: false });
    expect(presenceLog(dave.client, alice.name)).toEqual([]);
    // A watch belongs to its login: after LOGOUT and AUTH, bob's connection no longer watches alice.
    expect(await bob.client.request(`AUTH ${bob.name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    expect(await dave.client.nextPush(presenceOf(bob.name))).toMatchObject({ online: true });
    // Alice's login pushes her watchers before it answers; bob's next answer comes after anything pushed to him.
    expect(await alice.client.request(`AUTH ${alice.name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    expect(await bob.client.request('PING')).toMatchObject({ status: 'OK' });
    expect(presenceLog(bob.client, alice.name)).toEqual([false]);
  });
});

describe('typing', () => {
  it('reaches the other side once per 3 s per conversation, and never the sender', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const ok = { status: 'OK', data: 'status mengetik terkirim' };
    expect(await alice.client.request(`TYPING ${bob.name}`)).toEqual(ok);
    expect(await bob.client.nextPush((p) => p.event === 'TYPING')).toMatchObject({
      event: 'TYPING',
      from: alice.name,
      to: bob.name,
    });
    // Within 3 s: answered OK, dropped. The message after it is the marker.
    expect(await alice.client.request(`TYPING ${bob.name}`)).toEqual(ok);
    expect(await alice.client.request(`SEND ${bob.name} selesai`)).toMatchObject({ status: 'OK' });
    await bob.client.nextPush((p) => p.event === 'MESSAGE');
    expect(bob.client.log.filter((p) => p.event === 'TYPING')).toHaveLength(1);
    expect(alice.client.log.filter((p) => p.event === 'TYPING')).toHaveLength(0);
    // Anyone SEND could reach; an unknown user answers as SEND would.
    expect(await alice.client.request(`TYPING ${uniqueName('ghost')}`)).toEqual({
      status: 'ERROR',
      data: 'status mengetik gagal',
      reason: 'unknown_recipient',
    });
    const anonymous = await env.connect();
    expect(await anonymous.request(`TYPING ${bob.name}`)).toMatchObject({ reason: 'not_authenticated' });
  });

  it('reaches the online members of a group but the sender, and needs membership', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const carol = await env.user('carol');
    const group = await groupOf(alice, bob, carol);
    const aliceElsewhere = await env.connect();
    expect(await aliceElsewhere.request(`AUTH ${alice.name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    expect(await alice.client.request(`TYPING_GROUP ${group}`)).toMatchObject({ status: 'OK' });
    for (const member of [bob, carol])
      expect(await member.client.nextPush((p) => p.event === 'TYPING')).toMatchObject({
        from: alice.name,
        group,
      });
    expect(await alice.client.request(`SEND_GROUP ${group} oke`)).toMatchObject({ status: 'OK' });
    await bob.client.nextPush((p) => p.event === 'GROUP_MESSAGE');
    expect(aliceElsewhere.log.filter((p) => p.event === 'TYPING')).toEqual([]);
    expect(alice.client.log.filter((p) => p.event === 'TYPING')).toEqual([]);

    const outsider = await env.user('dave');
    expect(await outsider.client.request(`TYPING_GROUP ${group}`)).toEqual({
      status: 'ERROR',
      data: 'status mengetik gagal',
      reason: 'not_a_member',
    });
    expect(await outsider.client.request(`TYPING_GROUP ${uniqueName('nogroup')}`)).toMatchObject({
      reason: 'unknown_group',
    });
  });
});

describe('WHO', () => {
  it('lists the members online now, each once, to members only', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const carol = await env.user('carol');
    const group = await groupOf(alice, bob, carol);
    const bobElsewhere = await env.connect();
    expect(await bobElsewhere.request(`AUTH ${bob.name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    expect(await carol.client.request('LOGOUT')).toMatchObject({ status: 'OK' });
    expect(await alice.client.request(`WHO ${group}`)).toEqual({
      status: 'OK',
      data: [alice.name, bob.name].sort(),
    });
    // Pages: after alice's key come the others (names here sort by their prefix).
    expect(await bob.client.request(`WHO ${group} ${alice.name}`)).toEqual({
      status: 'OK',
      data: [bob.name],
    });
    const outsider = await env.user('dave');
    expect(await outsider.client.request(`WHO ${group}`)).toEqual({
      status: 'ERROR',
      data: 'daftar pengguna online gagal',
      reason: 'not_a_member',
    });
    expect(await outsider.client.request(`WHO ${uniqueName('nogroup')}`)).toMatchObject({
      reason: 'unknown_group',
    });
    expect(await outsider.client.request('WHO')).toMatchObject({ reason: 'bad_request' });
  });
});

describe('HELP', () => {
  it('lists every command with its usage, without login', async () => {
    const anonymous = await env.connect();
    const answer = await anonymous.request('HELP');
    expect(answer.status).toBe('OK');
    const lines = answer.data as string[];
    for (const command of ['AUTH', 'SEND', 'WHO', 'STATUS', 'WATCH', 'TYPING_GROUP', 'HELP'])
      expect(lines.some((line) => line.split(' ')[0] === command)).toBe(true);
    expect(lines).toContain('SEND penerima pesan — kirim pesan pribadi');
    // The limits a client keeps to, beside the seed-form `data`: API Gateway's 32 KB frame, the inline file bound.
    expect(answer).toMatchObject({ maxFrameBytes: 32_768, maxInlineFileBytes: 24_000 });
    expect(await anonymous.request('HELP me')).toEqual({
      status: 'ERROR',
      data: 'bantuan gagal',
      reason: 'bad_request',
    });
  });
});
