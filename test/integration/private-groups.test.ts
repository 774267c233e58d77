/**
 * Private groups and owners (issue 12): GROUP_CREATE … private, GROUP_INVITE, GROUP_KICK, GROUP_OWNER, GROUP_DELETE,
 * the owner in GROUP_MEMBERS, ownership passing to the longest-standing member, and the last member deleting the
 * group. Black-box over real WebSockets.
 */
import { describe, expect, it } from 'vitest';
import type { ChatClient, Frame } from '../support/client.js';
import { PASSWORD, type User, uniqueName, useEndpoint } from '../support/endpoint.js';
import { download } from '../support/files.js';

const env = useEndpoint();

const b64 = (text: string) => Buffer.from(text).toString('base64');

async function created(owner: User, mode = ''): Promise<string> {
  const name = uniqueName('grp');
  expect(await owner.client.request(`GROUP_CREATE ${name}${mode}`)).toEqual({
    status: 'OK',
    data: 'grup berhasil dibuat',
  });
  return name;
}

async function joined(group: string, ...members: User[]): Promise<void> {
  for (const m of members)
    expect(await m.client.request(`GROUP_JOIN ${group}`)).toEqual({
      status: 'OK',
      data: 'berhasil bergabung ke grup',
    });
}

async function ownerOf(member: User, group: string): Promise<unknown> {
  const answer = await member.client.request(`GROUP_MEMBERS ${group}`);
  expect(answer.status).toBe('OK');
  // The owner is always one of the members.
  expect(answer.data).toContain(answer.owner);
  return answer.owner;
}

/**
 * Everything `to` was pushed up to a private marker `from` sends now: pushes to one connection are posted in order,
 * so whatever the requests before the marker pushed to `to` has arrived by the time the marker does.
 */
async function pushesUntilMarker(from: User, to: User): Promise<Frame[]> {
  const marker = uniqueName('marker');
  expect(await from.client.request(`SEND ${to.name} ${marker}`)).toMatchObject({ status: 'OK' });
  await to.client.until(() => to.client.pushes.find((p) => p.message === marker), 'the marker');
  const seen = to.client.pushes.splice(0);
  return seen.filter((p) => p.message !== marker);
}

/** Polls until `request` answers OK (the worker frees a deleted group's name when its clean-up is done). */
async function eventuallyOk(client: ChatClient, request: string): Promise<Frame> {
  for (let attempt = 0; ; attempt++) {
    const answer = await client.request(request);
    if (answer.status === 'OK' || attempt >= 100) return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('private groups and invitations', () => {
  it('refuses a stranger, invites online, and lets the invitee join once', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const group = await created(alice, ' private');
    expect(await bob.client.request(`GROUP_JOIN ${group}`)).toEqual({
      status: 'ERROR',
      data: 'gagal bergabung ke grup',
      reason: 'not_invited',
    });
    expect(await bob.client.request(`SEND_GROUP ${group} hi`)).toMatchObject({ reason: 'not_a_member' });
    expect(await bob.client.request(`GROUP_INVITE ${group} ${bob.name}`)).toEqual({
      status: 'ERROR',
      data: 'undangan gagal dikirim',
      reason: 'not_owner',
    });
    expect(await alice.client.request(`GROUP_INVITE ${group} ${uniqueName('ghost')}`)).toMatchObject({
      reason: 'unknown_recipient',
    });
    expect(await alice.client.request(`GROUP_INVITE ${group}`)).toMatchObject({ reason: 'bad_request' });

    expect(await alice.client.request(`GROUP_INVITE ${group} ${bob.name.toUpperCase()}`)).toEqual({
      status: 'OK',
      data: 'undangan berhasil dikirim',
    });
    const invited = await bob.client.nextPush((p) => p.event === 'GROUP_INVITED');
    expect(invited).toMatchObject({ event: 'GROUP_INVITED', group, by: alice.name });
    expect(invited.expiresAt).toBeUndefined();
    await joined(group, bob);
    expect(await ownerOf(bob, group)).toBe(alice.name);
    // The invitation is used up: after leaving, bob needs a new one.
    expect(await bob.client.request(`GROUP_LEAVE ${group}`)).toMatchObject({ status: 'OK' });
    expect(await bob.client.request(`GROUP_JOIN ${group}`)).toMatchObject({ reason: 'not_invited' });
  });

  it('keeps an invitation for an offline invitee and delivers it at their next login', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    await bob.client.close();
    const group = await created(alice, ' private');
    expect(await alice.client.request(`GROUP_INVITE ${group} ${bob.name}`)).toMatchObject({ status: 'OK' });

    const back = await env.connect();
    expect(await back.request(`AUTH ${bob.name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    await back.caughtUp();
    expect(back.pushes).toEqual([expect.objectContaining({ event: 'GROUP_INVITED', group, by: alice.name })]);
    expect(await back.request(`GROUP_JOIN ${group}`)).toMatchObject({ status: 'OK' });
    // Delivered once: the next login finds nothing waiting.
    const later = await env.connect();
    await later.request(`AUTH ${bob.name} ${PASSWORD}`);
    await later.caughtUp();
    expect(later.pushes).toHaveLength(0);
  });

  it('keeps plain GROUP_CREATE open, and refuses any other mode word', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const group = await created(alice);
    await joined(group, bob);
    expect(await alice.client.request(`GROUP_CREATE ${uniqueName('grp')} secret`)).toMatchObject({
      reason: 'bad_request',
    });
  });
});

describe('GROUP_KICK', () => {
  it('removes a member at once: no more pushes, history or file links', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const carol = await env.user('carol');
    const group = await created(alice);
    await joined(group, bob, carol);
    expect(await carol.client.request(`SEND_GROUP_FILE ${group} notes.txt ${b64('rahasia')}`)).toMatchObject({
      status: 'OK',
    });
    const file = await bob.client.nextPush((p) => p.event === 'GROUP_FILE');
    expect(await bob.client.request(`FILE_URL ${file.id}`)).toMatchObject({ status: 'OK' });
    expect(await bob.client.request(`GROUP_HISTORY ${group}`)).toMatchObject({ status: 'OK' });

    expect(await carol.client.request(`GROUP_KICK ${group} ${bob.name}`)).toEqual({
      status: 'ERROR',
      data: 'gagal mengeluarkan anggota',
      reason: 'not_owner',
    });
    expect(await alice.client.request(`GROUP_KICK ${group} ${bob.name}`)).toEqual({
      status: 'OK',
      data: 'anggota berhasil dikeluarkan',
    });
    expect(await bob.client.nextPush((p) => p.event === 'GROUP_KICKED')).toMatchObject({
      event: 'GROUP_KICKED',
      group,
      by: alice.name,
    });

    expect(await carol.client.request(`SEND_GROUP ${group} after the kick`)).toMatchObject({ status: 'OK' });
    expect(await pushesUntilMarker(carol, bob)).toEqual([]);
    expect(await bob.client.request(`FILE_URL ${file.id}`)).toMatchObject({ reason: 'unknown_file' });
    expect(await bob.client.request(`GROUP_HISTORY ${group}`)).toMatchObject({ reason: 'not_a_member' });
    expect(await bob.client.request(`SEND_GROUP ${group} still here?`)).toMatchObject({
      reason: 'not_a_member',
    });
    expect(await bob.client.request('GROUPS')).toEqual({ status: 'OK', data: [] });
    expect((await alice.client.request(`GROUP_MEMBERS ${group}`)).data).toEqual(
      [alice.name, carol.name].sort(),
    );
    // Carol, still a member, keeps her links.
    expect(await carol.client.request(`FILE_URL ${file.id}`)).toMatchObject({ status: 'OK' });
    expect(await alice.client.request(`GROUP_KICK ${group} ${bob.name}`)).toMatchObject({
      reason: 'not_a_member',
    });
    expect(await alice.client.request(`GROUP_KICK ${group} ${alice.name}`)).toMatchObject({
      reason: 'bad_request',
    });
  });
});

describe('owners', () => {
  it('GROUP_OWNER hands the group to a member, who then has the owner commands', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const carol = await env.user('carol');
    const outsider = await env.user('dave');
    const group = await created(alice);
    await joined(group, bob, carol);
    expect(await alice.client.request(`GROUP_OWNER ${group} ${outsider.name}`)).toMatchObject({
      reason: 'not_a_member',
    });
    expect(await bob.client.request(`GROUP_OWNER ${group} ${bob.name}`)).toEqual({
      status: 'ERROR',
      data: 'gagal mengganti pemilik grup',
      reason: 'not_owner',
    });
    expect(await alice.client.request(`GROUP_OWNER ${group} ${bob.name}`)).toEqual({
      status: 'OK',
      data: 'pemilik grup berhasil diganti',
    });
    expect(await ownerOf(carol, group)).toBe(bob.name);
    expect(await alice.client.request(`GROUP_KICK ${group} ${carol.name}`)).toMatchObject({
      reason: 'not_owner',
    });
    expect(await alice.client.request(`GROUP_DELETE ${group}`)).toMatchObject({ reason: 'not_owner' });
    expect(await bob.client.request(`GROUP_KICK ${group} ${carol.name}`)).toMatchObject({ status: 'OK' });
  });

  it('passes ownership to the longest-standing member when the owner leaves', async () => {
    // Names chosen so that join order and name order disagree.
    const owner = await env.user('mia');
    const first = await env.user('zed');
    const second = await env.user('amy');
    const group = await created(owner);
    await joined(group, first, second);
    expect(await owner.client.request(`GROUP_LEAVE ${group}`)).toMatchObject({ status: 'OK' });
    expect(await ownerOf(second, group)).toBe(first.name);
    expect(await first.client.request(`GROUP_LEAVE ${group}`)).toMatchObject({ status: 'OK' });
    expect(await ownerOf(second, group)).toBe(second.name);
  });

  it('ends with one owner who is a member when a kick races the owner leaving', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const carol = await env.user('carol');
    const group = await created(alice);
    await joined(group, bob, carol);
    const aliceTablet = await env.connect();
    await aliceTablet.request(`AUTH ${alice.name} ${PASSWORD}`);
    // The owner kicks the longest-standing member and leaves at the same moment: carol is all that is left.
    const [kick, leave] = await Promise.all([
      alice.client.request(`GROUP_KICK ${group} ${bob.name}`),
      aliceTablet.request(`GROUP_LEAVE ${group}`),
    ]);
    expect(leave).toMatchObject({ status: 'OK' });
    expect(['OK', 'ERROR']).toContain(kick.status);
    expect(await ownerOf(carol, group)).toBe(carol.name);
  });

  it('ends with one owner who is a member when a hand-over races the new owner leaving', async () => {
    const dave = await env.user('dave');
    const erin = await env.user('erin');
    const frank = await env.user('frank');
    const group = await created(dave);
    await joined(group, erin, frank);
    await Promise.all([
      dave.client.request(`GROUP_OWNER ${group} ${erin.name}`),
      erin.client.request(`GROUP_LEAVE ${group}`),
    ]);
    expect([dave.name, frank.name]).toContain(await ownerOf(frank, group));
  });
});

describe('deleting groups', () => {
  it('the last member leaving deletes the group, and then frees its name', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const group = await created(alice);
    await alice.client.request(`SEND_GROUP ${group} old news`);
    expect(await alice.client.request(`GROUP_LEAVE ${group}`)).toMatchObject({ status: 'OK' });
    expect(await bob.client.request(`GROUP_JOIN ${group}`)).toEqual({
      status: 'ERROR',
      data: 'gagal bergabung ke grup',
      reason: 'unknown_group',
    });
    expect(await eventuallyOk(bob.client, `GROUP_CREATE ${group}`)).toEqual({
      status: 'OK',
      data: 'grup berhasil dibuat',
    });
    // A new group under the old name: none of the old one's history, and its creator owns it.
    expect(await bob.client.request(`GROUP_HISTORY ${group}`)).toEqual({ status: 'OK', data: [] });
    expect(await ownerOf(bob, group)).toBe(bob.name);
  });

  it('two members leaving at once: the group ends deleted, once', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const group = await created(alice);
    await joined(group, bob);
    const answers = await Promise.all([
      alice.client.request(`GROUP_LEAVE ${group}`),
      bob.client.request(`GROUP_LEAVE ${group}`),
    ]);
    expect(answers.map((a) => a.status)).toEqual(['OK', 'OK']);
    expect(await alice.client.request(`GROUP_JOIN ${group}`)).toMatchObject({ reason: 'unknown_group' });
    expect(await eventuallyOk(alice.client, `GROUP_CREATE ${group}`)).toMatchObject({ status: 'OK' });
  });

  it('GROUP_DELETE tells the online members and removes the history and files', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const carol = await env.user('carol');
    const group = await created(alice);
    await joined(group, bob, carol);
    await bob.client.request(`SEND_GROUP ${group} sebelum dihapus`);
    await bob.client.request(`SEND_GROUP_FILE ${group} a.txt ${b64('isi')}`);
    const file = await carol.client.nextPush((p) => p.event === 'GROUP_FILE');
    expect((await download(String(file.url))).status).toBe(200);
    await carol.client.close();

    expect(await bob.client.request(`GROUP_DELETE ${group}`)).toEqual({
      status: 'ERROR',
      data: 'grup gagal dihapus',
      reason: 'not_owner',
    });
    expect(await alice.client.request(`GROUP_DELETE ${group}`)).toEqual({
      status: 'OK',
      data: 'grup berhasil dihapus',
    });
    // Gone for everyone at once, before the clean-up has run.
    expect(await bob.client.request(`SEND_GROUP ${group} halo?`)).toMatchObject({ reason: 'unknown_group' });
    expect(await bob.client.request(`GROUP_HISTORY ${group}`)).toMatchObject({ reason: 'unknown_group' });
    expect(await bob.client.request(`FILE_URL ${file.id}`)).toMatchObject({ reason: 'unknown_file' });
    for (const member of [alice, bob])
      expect(await member.client.nextPush((p) => p.event === 'GROUP_DELETED')).toMatchObject({
        event: 'GROUP_DELETED',
        group,
      });

    // The clean-up frees the name; the new group under it has none of the old history or memberships.
    expect(await eventuallyOk(alice.client, `GROUP_CREATE ${group}`)).toMatchObject({ status: 'OK' });
    expect(await alice.client.request(`GROUP_HISTORY ${group}`)).toEqual({ status: 'OK', data: [] });
    // The file itself is gone: even a link signed before the deletion finds nothing.
    expect((await download(String(file.url))).status).not.toBe(200);
    expect((await alice.client.request(`GROUP_MEMBERS ${group}`)).data).toEqual([alice.name]);
    expect(await bob.client.request('GROUPS')).toEqual({ status: 'OK', data: [] });
    // Carol was offline: her membership went too, and her next login brings nothing of the deleted group.
    const back = await env.connect();
    await back.request(`AUTH ${carol.name} ${PASSWORD}`);
    await back.caughtUp();
    expect(back.pushes).toEqual([]);
    expect(await back.request('GROUPS')).toEqual({ status: 'OK', data: [] });
  });
});
