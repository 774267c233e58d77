/**
 * CONVERSATIONS over real WebSockets (issue 23): a fresh login on another connection lists the user's private
 * conversations from the server, most recent first, each once with its newest message — also when both sides and
 * several devices send into one conversation at the same moment (the first move of a conversation raced for real),
 * and for a file.
 */
import { describe, expect, it } from 'vitest';
import { PASSWORD, useEndpoint } from '../support/endpoint.js';

const env = useEndpoint();

type Listing = { status: string; data: { with: string; id: string; from: string; sentAt: string }[] };

describe('CONVERSATIONS', () => {
  it('lists the conversations to a new login, newest first, each once, after racing sends', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const carol = await env.user('carol');
    const dave = await env.user('dave');
    const aliceToo = await env.connect();
    expect(await aliceToo.request(`AUTH ${alice.name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });

    const toDave = await alice.client.request(`SEND ${dave.name} first`);
    expect(toDave.status).toBe('OK');
    // The first messages of alice and bob's conversation, from both sides and two of alice's devices at once.
    const race = await Promise.all([
      alice.client.request(`SEND ${bob.name} a1`),
      aliceToo.request(`SEND ${bob.name} a2`),
      bob.client.request(`SEND ${alice.name} b1`),
      bob.client.request(`SEND ${alice.name} b2`),
    ]);
    for (const answer of race) expect(answer).toMatchObject({ status: 'OK', data: 'pesan terkirim' });
    const file = await carol.client.request(
      `SEND_FILE ${alice.name} note.txt ${Buffer.from('hi').toString('base64')}`,
    );
    expect(file).toMatchObject({ status: 'OK', data: 'file terkirim' });

    const fresh = await env.connect();
    expect(await fresh.request(`AUTH ${alice.name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    const listing = (await fresh.request('CONVERSATIONS')) as unknown as Listing;
    expect(listing.status).toBe('OK');
    expect(listing).not.toHaveProperty('next');
    const newestWithBob = race
      .map((answer) => String(answer.id))
      .sort()
      .at(-1);
    expect(listing.data.map((item) => [item.with, item.id])).toEqual([
      [carol.name, file.id],
      [bob.name, newestWithBob],
      [dave.name, toDave.id],
    ]);
    expect(listing.data[0]).toMatchObject({ from: carol.name, sentAt: expect.any(String) });
    // Each side lists it too, and a user with no private message lists nothing.
    expect(
      ((await bob.client.request('CONVERSATIONS')) as unknown as Listing).data.map((i) => i.with),
    ).toEqual([alice.name]);
    const loner = await env.user('loner');
    expect(await loner.client.request('CONVERSATIONS')).toEqual({ status: 'OK', data: [] });
  });
});
