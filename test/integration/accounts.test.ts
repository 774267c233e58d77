import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient } from '../support/client.js';
import { type Endpoint, loggedIn, PASSWORD, startEndpoint, uniqueName } from '../support/endpoint.js';

let endpoint: Endpoint;
const clients: ChatClient[] = [];
const connect = async () => {
  const client = await ChatClient.connect(endpoint.url);
  clients.push(client);
  return client;
};

beforeAll(async () => {
  endpoint = await startEndpoint();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await endpoint.stop();
});

describe('REGISTER', () => {
  it('registers a user whose name keeps its inner spaces, once', async () => {
    const c = await connect();
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
    const c = await connect();
    expect(await c.request(frame)).toEqual({
      status: 'ERROR',
      data: 'registrasi gagal',
      reason: 'bad_request',
    });
  });

  it('lets exactly one of many simultaneous REGISTERs of one name succeed', async () => {
    const name = uniqueName('race');
    const racers = await Promise.all(Array.from({ length: 8 }, () => connect()));
    const answers = await Promise.all(
      racers.map((c, i) => c.request(`REGISTER ${name} ${PASSWORD}${i} ID Racer ${i}`)),
    );
    expect(answers.filter((a) => a.status === 'OK')).toHaveLength(1);
    expect(answers.filter((a) => a.reason === 'username_taken')).toHaveLength(7);
  });
});

describe('AUTH and LOGOUT', () => {
  it('gives one answer for a wrong password and an unknown user', async () => {
    const { name } = await loggedIn(endpoint, 'auth');
    const c = await connect();
    const wrong = await c.request(`AUTH ${name} not-the-password`);
    const unknown = await c.request(`AUTH ${uniqueName('nobody')} ${PASSWORD}`);
    expect(wrong).toEqual({ status: 'ERROR', data: 'autentikasi gagal', reason: 'invalid_credentials' });
    expect(unknown).toEqual(wrong);
  });

  it('logs in case-insensitively, logs out, and keeps the connection open', async () => {
    const name = uniqueName('Mixed');
    const c = await connect();
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
    const { client } = await loggedIn(endpoint, 'out');
    clients.push(client);
    await client.request('LOGOUT');
    expect(await client.request('SEND someone hi')).toEqual({
      status: 'ERROR',
      data: 'pesan tidak terkirim',
      reason: 'not_authenticated',
    });
    expect(await client.request('GROUPS')).toMatchObject({ status: 'ERROR', reason: 'not_authenticated' });
  });

  it('switches the connection to another user on a second AUTH', async () => {
    const alice = await loggedIn(endpoint, 'alice');
    const bob = await loggedIn(endpoint, 'bob');
    const carol = await loggedIn(endpoint, 'carol');
    clients.push(alice.client, bob.client, carol.client);
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
    const alice = await loggedIn(endpoint, 'alice');
    const bob = await loggedIn(endpoint, 'bob');
    clients.push(alice.client, bob.client);
    expect(await alice.client.request(`AUTH ${bob.name} wrong-password`)).toMatchObject({
      reason: 'invalid_credentials',
    });
    await bob.client.request(`SEND ${alice.name} still you?`);
    expect(await alice.client.nextPush()).toMatchObject({ to: alice.name, message: 'still you?' });
  });

  it('refuses AUTH with a missing password as bad_request', async () => {
    const c = await connect();
    expect(await c.request('AUTH lonely')).toEqual({
      status: 'ERROR',
      data: 'autentikasi gagal',
      reason: 'bad_request',
    });
  });
});
