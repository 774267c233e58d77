import { describe, expect, it } from 'vitest';
import { PASSWORD, uniqueName, useEndpoint } from '../support/endpoint.js';

const env = useEndpoint();

describe('REGISTER', () => {
  it('registers a user whose name keeps its inner spaces, once', async () => {
    const c = await env.connect();
    const name = uniqueName('reg');
    expect(await c.request(`REGISTER ${name} ${PASSWORD} Indonesia Siti  Nurhaliza binti Tarudin`)).toEqual({
      status: 'OK',
      data: 'registrasi berhasil',
    });
    expect(await c.request(`register ${name.toUpperCase()} another-pass1 ID Someone`)).toEqual({
      status: 'ERROR',
      data: 'registrasi gagal',
      reason: 'username_taken',
    });
  });

  it.each([
    ['no parameters', 'REGISTER'],
    ['a missing name', `REGISTER ${uniqueName('r')} ${PASSWORD} ID`],
    ['a short username', `REGISTER ab ${PASSWORD} ID Name`],
    ['a username with a slash', `REGISTER bad/name ${PASSWORD} ID Name`],
    ['a long username', `REGISTER ${'u'.repeat(33)} ${PASSWORD} ID Name`],
    ['a short password', `REGISTER ${uniqueName('r')} short ID Name`],
    ['a long password', `REGISTER ${uniqueName('r')} ${'p'.repeat(129)} ID Name`],
    ['a long display name', `REGISTER ${uniqueName('r')} ${PASSWORD} ID ${'n'.repeat(101)}`],
  ])('refuses %s with bad_request', async (_label, frame) => {
    const c = await env.connect();
    expect(await c.request(frame)).toEqual({
      status: 'ERROR',
      data: 'registrasi gagal',
      reason: 'bad_request',
    });
  });

  it('lets exactly one of many simultaneous REGISTERs of one name succeed', async () => {
    const name = uniqueName('race');
    const racers = await Promise.all(Array.from({ length: 8 }, () => env.connect()));
    const answers = await Promise.all(
      racers.map((c, i) => c.request(`REGISTER ${name} ${PASSWORD}${i} ID Racer ${i}`)),
    );
    expect(answers.filter((a) => a.status === 'OK')).toHaveLength(1);
    expect(answers.filter((a) => a.reason === 'username_taken')).toHaveLength(7);
  });
});

describe('AUTH and LOGOUT', () => {
  it('gives one answer for a wrong password and an unknown user', async () => {
    const { name } = await env.user('auth');
    const c = await env.connect();
    const wrong = await c.request(`AUTH ${name} not-the-password`);
    const unknown = await c.request(`AUTH ${uniqueName('nobody')} ${PASSWORD}`);
    expect(wrong).toEqual({ status: 'ERROR', data: 'autentikasi gagal', reason: 'invalid_credentials' });
    expect(unknown).toEqual(wrong);
  });

  it('logs in case-insensitively, logs out, and keeps the connection open', async () => {
    const name = uniqueName('Mixed');
    const c = await env.connect();
    await c.request(`REGISTER ${name} ${PASSWORD} ID Mixed Case`);
    expect(await c.request(`AUTH ${name.toLowerCase()} ${PASSWORD}`)).toEqual({
      status: 'OK',
      data: 'autentikasi berhasil',
    });
    expect(await c.request('LOGOUT')).toEqual({ status: 'OK', data: 'logout berhasil' });
    expect(await c.request('LOGOUT')).toEqual({
      status: 'ERROR',
      data: 'logout gagal',
      reason: 'not_authenticated',
    });
    expect(await c.request('PING')).toEqual({ status: 'OK', data: 'pong' });
  });

  it('refuses commands that need a login before AUTH and after LOGOUT', async () => {
    const { client } = await env.user('out');
    await client.request('LOGOUT');
    expect(await client.request('SEND someone hi')).toEqual({
      status: 'ERROR',
      data: 'pesan tidak terkirim',
      reason: 'not_authenticated',
    });
    expect(await client.request('GROUPS')).toMatchObject({ status: 'ERROR', reason: 'not_authenticated' });
  });

  it('switches the connection to another user on a second AUTH', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const carol = await env.user('carol');
    // alice's connection becomes bob's: messages to alice no longer arrive there, messages to bob do.
    expect(await alice.client.request(`AUTH ${bob.name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    await carol.client.request(`SEND ${bob.name} for bob`);
    await carol.client.request(`SEND ${alice.name} for alice`);
    expect(await alice.client.nextPush()).toMatchObject({
      event: 'MESSAGE',
      to: bob.name,
      message: 'for bob',
    });
    expect(await bob.client.nextPush()).toMatchObject({ message: 'for bob' });
    expect(alice.client.pushes).toHaveLength(0);
    expect(await alice.client.request('INBOX')).toMatchObject({ status: 'OK', data: [] });
  });

  it('keeps the current login when a second AUTH fails', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    expect(await alice.client.request(`AUTH ${bob.name} wrong-password`)).toMatchObject({
      reason: 'invalid_credentials',
    });
    await bob.client.request(`SEND ${alice.name} still you?`);
    expect(await alice.client.nextPush()).toMatchObject({ to: alice.name, message: 'still you?' });
  });

  it('refuses AUTH with a missing password as bad_request', async () => {
    const c = await env.connect();
    expect(await c.request('AUTH lonely')).toEqual({
      status: 'ERROR',
      data: 'autentikasi gagal',
      reason: 'bad_request',
    });
  });
});
