/**
 * Every send answers the id of the message it made, and SEND_ID / SEND_GROUP_ID make a retried send one message:
 * the same client id answers the same id, and nothing is stored or pushed again.
 */
import { describe, expect, it } from 'vitest';
import type { ChatClient, Frame } from '../support/client.js';
import { PASSWORD, uniqueName, useEndpoint } from '../support/endpoint.js';

const env = useEndpoint();
const ID = /^[0-9A-Z]{26}$/;

const b64 = (text: string) => Buffer.from(text).toString('base64');
const clientId = () =>
  uniqueName('cid')
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .padEnd(8, '_');

async function group(owner: { client: ChatClient }, ...members: { client: ChatClient }[]) {
  const name = uniqueName('grp');
  expect(await owner.client.request(`GROUP_CREATE ${name}`)).toMatchObject({ status: 'OK' });
  for (const member of members)
    expect(await member.client.request(`GROUP_JOIN ${name}`)).toMatchObject({ status: 'OK' });
  return name;
}

/** Whatever else arrives within a short while (pushes that should not come). */
async function settle(client: ChatClient): Promise<Frame[]> {
  expect(await client.request('PING')).toMatchObject({ status: 'OK' });
  await new Promise((resolve) => setTimeout(resolve, 500));
  return client.pushes.splice(0);
}

async function history(client: ChatClient, command: string): Promise<Frame[]> {
  const answer = await client.request(command);
  expect(answer).toMatchObject({ status: 'OK' });
  return answer.data as Frame[];
}

describe('the id in every send answer', () => {
  it('SEND and SEND_GROUP answer the id of the message the others receive', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const answer = await alice.client.request(`SEND ${bob.name} halo`);
    // SEND's seed-form answer never says delivered (SEND_ID's does).
    expect(answer).toEqual({ status: 'OK', data: 'pesan terkirim', id: expect.stringMatching(ID) });
    expect(await bob.client.nextPush()).toMatchObject({ event: 'MESSAGE', id: answer.id, message: 'halo' });

    const name = await group(alice, bob);
    const groupAnswer = await alice.client.request(`SEND_GROUP ${name} rapat`);
    expect(groupAnswer).toEqual({ status: 'OK', data: 'pesan terkirim', id: expect.stringMatching(ID) });
    expect(groupAnswer.id).not.toBe(answer.id);
    expect(await bob.client.nextPush()).toMatchObject({ event: 'GROUP_MESSAGE', id: groupAnswer.id });
  });

  it('inline SEND_FILE and SEND_GROUP_FILE answer the id of the file message', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const answer = await alice.client.request(`SEND_FILE ${bob.name} a.txt ${b64('isi')}`);
    expect(answer).toEqual({ status: 'OK', data: 'file terkirim', id: expect.stringMatching(ID) });
    expect(await bob.client.nextPush()).toMatchObject({ event: 'FILE', id: answer.id, filename: 'a.txt' });

    const name = await group(alice, bob);
    const groupAnswer = await alice.client.request(`SEND_GROUP_FILE ${name} b.txt ${b64('isi')}`);
    expect(groupAnswer).toEqual({ status: 'OK', data: 'file terkirim', id: expect.stringMatching(ID) });
    expect(await bob.client.nextPush()).toMatchObject({ event: 'GROUP_FILE', id: groupAnswer.id });
  });

  it('an upload answer names the id the file message will have', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const answer = await alice.client.request(`SEND_FILE ${bob.name} big.bin`);
    expect(answer).toMatchObject({
      status: 'OK',
      data: 'silakan unggah file',
      id: expect.stringMatching(ID),
    });
    expect((answer.upload as { id: string }).id).toBe(answer.id);
  });
});

describe('SEND_ID', () => {
  it('answers like SEND, with the id the recipient receives', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const answer = await alice.client.request(`SEND_ID ${clientId()} ${bob.name} halo  bob`);
    // bob is online and his device took the push before the answer: SEND_ID says so (SEND's answer never does).
    expect(answer).toEqual({
      status: 'OK',
      data: 'pesan terkirim',
      id: expect.stringMatching(ID),
      delivered: true,
    });
    expect(await bob.client.nextPush()).toMatchObject({
      event: 'MESSAGE',
      id: answer.id,
      from: alice.name,
      to: bob.name,
      message: 'halo  bob',
    });
  });

  it('a retry answers the same id, and stores and pushes nothing again', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const cid = clientId();
    const first = await alice.client.request(`SEND_ID ${cid} ${bob.name} sekali saja`);
    const push = await bob.client.nextPush();
    expect(push.id).toBe(first.id);
    // The retry may come from another device of the same user.
    const alicePhone = await env.connect();
    await alicePhone.request(`AUTH ${alice.name} ${PASSWORD}`);
    // A retry of a finished send answers the same id (it does not know whether it was delivered, and says nothing).
    for (const device of [alice.client, alicePhone])
      expect(await device.request(`SEND_ID ${cid} ${bob.name} sekali saja`)).toEqual({
        status: 'OK',
        data: 'pesan terkirim',
        id: first.id,
      });
    expect(await settle(bob.client)).toEqual([]);
    const messages = await history(bob.client, `HISTORY ${alice.name}`);
    expect(messages.map((m) => m.id)).toEqual([first.id]);
  });

  it('racing duplicates sent without waiting make one message', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const devices = [alice.client];
    for (let i = 0; i < 3; i++) {
      const device = await env.connect();
      await device.request(`AUTH ${alice.name} ${PASSWORD}`);
      devices.push(device);
    }
    const cid = clientId();
    const answers = await Promise.all(devices.map((d) => d.request(`SEND_ID ${cid} ${bob.name} balapan`)));
    const id = answers[0]?.id;
    expect(id).toMatch(ID);
    for (const answer of answers) expect(answer).toMatchObject({ status: 'OK', data: 'pesan terkirim', id });
    await bob.client.nextPush();
    // Duplicates of a push carry the same id, which clients drop; there is never a second message.
    expect(new Set([id, ...(await settle(bob.client)).map((p) => p.id)])).toEqual(new Set([id]));
    expect((await history(bob.client, `HISTORY ${alice.name}`)).map((m) => m.id)).toEqual([id]);
  });

  it('a client id is per user: another user with the same client id sends their own message', async () => {
    const alice = await env.user('alice');
    const carol = await env.user('carol');
    const bob = await env.user('bob');
    const cid = clientId();
    const a = await alice.client.request(`SEND_ID ${cid} ${bob.name} dari alice`);
    const c = await carol.client.request(`SEND_ID ${cid} ${bob.name} dari carol`);
    expect(a.id).toMatch(ID);
    expect(c.id).toMatch(ID);
    expect(c.id).not.toBe(a.id);
  });

  it('the same client id with another text or recipient is refused, and sends nothing', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const carol = await env.user('carol');
    const cid = clientId();
    await alice.client.request(`SEND_ID ${cid} ${bob.name} pertama`);
    await bob.client.nextPush();
    const refused = { status: 'ERROR', data: 'pesan tidak terkirim', reason: 'client_id_reused' };
    expect(await alice.client.request(`SEND_ID ${cid} ${bob.name} kedua`)).toEqual(refused);
    expect(await alice.client.request(`SEND_ID ${cid} ${carol.name} pertama`)).toEqual(refused);
    expect(await settle(bob.client)).toEqual([]);
    expect(await settle(carol.client)).toEqual([]);
  });

  it.each([
    ['a short client id', 'abc1234'],
    ['a long client id', 'x'.repeat(65)],
    ['a client id with a dot', 'abcd.1234'],
  ])('refuses %s with bad_request', async (_label, cid) => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    expect(await alice.client.request(`SEND_ID ${cid} ${bob.name} halo`)).toEqual({
      status: 'ERROR',
      data: 'pesan tidak terkirim',
      reason: 'bad_request',
    });
  });

  it('accepts client ids of 8 and 64 characters, and checks the recipient and the login like SEND', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    for (const cid of [`A-_${'z'.repeat(5)}`, 'Z'.repeat(64)])
      expect(await alice.client.request(`SEND_ID ${cid} ${bob.name} halo`)).toMatchObject({ status: 'OK' });
    expect(await alice.client.request(`SEND_ID ${clientId()} ${uniqueName('nobody')} halo`)).toMatchObject({
      reason: 'unknown_recipient',
    });
    const stranger = await env.connect();
    expect(await stranger.request(`SEND_ID ${clientId()} ${bob.name} halo`)).toMatchObject({
      reason: 'not_authenticated',
    });
  });
});

describe('SEND_GROUP_ID', () => {
  it('a retry and racing duplicates make one group message, with one id', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const carol = await env.user('carol');
    const name = await group(alice, bob, carol);
    const alicePhone = await env.connect();
    await alicePhone.request(`AUTH ${alice.name} ${PASSWORD}`);
    const cid = clientId();
    const answers = await Promise.all(
      [alice.client, alicePhone].map((d) => d.request(`SEND_GROUP_ID ${cid} ${name} rapat jam 3`)),
    );
    const id = answers[0]?.id;
    expect(id).toMatch(ID);
    expect(answers[1]).toEqual({ status: 'OK', data: 'pesan terkirim', id });
    for (const member of [bob, carol])
      expect(await member.client.nextPush()).toMatchObject({ event: 'GROUP_MESSAGE', id, group: name });
    expect(await alice.client.request(`SEND_GROUP_ID ${cid} ${name} rapat jam 3`)).toEqual(answers[0]);
    // Nothing new after the retry; a racing duplicate may only repeat the same id.
    for (const member of [bob, carol])
      for (const push of await settle(member.client)) expect(push.id).toBe(id);
    expect((await history(bob.client, `GROUP_HISTORY ${name}`)).map((m) => m.id)).toEqual([id]);
  });

  it('checks membership like SEND_GROUP', async () => {
    const alice = await env.user('alice');
    const outsider = await env.user('dave');
    const name = await group(alice);
    expect(await outsider.client.request(`SEND_GROUP_ID ${clientId()} ${name} halo`)).toEqual({
      status: 'ERROR',
      data: 'pesan tidak terkirim',
      reason: 'not_a_member',
    });
  });
});
