/**
 * Scale and failure, on the real local runtime: a group whose offline members' names alone exceed DynamoDB's 400 KB
 * item limit, a 10,000-message backlog delivered once and in order after an AUTH that does not wait for it, a
 * delivery that dies half way and resumes, and pushes that hang. Members and messages are seeded into the table
 * directly (test/support/seed.ts) in the shapes the commands write.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Runtime } from '../../local/runtime.js';
import { keys } from '../../shared/data/keys.js';
import { idCeil, newId } from '../../shared/ids.js';
import { userKeyOf } from '../../shared/protocol/names.js';
import { ChatClient, type Frame } from '../support/client.js';
import { PASSWORD, uniqueName } from '../support/endpoint.js';
import { type PushProxy, startProxiedRuntime } from '../support/push-proxy.js';
import { type Seeder, seeder } from '../support/seed.js';

// Seeding thousands of items and delivering thousands of messages on a shared 2-core machine takes a while.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

let runtime: Runtime;
let proxy: PushProxy;
let stopRuntime: () => Promise<void>;
let seed: Seeder;
let passwordHash: string;
const clients: ChatClient[] = [];

beforeAll(async () => {
  // A hung push is given up after 500 ms instead of 2 s: what the hung pushes below show (SEND does not wait on
  // them; the message waits for the next login) holds at any timeout, and each SEND waited two of them.
  ({ runtime, proxy, stop: stopRuntime } = await startProxiedRuntime({ PUSH_TIMEOUT_MS: '500' }));
  seed = seeder();
  // shared/ reads its settings on import: only now that the runtime has set them.
  const { hashPassword } = await import('../../shared/auth/password.js');
  passwordHash = await hashPassword(PASSWORD);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await stopRuntime();
});

async function connect(): Promise<ChatClient> {
  const client = await ChatClient.connect(runtime.url);
  clients.push(client);
  return client;
}

async function login(name: string): Promise<ChatClient> {
  const client = await connect();
  expect(await client.request(`AUTH ${name} ${PASSWORD}`)).toEqual({
    status: 'OK',
    data: 'autentikasi berhasil',
  });
  return client;
}

async function user(prefix: string): Promise<{ name: string; client: ChatClient }> {
  const name = uniqueName(prefix);
  await seed.users([name], passwordHash);
  return { name, client: await login(name) };
}

/** The ids of the connections a user is logged in on, from the table. */
async function connectionsOf(name: string): Promise<string[]> {
  const { Items } = await seed.db.send(
    new QueryCommand({
      TableName: seed.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
      ExpressionAttributeValues: { ':pk': keys.user(name.toLowerCase()).pk, ':c': '#CONN#' },
    }),
  );
  return (Items ?? []).map((item) => String(item.sk).slice('#CONN#'.length));
}

/** Every push a client got after its AUTH until CAUGHT_UP, BATCH frames unpacked. */
async function backlogOf(client: ChatClient): Promise<Frame[]> {
  await client.caughtUp(120_000);
  return client.pushes.splice(0);
}

describe('a group of 13,000 offline members with 32-character names (416 KB of names)', () => {
  it('takes a message in one small item, pushes it to who is online, and hands it to an offline member at login', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const group = uniqueName('big');
    expect(await alice.client.request(`GROUP_CREATE ${group}`)).toMatchObject({ status: 'OK' });
    expect(await bob.client.request(`GROUP_JOIN ${group}`)).toMatchObject({ status: 'OK' });

    const offline = Array.from(
      { length: 13_000 },
      (_, i) => `m${String(i).padStart(5, '0')}${'x'.repeat(26)}`,
    );
    expect(offline.join('').length).toBeGreaterThan(400 * 1024);
    await seed.members(group, group, offline, idCeil(Date.now() - 60_000));
    await seed.users([offline[0] as string], passwordHash);

    expect(await alice.client.request(`SEND_GROUP ${group} halo semua`)).toEqual({
      status: 'OK',
      data: 'pesan terkirim',
      id: expect.stringMatching(/^[0-9A-Z]{26}$/),
    });
    const push = await bob.client.nextPush();
    expect(push).toMatchObject({ event: 'GROUP_MESSAGE', group, from: alice.name, message: 'halo semua' });
    const stored = await seed.get(keys.groupMessage(group, String(push.id)));
    expect(Buffer.byteLength(JSON.stringify(stored))).toBeLessThan(1024);

    // GROUP_MEMBERS pages through all 13,002 names.
    const names: string[] = [];
    let answer = await bob.client.request(`GROUP_MEMBERS ${group}`);
    for (;;) {
      expect(answer.status).toBe('OK');
      names.push(...(answer.data as string[]));
      if (answer.next === undefined) break;
      answer = await bob.client.request(`GROUP_MEMBERS ${group} ${answer.next}`);
    }
    expect(names).toHaveLength(13_002);
    expect(new Set(names).size).toBe(13_002);

    const member = await login(offline[0] as string);
    expect((await backlogOf(member)).map((p) => p.message)).toEqual(['halo semua']);
  });
});

async function memberAwayFrom(): Promise<{ name: string; group: string }> {
  const owner = await user('owner');
  const name = uniqueName('dave');
  await seed.users([name], passwordHash);
  const dave = await login(name);
  const group = uniqueName('busy');
  await owner.client.request(`GROUP_CREATE ${group}`);
  await dave.request(`GROUP_JOIN ${group}`);
  await dave.caughtUp();
  await dave.close();
  // Wait until the departure is recorded (the connection's copies are gone).
  await expect.poll(() => connectionsOf(name), { timeout: 10_000 }).toEqual([]);
  return { name, group };
}

function idsNow(n: number): string[] {
  const now = Date.now();
  return Array.from({ length: n }, () => newId(now)).sort();
}

describe('a backlog of 10,000 group messages', () => {
  it('arrives after an AUTH that does not wait for it, oldest first, each once, in frames of at most 32 KB', async () => {
    const { name, group } = await memberAwayFrom();
    const waiting = idsNow(10_000);
    await seed.groupMessages(group, group, 'owner', waiting);

    const back = await login(name);
    const pushes = await backlogOf(back);
    expect(pushes.map((p) => p.id)).toEqual(waiting);
    // AUTH did not wait for the backlog: its answer came before all but a few of the 10,000.
    expect(back.log.findIndex((f) => f.status === 'OK')).toBeLessThan(1_000);
    const frames = back.raw.filter((frame) => frame.startsWith('{"event"'));
    expect(frames.length).toBeGreaterThan(10_000 / 200);
    for (const frame of frames) expect(Buffer.byteLength(frame)).toBeLessThanOrEqual(32 * 1024 + 4);

    const again = await login(name);
    expect(await backlogOf(again)).toEqual([]);
  });

  it('resumes a delivery that died half way where it stopped, without sending anything twice', async () => {
    const { name, group } = await memberAwayFrom();
    const waiting = idsNow(2_000);
    await seed.groupMessages(group, group, 'owner', waiting);

    // The fifth frame to the new connection fails on both tries: the job fails and SQS hands it out again.
    proxy.fail = (_id, count) => count === 4 || count === 5;
    try {
      const back = await login(name);
      const pushes = await backlogOf(back);
      expect(pushes.map((p) => p.id)).toEqual(waiting);
      const [connectionId] = await connectionsOf(name);
      expect(proxy.counts.get(String(connectionId))).toBeGreaterThan(6);
    } finally {
      proxy.fail = () => false;
    }
  });
});

describe('the same catch-up handed out twice (SQS delivers at least once)', () => {
  it('runs once: the second copy waits for the first and then finds it done', async () => {
    const { name, group } = await memberAwayFrom();
    const waiting = idsNow(3_000);
    await seed.groupMessages(group, group, 'owner', waiting);
    const back = await login(name);
    const [connectionId] = await connectionsOf(name);
    const binding = await seed.get(keys.connection(String(connectionId)));
    const { enqueue } = await import('../../shared/queue/jobs.js');
    const job = { kind: 'catchup', user: userKeyOf(name), connectionId: String(connectionId) } as const;
    await enqueue({ ...job, boundary: String(binding?.boundary) });
    const pushes = await backlogOf(back);
    expect(pushes.map((p) => p.id)).toEqual(waiting);
    await runtime.jobsSettled();
    expect(back.pushes).toEqual([]);
    expect(back.syncs).toEqual([]);
  });
});

describe('a push that hangs', () => {
  it('does not hold SEND or SEND_GROUP: they answer, and the message waits for the next login', async () => {
    const alice = await user('alice');
    const bob = await user('bob');
    const group = uniqueName('grp');
    await alice.client.request(`GROUP_CREATE ${group}`);
    await bob.client.request(`GROUP_JOIN ${group}`);
    await bob.client.caughtUp();
    const [hung] = await connectionsOf(bob.name);
    proxy.hang.add(String(hung));

    expect(await alice.client.request(`SEND ${bob.name} are you there?`)).toMatchObject({ status: 'OK' });
    expect(await alice.client.request(`SEND_GROUP ${group} anyone?`)).toMatchObject({ status: 'OK' });
    expect(bob.client.pushes).toEqual([]);

    const tablet = await login(bob.name);
    expect((await backlogOf(tablet)).map((p) => p.message)).toEqual(['are you there?', 'anyone?']);
  });
});
