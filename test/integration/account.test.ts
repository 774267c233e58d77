/**
 * Account control over real WebSockets: PASSWORD logs the user's other devices out and only the new password works
 * from then on; DELETE_ACCOUNT logs out everywhere, makes AUTH fail like an unknown user, keeps the name reserved,
 * and leaves the deleted user's messages in the other side's history.
 */
import { describe, expect, it } from 'vitest';
import type { ChatClient } from '../support/client.js';
import { PASSWORD, uniqueName, useEndpoint } from '../support/endpoint.js';

const env = useEndpoint();
const NEW_PASSWORD = 'battery-staple-7';

async function device(name: string, password = PASSWORD): Promise<ChatClient> {
  const client = await env.connect();
  expect(await client.request(`AUTH ${name} ${password}`)).toMatchObject({ status: 'OK' });
  return client;
}

const unknownUser = { status: 'ERROR', data: 'autentikasi gagal', reason: 'invalid_credentials' };

describe('PASSWORD', () => {
  it('logs the other device out (LOGGED_OUT, then not_authenticated); only the new password works', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const phone = await device(alice.name);

    expect(await alice.client.request(`PASSWORD ${PASSWORD} ${NEW_PASSWORD}`)).toEqual({
      status: 'OK',
      data: 'ubah kata sandi berhasil',
    });
    expect(await phone.nextPush()).toMatchObject({ event: 'LOGGED_OUT', reason: 'password_changed' });
    expect(await phone.request(`SEND ${bob.name} masih di sini?`)).toEqual({
      status: 'ERROR',
      data: 'pesan tidak terkirim',
      reason: 'not_authenticated',
    });
    // This connection stays logged in and was not told anything.
    expect(await alice.client.request(`SEND ${bob.name} masih di sini`)).toMatchObject({ status: 'OK' });
    expect(alice.client.pushes.filter((p) => p.event === 'LOGGED_OUT')).toEqual([]);
    // A message to Alice reaches only the device still logged in.
    await bob.client.request(`SEND ${alice.name} halo`);
    expect(await alice.client.nextPush()).toMatchObject({ event: 'MESSAGE', message: 'halo' });
    expect(phone.pushes).toEqual([]);

    const other = await env.connect();
    expect(await other.request(`AUTH ${alice.name} ${PASSWORD}`)).toEqual(unknownUser);
    expect(await other.request(`AUTH ${alice.name} ${NEW_PASSWORD}`)).toMatchObject({ status: 'OK' });
  });

  it('refuses a wrong old password (counted like a failed AUTH) and a new one REGISTER would refuse', async () => {
    const alice = await env.user('alice');
    const refused = { status: 'ERROR', data: 'ubah kata sandi gagal' };
    expect(await alice.client.request(`PASSWORD wrong-password-1 ${NEW_PASSWORD}`)).toEqual({
      ...refused,
      reason: 'invalid_credentials',
    });
    for (const frame of [
      'PASSWORD',
      `PASSWORD ${PASSWORD}`,
      `PASSWORD ${PASSWORD} short`,
      `PASSWORD ${PASSWORD} ${'p'.repeat(129)}`,
    ])
      expect(await alice.client.request(frame)).toEqual({ ...refused, reason: 'bad_request' });
    // The password did not change.
    await device(alice.name);
  });

  it('stops a stolen session from guessing: its wrong old passwords lock it, as many as failed AUTHs would', async () => {
    const alice = await env.user('alice');
    let last: unknown;
    for (let i = 0; i < 12; i++)
      last = await alice.client.request(`PASSWORD guess-number-${i} ${NEW_PASSWORD}`);
    expect(last).toMatchObject({ reason: 'too_many_attempts', retryAfter: expect.any(Number) });
    // Even the right password is refused on that connection while locked, for PASSWORD and DELETE_ACCOUNT.
    expect(await alice.client.request(`PASSWORD ${PASSWORD} ${NEW_PASSWORD}`)).toMatchObject({
      reason: 'too_many_attempts',
    });
    expect(await alice.client.request(`DELETE_ACCOUNT ${PASSWORD}`)).toMatchObject({
      reason: 'too_many_attempts',
    });
    // The session's guesses are its own: the owner's other devices are not locked out by them.
    const other = await env.connect();
    expect(await other.request(`AUTH ${alice.name} ${PASSWORD}`)).toEqual({
      status: 'OK',
      data: 'autentikasi berhasil',
    });
    expect(await other.request(`PASSWORD ${PASSWORD} ${NEW_PASSWORD}`)).toMatchObject({ status: 'OK' });
  });

  it('requires a login', async () => {
    const stranger = await env.connect();
    expect(await stranger.request(`PASSWORD ${PASSWORD} ${NEW_PASSWORD}`)).toEqual({
      status: 'ERROR',
      data: 'ubah kata sandi gagal',
      reason: 'not_authenticated',
    });
  });
});

describe('DELETE_ACCOUNT', () => {
  it('logs out everywhere, AUTH fails like an unknown user, the name stays taken, history stays', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const phone = await device(alice.name);
    const group = uniqueName('grp');
    expect(await alice.client.request(`GROUP_CREATE ${group}`)).toMatchObject({ status: 'OK' });
    expect(await bob.client.request(`GROUP_JOIN ${group}`)).toMatchObject({ status: 'OK' });
    const sent = await alice.client.request(`SEND ${bob.name} pesan terakhir`);
    const groupSent = await alice.client.request(`SEND_GROUP ${group} pamit`);
    await bob.client.nextPush();
    await bob.client.nextPush();

    expect(await alice.client.request('DELETE_ACCOUNT wrong-password-1')).toEqual({
      status: 'ERROR',
      data: 'hapus akun gagal',
      reason: 'invalid_credentials',
    });
    expect(await alice.client.request(`DELETE_ACCOUNT ${PASSWORD}`)).toEqual({
      status: 'OK',
      data: 'hapus akun berhasil',
    });
    expect(await phone.nextPush()).toMatchObject({ event: 'LOGGED_OUT', reason: 'account_deleted' });
    for (const client of [alice.client, phone])
      expect(await client.request(`SEND ${bob.name} halo`)).toMatchObject({ reason: 'not_authenticated' });

    const other = await env.connect();
    expect(await other.request(`AUTH ${alice.name} ${PASSWORD}`)).toEqual(unknownUser);
    expect(await other.request(`AUTH ${uniqueName('nobody')} ${PASSWORD}`)).toEqual(unknownUser);
    expect(await other.request(`REGISTER ${alice.name.toUpperCase()} ${PASSWORD} ID Someone`)).toEqual({
      status: 'ERROR',
      data: 'registrasi gagal',
      reason: 'username_taken',
    });
    expect(await bob.client.request(`SEND ${alice.name} halo?`)).toMatchObject({
      reason: 'unknown_recipient',
    });

    // What Alice sent stays in Bob's history, from the name she had.
    const direct = await bob.client.request(`HISTORY ${alice.name}`);
    expect(direct).toMatchObject({ status: 'OK' });
    expect(direct.data).toEqual([
      expect.objectContaining({ id: sent.id, from: alice.name, message: 'pesan terakhir' }),
    ]);
    const inGroup = await bob.client.request(`GROUP_HISTORY ${group}`);
    expect(inGroup.data).toEqual([expect.objectContaining({ id: groupSent.id, from: alice.name })]);
    // She left the group.
    const members = await bob.client.request(`GROUP_MEMBERS ${group}`);
    expect(members.data).toEqual([bob.name]);
  });

  it('requires a login and the password', async () => {
    const stranger = await env.connect();
    expect(await stranger.request(`DELETE_ACCOUNT ${PASSWORD}`)).toMatchObject({
      reason: 'not_authenticated',
    });
    const alice = await env.user('alice');
    expect(await alice.client.request('DELETE_ACCOUNT')).toMatchObject({ reason: 'bad_request' });
    expect(await alice.client.request(`DELETE_ACCOUNT ${PASSWORD} extra`)).toMatchObject({
      reason: 'bad_request',
    });
    // Still there.
    await device(alice.name);
  });
});
