/**
 * BLOCK / UNBLOCK / BLOCKED and GROUP_UNINVITE over real WebSockets: a blocked user's private commands answer as for a
 * name nobody has and reach nobody, presence is hidden both ways while group messages go on, and an invitation taken
 * back cannot be used. Absence of a push is checked against a later push that must come after it on the same path.
 */
import { describe, expect, it } from 'vitest';
import { uniqueName, useEndpoint } from '../support/endpoint.js';

const env = useEndpoint();

describe('BLOCK', () => {
  it('makes the blocker a missing user to the blocked one, and hides presence both ways', async () => {
    const victim = await env.user('victim');
    const pest = await env.user('pest');
    const friend = await env.user('friend');
    const ghost = uniqueName('ghost');
    const hello = await pest.client.request(`SEND ${victim.name} hello`);
    expect(hello.status).toBe('OK');
    await victim.client.nextPush((p) => p.event === 'MESSAGE' && p.id === hello.id);

    expect(await victim.client.request(`BLOCK ${pest.name}`)).toEqual({
      status: 'OK',
      data: 'pengguna diblokir',
    });
    expect(await victim.client.request('BLOCKED')).toEqual({ status: 'OK', data: [pest.name] });
    for (const frame of [
      (n: string) => `SEND ${n} again`,
      (n: string) => `SEND_FILE ${n} a.txt aGk=`,
      (n: string) => `TYPING ${n}`,
      (n: string) => `READ ${n} ${hello.id}`,
      (n: string) => `STATUS ${n}`,
      (n: string) => `WATCH ${n}`,
    ]) {
      const missing = await pest.client.request(frame(ghost));
      expect(missing.status).toBe('ERROR');
      expect(await pest.client.request(frame(victim.name))).toEqual(missing);
    }
    expect(await victim.client.request(`STATUS ${pest.name}`)).toMatchObject({ reason: 'not_allowed' });

    // Nothing of the pest reached the victim: a friend's message, sent after, arrives with nothing before it.
    const later = await friend.client.request(`SEND ${victim.name} after`);
    await victim.client.nextPush((p) => p.event === 'MESSAGE' && p.id === later.id);
    expect(victim.client.pushes.filter((p) => p.from === pest.name)).toEqual([]);

    expect(await victim.client.request(`UNBLOCK ${pest.name}`)).toEqual({
      status: 'OK',
      data: 'blokir dibuka',
    });
    const back = await pest.client.request(`SEND ${victim.name} back`);
    expect(back.status).toBe('OK');
    await victim.client.nextPush((p) => p.event === 'MESSAGE' && p.id === back.id);
  });

  it('leaves groups alone: a blocked member’s group messages still arrive', async () => {
    const { group, users } = await env.group('owner', 'pest');
    const [owner, pest] = users;
    expect(await owner.client.request(`BLOCK ${pest.name}`)).toMatchObject({ status: 'OK' });
    const sent = await pest.client.request(`SEND_GROUP ${group} hi all`);
    expect(sent.status).toBe('OK');
    expect(await owner.client.nextPush((p) => p.event === 'GROUP_MESSAGE' && p.id === sent.id)).toMatchObject(
      {
        from: pest.name,
      },
    );
  });
});

describe('GROUP_UNINVITE', () => {
  it('takes back a pending invitation: the invitee can no longer join', async () => {
    const owner = await env.user('owner');
    const invitee = await env.user('invitee');
    const group = uniqueName('priv');
    expect(await owner.client.request(`GROUP_CREATE ${group} private`)).toMatchObject({ status: 'OK' });
    expect(await owner.client.request(`GROUP_INVITE ${group} ${invitee.name}`)).toMatchObject({
      status: 'OK',
    });
    await invitee.client.nextPush((p) => p.event === 'GROUP_INVITED');
    expect(await owner.client.request(`GROUP_UNINVITE ${group} ${invitee.name}`)).toEqual({
      status: 'OK',
      data: 'undangan dibatalkan',
    });
    expect(await invitee.client.request(`GROUP_JOIN ${group}`)).toEqual({
      status: 'ERROR',
      data: 'gagal bergabung ke grup',
      reason: 'not_invited',
    });
    expect(await owner.client.request(`GROUP_UNINVITE ${group} ${invitee.name}`)).toMatchObject({
      reason: 'not_invited',
    });
    expect(await invitee.client.request(`GROUP_UNINVITE ${group} ${owner.name}`)).toMatchObject({
      reason: 'not_owner',
    });
  });
});
