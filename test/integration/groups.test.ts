import { describe, expect, it } from 'vitest';
import { PASSWORD, type User, uniqueName, useEndpoint } from '../support/endpoint.js';

const env = useEndpoint();

async function groupOf(owner: User, ...members: User[]) {
  const name = uniqueName('grp');
  expect(await owner.client.request(`GROUP_CREATE ${name}`)).toEqual({
    status: 'OK',
    data: 'grup berhasil dibuat',
  });
  for (const m of members) {
    expect(await m.client.request(`GROUP_JOIN ${name.toUpperCase()}`)).toEqual({
      status: 'OK',
      data: 'berhasil bergabung ke grup',
    });
  }
  return name;
}

describe('groups', () => {
  it('creates, lists, joins and leaves groups', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const name = await groupOf(alice, bob);
    expect(await alice.client.request(`GROUP_CREATE ${name}`)).toEqual({
      status: 'ERROR',
      data: 'grup gagal dibuat',
      reason: 'group_exists',
    });
    expect(await bob.client.request(`GROUP_JOIN ${name}`)).toMatchObject({ status: 'OK' });
    expect(await alice.client.request(`GROUP_MEMBERS ${name}`)).toEqual({
      status: 'OK',
      data: [alice.name, bob.name].sort(),
      owner: alice.name,
    });
    expect(await bob.client.request('GROUPS')).toEqual({ status: 'OK', data: [name] });
    expect(await bob.client.request(`GROUP_LEAVE ${name}`)).toEqual({
      status: 'OK',
      data: 'berhasil keluar dari grup',
    });
    expect(await bob.client.request('GROUPS')).toEqual({ status: 'OK', data: [] });
    expect(await bob.client.request(`GROUP_LEAVE ${name}`)).toEqual({
      status: 'ERROR',
      data: 'gagal keluar dari grup',
      reason: 'not_a_member',
    });
    expect(await bob.client.request(`GROUP_MEMBERS ${name}`)).toMatchObject({ reason: 'not_a_member' });
    expect(await alice.client.request(`GROUP_MEMBERS ${name}`)).toEqual({
      status: 'OK',
      data: [alice.name],
      owner: alice.name,
    });
  });

  it('refuses unknown groups and bad names', async () => {
    const alice = await env.user('alice');
    const ghost = uniqueName('nogroup');
    expect(await alice.client.request(`GROUP_JOIN ${ghost}`)).toEqual({
      status: 'ERROR',
      data: 'gagal bergabung ke grup',
      reason: 'unknown_group',
    });
    expect(await alice.client.request(`SEND_GROUP ${ghost} hi`)).toEqual({
      status: 'ERROR',
      data: 'pesan tidak terkirim',
      reason: 'unknown_group',
    });
    expect(await alice.client.request('GROUP_CREATE bad/name')).toMatchObject({ reason: 'bad_request' });
    expect(await alice.client.request(`GROUP_CREATE ${'g'.repeat(65)}`)).toMatchObject({
      reason: 'bad_request',
    });
    expect(await alice.client.request('GROUP_CREATE two words')).toMatchObject({ reason: 'bad_request' });
  });

  it('pushes a group message to every other member, on every device, and not to the sender', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const carol = await env.user('carol');
    const outsider = await env.user('dave');
    const name = await groupOf(alice, bob, carol);
    const carolTablet = await env.connect();
    await carolTablet.request(`AUTH ${carol.name} ${PASSWORD}`);

    expect(await outsider.client.request(`SEND_GROUP ${name} let me in`)).toMatchObject({
      reason: 'not_a_member',
    });
    expect(await alice.client.request(`SEND_GROUP ${name} rapat jam 3`)).toEqual({
      status: 'OK',
      data: 'pesan terkirim',
      id: expect.stringMatching(/^[0-9A-Z]{26}$/),
    });
    for (const device of [bob.client, carol.client, carolTablet]) {
      expect(await device.nextPush()).toMatchObject({
        event: 'GROUP_MESSAGE',
        group: name,
        from: alice.name,
        message: 'rapat jam 3',
      });
    }
    expect(alice.client.pushes).toHaveLength(0);
    expect(outsider.client.pushes).toHaveLength(0);
  });

  it('keeps group messages for offline members until their next AUTH, and sends them once', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const name = await groupOf(alice, bob);
    await bob.client.close();
    await alice.client.request(`SEND_GROUP ${name} first`);
    await alice.client.request(`SEND ${bob.name} private in between`);
    await alice.client.request(`SEND_GROUP ${name} second`);

    const back = await env.connect();
    expect(await back.request(`AUTH ${bob.name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    await back.caughtUp();
    // One order by id across the inbox and the group, after the answer.
    expect(back.log.map((f) => f.message ?? f.data ?? f.event)).toEqual([
      'autentikasi berhasil',
      'first',
      'private in between',
      'second',
      'CAUGHT_UP',
    ]);

    const later = await env.connect();
    await later.request(`AUTH ${bob.name} ${PASSWORD}`);
    await later.caughtUp();
    expect(later.pushes).toHaveLength(0);
  });

  it('stops pushing to a member who left', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const name = await groupOf(alice, bob);
    await bob.client.request(`GROUP_LEAVE ${name}`);
    await alice.client.request(`SEND_GROUP ${name} after you left`);
    await bob.client.request('PING');
    expect(bob.client.pushes).toHaveLength(0);
  });
});
