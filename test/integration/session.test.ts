/**
 * SESSION / RESUME / SESSION_END over real WebSockets (issue 23): a token from one connection logs a new connection
 * in (as a page reload does), which then receives what waited and sends; SESSION_END and PASSWORD end it.
 */
import { describe, expect, it } from 'vitest';
import { PASSWORD, useEndpoint } from '../support/endpoint.js';

const env = useEndpoint();
const refused = { status: 'ERROR', data: 'autentikasi gagal', reason: 'invalid_credentials' };
const loggedIn = { status: 'OK', data: 'autentikasi berhasil' };

describe('SESSION and RESUME', () => {
  it('resumes on a new connection: what waited arrives, and sending works', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const answer = await alice.client.request('SESSION');
    expect(answer).toMatchObject({
      status: 'OK',
      data: { token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) },
    });
    const token = (answer.data as { token: string }).token;
    await alice.client.close();
    // While alice's page is away, bob writes.
    const waiting = await bob.client.request(`SEND ${alice.name} sudah reload?`);
    expect(waiting).toMatchObject({ status: 'OK' });

    const reloaded = await env.connect();
    expect(await reloaded.request(`RESUME ${alice.name} ${token}`)).toEqual(loggedIn);
    expect(await reloaded.nextPush()).toMatchObject({
      event: 'MESSAGE',
      from: bob.name,
      message: 'sudah reload?',
    });
    // The resumed login's catch-up delivered bob's message: bob is told (issue 23).
    expect(await bob.client.nextPush((p) => p.event === 'DELIVERED')).toMatchObject({
      by: alice.name,
      upTo: waiting.id,
    });
    expect(await reloaded.request(`SEND ${bob.name} ya`)).toMatchObject({ status: 'OK' });
    expect(await bob.client.nextPush((p) => p.event === 'MESSAGE')).toMatchObject({
      from: alice.name,
      message: 'ya',
    });
  });

  it('refuses the token after SESSION_END, and every token after PASSWORD', async () => {
    const alice = await env.user('alice');
    const ended = ((await alice.client.request('SESSION')).data as { token: string }).token;
    const kept = ((await alice.client.request('SESSION')).data as { token: string }).token;
    expect(await alice.client.request(`SESSION_END ${ended}`)).toEqual({
      status: 'OK',
      data: 'sesi berakhir',
    });
    const other = await env.connect();
    expect(await other.request(`RESUME ${alice.name} ${ended}`)).toEqual(refused);
    expect(await other.request(`RESUME ${alice.name} ${kept}`)).toEqual(loggedIn);
    expect(await alice.client.request(`PASSWORD ${PASSWORD} battery-staple-9`)).toMatchObject({
      status: 'OK',
    });
    const third = await env.connect();
    expect(await third.request(`RESUME ${alice.name} ${kept}`)).toEqual(refused);
  });
});
