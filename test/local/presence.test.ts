/**
 * Presence at its bounds and in its races, with the local runtime in this process: the per-connection WATCH bound,
 * WHO paging through a group with thousands online (seeded), concurrent first logins (one online event), and a
 * login that binds while the last device's departure is between its read and its write (the departure's second read
 * finds it: offline, then online again — never left offline).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys } from '../../shared/data/keys.js';
import type { ChatClient, Frame } from '../support/client.js';
import { PASSWORD, uniqueName } from '../support/endpoint.js';
import { useLocalRuntime } from '../support/runtime.js';
import { seeder } from '../support/seed.js';

const local = useLocalRuntime();

const presenceOf = (user: string) => (push: Frame) => push.event === 'PRESENCE' && push.user === user;
const presenceLog = (client: ChatClient, user: string) =>
  client.log.filter(presenceOf(user)).map((push) => push.online);

async function sharedGroup(...users: { client: ChatClient }[]) {
  const name = uniqueName('grp');
  const [owner, ...others] = users;
  expect(await owner?.client.request(`GROUP_CREATE ${name}`)).toMatchObject({ status: 'OK' });
  for (const u of others)
    expect(await u.client.request(`GROUP_JOIN ${name}`)).toMatchObject({ status: 'OK' });
  return name;
}

describe('WATCH bound', () => {
  it('lets one connection watch 200 users, answers too_many_watches beyond, and makes room on UNWATCH', async () => {
    const bob = await local.user('bob');
    const group = await sharedGroup(bob);
    // 201 members of bob's group, seeded as memberships only (STATUS and WATCH read no more than that).
    const names = Array.from({ length: 201 }, (_, i) => `w${i}_${uniqueName('x').slice(2)}`.toLowerCase());
    await seeder().put(names.map((user) => ({ ...keys.userGroup(user, group), group, from: '' })));
    for (let i = 0; i < 200; i += 50)
      expect(await bob.client.request(`WATCH ${names.slice(i, i + 50).join(' ')}`)).toMatchObject({
        status: 'OK',
      });
    const refused = { status: 'ERROR', data: 'pantau gagal', reason: 'too_many_watches' };
    expect(await bob.client.request(`WATCH ${names[200]}`)).toEqual(refused);
    // Watching one already watched adds nothing, so it fits.
    expect(await bob.client.request(`WATCH ${names[0]}`)).toMatchObject({ status: 'OK' });
    expect(await bob.client.request(`UNWATCH ${names[0]}`)).toMatchObject({ status: 'OK' });
    expect(await bob.client.request(`WATCH ${names[200]}`)).toMatchObject({ status: 'OK' });
    expect(await bob.client.request(`WATCH ${names[0]}`)).toEqual(refused);
    // Another connection of the same user has its own bound.
    const other = await local.connect();
    expect(await other.request(`AUTH ${bob.name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    expect(await other.request(`WATCH ${names[0]}`)).toMatchObject({ status: 'OK' });
    // Exactly the closed connection's watches go with it.
    expect(await watchersOf(names[0] as string)).toHaveLength(1);
    expect(await watchersOf(names[1] as string)).toHaveLength(1);
    await bob.client.close();
    await expect
      .poll(() => watchersOf(names[1] as string).then((items) => items.length), { timeout: 20_000 })
      .toBe(0);
    expect(await watchersOf(names[0] as string)).toHaveLength(1);
  });
});

async function watchersOf(user: string) {
  const { db, table } = seeder();
  const { Items } = await db.send(
    new QueryCommand({
      TableName: table,
      // The watcher items, not the counter beside them.
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :watcher)',
      ExpressionAttributeValues: { ':pk': keys.watcher(user, '').pk, ':watcher': keys.watcher(user, '').sk },
    }),
  );
  return Items ?? [];
}

describe('WHO at scale', () => {
  it('pages through a group with 1,500 members online on two devices each: every one once, none expired', async () => {
    const bob = await local.user('bob');
    const group = await sharedGroup(bob);
    const inAnHour = Math.floor(Date.now() / 1000) + 3600;
    const online = Array.from({ length: 1500 }, (_, i) => `on${String(i).padStart(4, '0')}_${group}`);
    const stale = Array.from({ length: 10 }, (_, i) => `gone${i}_${group}`);
    const presence = (user: string, device: string, expiresAt: number) => ({
      ...keys.groupConnection(group, user, `${user}-${device}`),
      user,
      connectionId: `${user}-${device}`,
      expiresAt,
    });
    await seeder().put([
      ...[...online, ...stale].map((user) => ({
        ...keys.groupMember(group, user),
        username: user.toUpperCase(),
      })),
      ...online.flatMap((user) => [presence(user, 'a', inAnHour), presence(user, 'b', inAnHour)]),
      ...stale.map((user) => presence(user, 'a', inAnHour - 7200)),
    ]);
    const seen: string[] = [];
    let pages = 0;
    let after = '';
    for (;;) {
      const answer = await bob.client.request(`WHO ${group}${after ? ` ${after}` : ''}`);
      expect(answer.status).toBe('OK');
      seen.push(...(answer.data as string[]));
      pages++;
      if (answer.next === undefined) break;
      after = String(answer.next);
    }
    // 3,001 presence items at 1,000 a page.
    expect(pages).toBeGreaterThanOrEqual(4);
    expect(seen.sort()).toEqual([...online.map((u) => u.toUpperCase()), bob.name].sort());
  });
});

describe('races', () => {
  it('two first logins at once announce the user online once', async () => {
    const alice = await local.user('alice');
    const bob = await local.user('bob');
    await sharedGroup(alice, bob);
    expect(await alice.client.request('LOGOUT')).toMatchObject({ status: 'OK' });
    expect(await bob.client.request(`WATCH ${alice.name}`)).toMatchObject({ status: 'OK' });
    const second = await local.connect();
    const answers = await Promise.all([
      alice.client.request(`AUTH ${alice.name} ${PASSWORD}`),
      second.request(`AUTH ${alice.name} ${PASSWORD}`),
    ]);
    for (const answer of answers) expect(answer).toMatchObject({ status: 'OK' });
    // A login pushes its watchers before it answers: bob's next answer comes after any such push.
    expect(await bob.client.request('PING')).toMatchObject({ status: 'OK' });
    expect(presenceLog(bob.client, alice.name)).toEqual([true]);
  });

  it('a login while the last device is leaving ends online, announced after the offline', async () => {
    const alice = await local.user('alice');
    const bob = await local.user('bob');
    await sharedGroup(alice, bob);
    expect(await bob.client.request(`WATCH ${alice.name}`)).toMatchObject({ status: 'OK' });
    let reached!: () => void;
    const atOffline = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const aliceProfile = keys.user(alice.name.toLowerCase()).pk;
    await local.onDynamo('holdOffline', 'initialize', (next, context) => async (args) => {
      const raw = args.input?.Key?.pk;
      const pk = typeof raw === 'string' ? raw : raw?.S;
      if (
        context.commandName === 'UpdateItemCommand' &&
        pk === aliceProfile &&
        String(args.input?.UpdateExpression).includes('REMOVE onlineUntil')
      ) {
        reached();
        await gate;
      }
      return next(args);
    });
    // Her only device leaves; its departure has read no connection and waits before clearing the flag …
    const leaving = alice.client.request('LOGOUT');
    await atOffline;
    // … while a new device binds: it finds the flag still set and announces nothing.
    const second = await local.connect();
    expect(await second.request(`AUTH ${alice.name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    release();
    expect(await leaving).toMatchObject({ status: 'OK' });
    const events = [
      await bob.client.nextPush(presenceOf(alice.name)),
      await bob.client.nextPush(presenceOf(alice.name)),
    ].sort((a, b) => String(a.at).localeCompare(String(b.at)));
    expect(events.map((e) => e.online)).toEqual([false, true]);
    expect(await bob.client.request(`STATUS ${alice.name}`)).toMatchObject({
      data: { online: true },
    });
  });
});

describe('a watcher that is gone', () => {
  it('answers 410 to a PRESENCE push: exactly that connection and its watches are forgotten', async () => {
    const alice = await local.user('alice');
    const bob = await local.user('bob');
    await sharedGroup(alice, bob);
    expect(await bob.client.request(`WATCH ${alice.name}`)).toMatchObject({ status: 'OK' });
    // A connection of bob's that vanished without $disconnect, still watching alice and carol.
    const gone = 'gone-watcher=';
    const bobKey = bob.name.toLowerCase();
    const inAnHour = Math.floor(Date.now() / 1000) + 3600;
    await seeder().put([
      { ...keys.connection(gone), user: bobKey, username: bob.name, expiresAt: inAnHour },
      { ...keys.userConnection(bobKey, gone), expiresAt: inAnHour },
      ...['alice', 'carol'].flatMap((who) => {
        const watched = who === 'alice' ? alice.name.toLowerCase() : `carol_${bobKey}`;
        return [
          { ...keys.watcher(watched, gone), watcher: bobKey, connectionId: gone, expiresAt: inAnHour },
          { ...keys.watching(gone, watched), expiresAt: inAnHour },
        ];
      }),
    ]);
    expect(await alice.client.request('LOGOUT')).toMatchObject({ status: 'OK' });
    // The live watcher is told; the push to the gone one answers 410.
    expect(await bob.client.nextPush(presenceOf(alice.name))).toMatchObject({ online: false });
    await expect.poll(async () => (await watchersOf(`carol_${bobKey}`)).length).toBe(0);
    expect((await watchersOf(alice.name.toLowerCase())).map((w) => w.connectionId)).not.toContain(gone);
    // Bob's live connection still watches alice, and bob stays online.
    expect(await alice.client.request(`AUTH ${alice.name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    expect(await bob.client.nextPush(presenceOf(alice.name))).toMatchObject({ online: true });
    expect(await alice.client.request(`STATUS ${bob.name}`)).toMatchObject({ data: { online: true } });
  });
});
