import { describe, expect, it } from 'vitest';
import { PASSWORD, uniqueName, useEndpoint } from '../support/endpoint.js';

const env = useEndpoint();

describe('SEND', () => {
  it('pushes a private message to every device of the recipient, and not to the sender', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const bobPhone = await env.connect();
    await bobPhone.request(`AUTH ${bob.name} ${PASSWORD}`);

    const sent = await alice.client.request(`SEND ${bob.name} halo   bob, apa kabar?`);
    expect(sent).toEqual({
      status: 'OK',
      data: 'pesan terkirim',
      id: expect.stringMatching(/^[0-9A-Z]{26}$/),
    });
    for (const device of [bob.client, bobPhone]) {
      const push = await device.nextPush();
      expect(push).toMatchObject({
        event: 'MESSAGE',
        from: alice.name,
        to: bob.name,
        message: 'halo   bob, apa kabar?',
      });
      expect(push.id).toBe(sent.id);
      expect(new Date(String(push.sentAt)).toISOString()).toBe(push.sentAt);
    }
    expect(alice.client.pushes).toHaveLength(0);
  });

  it('delivers quotes, backslashes, unicode, emoji and a frame terminator intact', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const message = 'say "hi" \\o/ — ñandú 你好 😀👩‍👩‍👧\r\n\r\n{"status":"OK"} end';
    await alice.client.request(`SEND ${bob.name} ${message}`);
    expect((await bob.client.nextPush()).message).toBe(message);
    const raw = bob.client.raw.at(-1) ?? '';
    expect(raw.indexOf('\r\n\r\n')).toBe(raw.length - 4);
  });

  it('answers each failure with its reason', async () => {
    const alice = await env.user('alice');
    expect(await alice.client.request(`SEND ${uniqueName('ghost')} hello`)).toEqual({
      status: 'ERROR',
      data: 'pesan tidak terkirim',
      reason: 'unknown_recipient',
    });
    expect(await alice.client.request('SEND onlyone')).toMatchObject({ reason: 'bad_request' });
    expect(await alice.client.request(`SEND ${alice.name} ${'x'.repeat(4097)}`)).toMatchObject({
      reason: 'too_large',
    });
    expect(await alice.client.request(`SEND ${alice.name} bell\u0007`)).toMatchObject({
      reason: 'bad_request',
    });
  });

  it('accepts a message of exactly 4096 characters, emoji counted as one', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const message = '😀'.repeat(4096);
    expect(await alice.client.request(`SEND ${bob.name} ${message}`)).toMatchObject({ status: 'OK' });
    expect((await bob.client.nextPush()).message).toBe(message);
  });
});

describe('offline delivery', () => {
  it('keeps messages for an offline user and pushes them after the next AUTH, oldest first, in one batch, once', async () => {
    const alice = await env.user('alice');
    const bobName = uniqueName('bob');
    const setup = await env.connect();
    await setup.request(`REGISTER ${bobName} ${PASSWORD} ID Bob`);
    for (const n of [1, 2, 3]) {
      expect(await alice.client.request(`SEND ${bobName} message ${n}`)).toMatchObject({ status: 'OK' });
    }
    const bob = await env.connect();
    expect(await bob.request(`AUTH ${bobName} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    await bob.caughtUp();
    const messages = bob.log.filter((f) => f.event === 'MESSAGE').map((f) => f.message);
    expect(messages).toEqual(['message 1', 'message 2', 'message 3']);
    // The three came in one frame.
    expect(bob.raw.filter((frame) => frame.startsWith('{"event":"BATCH"'))).toHaveLength(1);
    expect(await bob.request('INBOX')).toEqual({ status: 'OK', data: [] });

    const again = await env.connect();
    await again.request(`AUTH ${bobName} ${PASSWORD}`);
    await again.caughtUp();
    expect(again.pushes).toHaveLength(0);
  });
});
