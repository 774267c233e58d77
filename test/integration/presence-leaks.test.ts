/**
 * Presence leaks over real WebSockets: a stranger who sends a message and deletes it before it arrives may not see
 * the recipient's presence; a watcher kicked from the only group they shared gets no more PRESENCE. (TYPING's side
 * channel: typing-channel.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { Frame } from '../support/client.js';
import { PASSWORD, uniqueName, useEndpoint } from '../support/endpoint.js';

const env = useEndpoint();

const refused = (data: string) => ({ status: 'ERROR', data, reason: 'not_allowed' });

describe('who may see presence', () => {
  it('a message deleted before it was delivered makes no conversation', async () => {
    const stranger = await env.user('stranger');
    const victim = uniqueName('victim');
    const setup = await env.connect();
    expect(await setup.request(`REGISTER ${victim} ${PASSWORD} ID victim tester`)).toMatchObject({
      status: 'OK',
    });
    // The victim is offline: the message waits for them, and is deleted before it gets there.
    const sent = await stranger.client.request(`SEND ${victim} hi`);
    expect(sent.status).toBe('OK');
    expect(await stranger.client.request(`DELETE ${sent.id}`)).toMatchObject({ status: 'OK' });
    expect(await stranger.client.request(`STATUS ${victim}`)).toEqual(refused('status pengguna gagal'));
    expect(await stranger.client.request(`WATCH ${victim}`)).toEqual(refused('pantau gagal'));
    // The victim logs in and receives nothing from the stranger.
    expect(await setup.request(`AUTH ${victim} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    await setup.caughtUp();
    expect(setup.pushes.filter((p) => p.event === 'MESSAGE')).toEqual([]);
    expect(await stranger.client.request(`STATUS ${victim}`)).toEqual(refused('status pengguna gagal'));
  });

  it('a watcher kicked from the only group they shared gets no PRESENCE after', async () => {
    const { group, users } = await env.group('owner', 'watcher', 'witness');
    const [owner, watcher, witness] = users;
    for (const u of [watcher, witness])
      expect(await u.client.request(`WATCH ${owner.name}`)).toEqual({
        status: 'OK',
        data: 'pantau berhasil',
      });
    expect(await owner.client.request(`GROUP_KICK ${group} ${watcher.name}`)).toMatchObject({ status: 'OK' });
    await watcher.client.nextPush((p) => p.event === 'GROUP_KICKED');
    expect(await watcher.client.request(`STATUS ${owner.name}`)).toEqual(refused('status pengguna gagal'));

    expect(await owner.client.request('LOGOUT')).toMatchObject({ status: 'OK' });
    // The witness, still a member, is told; the PRESENCE job has run by then.
    await witness.client.nextPush((p: Frame) => p.event === 'PRESENCE' && p.user === owner.name);
    // A later push on the watcher's own path: nothing of the owner's presence came before it.
    const later = await witness.client.request(`SEND ${watcher.name} after`);
    await watcher.client.nextPush((p) => p.event === 'MESSAGE' && p.id === later.id);
    expect(watcher.client.pushes.filter((p) => p.event === 'PRESENCE')).toEqual([]);
    expect(watcher.client.log.filter((p) => p.event === 'PRESENCE')).toEqual([]);
  });
});
