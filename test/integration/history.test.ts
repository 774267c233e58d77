import { describe, expect, it } from 'vitest';
import { uniqueName, useEndpoint } from '../support/endpoint.js';
import { download } from '../support/files.js';

const env = useEndpoint();

type Page = {
  status: string;
  data: { id: string; message?: string; from: string; url?: string }[];
  next?: string;
};

describe('HISTORY', () => {
  it('pages through a private conversation, newest first, both directions, only for its two users', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const carol = await env.user('carol');
    for (let i = 0; i < 53; i++) {
      const [from, to] = i % 2 === 0 ? [alice, bob] : [bob, alice];
      expect(await from.client.request(`SEND ${to.name} m${i}`)).toMatchObject({ status: 'OK' });
    }
    const first = (await alice.client.request(`HISTORY ${bob.name}`)) as unknown as Page;
    expect(first.status).toBe('OK');
    expect(first.data).toHaveLength(50);
    expect(first.data[0]).toMatchObject({ event: 'MESSAGE', from: alice.name, message: 'm52' });
    expect(first.next).toBe(first.data[49]?.id);
    const second = (await alice.client.request(`HISTORY ${bob.name} ${first.next}`)) as unknown as Page;
    expect(second.data.map((e) => e.message)).toEqual(['m2', 'm1', 'm0']);
    expect(second).not.toHaveProperty('next');
    // The same conversation from bob's side; carol has none with bob.
    expect(((await bob.client.request(`HISTORY ${alice.name}`)) as unknown as Page).data[0]?.message).toBe(
      'm52',
    );
    expect(await carol.client.request(`HISTORY ${bob.name}`)).toEqual({ status: 'OK', data: [] });
  });

  it('cuts a page of long messages to one frame and continues where it stopped', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const long = (n: number) => `${String(n).padStart(2, '0')}${'😀'.repeat(4094)}`;
    for (let i = 0; i < 12; i++) await alice.client.request(`SEND ${bob.name} ${long(i)}`);
    const first = (await bob.client.request(`HISTORY ${alice.name}`)) as unknown as Page;
    expect(Buffer.byteLength(bob.client.raw.at(-1) ?? '')).toBeLessThanOrEqual(128 * 1024);
    expect(first.data.length).toBeGreaterThan(0);
    expect(first.data.length).toBeLessThan(12);
    const seen = first.data.map((e) => e.message?.slice(0, 2));
    let next = first.next;
    while (next) {
      const page = (await bob.client.request(`HISTORY ${alice.name} ${next}`)) as unknown as Page;
      seen.push(...page.data.map((e) => e.message?.slice(0, 2)));
      next = page.next;
    }
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => String(11 - i).padStart(2, '0')));
  });

  it('gives files with fresh working links', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    await alice.client.request(`SEND_FILE ${bob.name} old.txt ${Buffer.from('kept').toString('base64')}`);
    const page = (await bob.client.request(`HISTORY ${alice.name}`)) as unknown as Page;
    expect(page.data[0]).toMatchObject({ event: 'FILE', filename: 'old.txt' });
    expect(page.data[0]).not.toHaveProperty('objectKey');
    expect((await download(String(page.data[0]?.url))).bytes.toString()).toBe('kept');
  });

  it('answers bad requests and unknown users', async () => {
    const alice = await env.user('alice');
    expect(await alice.client.request(`HISTORY ${uniqueName('ghost')}`)).toEqual({
      status: 'ERROR',
      data: 'riwayat gagal',
      reason: 'unknown_recipient',
    });
    expect(await alice.client.request('HISTORY')).toMatchObject({ reason: 'bad_request' });
    expect(await alice.client.request(`HISTORY ${alice.name} not-an-id`)).toMatchObject({
      reason: 'bad_request',
    });
    const anon = await env.connect();
    expect(await anon.request(`HISTORY ${alice.name}`)).toMatchObject({ reason: 'not_authenticated' });
  });
});

describe('GROUP_HISTORY', () => {
  it('shows a group conversation to members only', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const eve = await env.user('eve');
    const group = uniqueName('grp');
    await alice.client.request(`GROUP_CREATE ${group}`);
    await bob.client.request(`GROUP_JOIN ${group}`);
    await alice.client.request(`SEND_GROUP ${group} first`);
    await bob.client.request(`SEND_GROUP ${group} second`);
    const page = (await bob.client.request(`GROUP_HISTORY ${group}`)) as unknown as Page;
    expect(page.data.map((e) => [e.from, e.message])).toEqual([
      [bob.name, 'second'],
      [alice.name, 'first'],
    ]);
    expect(await eve.client.request(`GROUP_HISTORY ${group}`)).toEqual({
      status: 'ERROR',
      data: 'riwayat gagal',
      reason: 'not_a_member',
    });
    expect(await eve.client.request(`GROUP_HISTORY ${uniqueName('none')}`)).toMatchObject({
      reason: 'unknown_group',
    });
  });
});
