/**
 * Connections that are gone without a $disconnect (best-effort on AWS): a 410 from @connections forgets exactly
 * that connection and keeps the message for later; an expired connection item is never trusted.
 * These tests reach into the real local engine to plant such connections.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../shared/data/keys.js';
import { ChatClient } from '../support/client.js';
import { type Endpoint, loggedIn, PASSWORD, startEndpoint, uniqueName } from '../support/endpoint.js';

let endpoint: Endpoint;
let db: DynamoDBDocumentClient;
let table: string;
const clients: ChatClient[] = [];

beforeAll(async () => {
  delete process.env.WS_URL;
  endpoint = await startEndpoint();
  table = String(process.env.TABLE_NAME);
  db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: process.env.AWS_REGION }));
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await endpoint.stop();
});

const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
const anHourAgo = () => Math.floor(Date.now() / 1000) - 3600;

async function registered(prefix: string) {
  const name = uniqueName(prefix);
  const c = await ChatClient.connect(endpoint.url);
  clients.push(c);
  await c.request(`REGISTER ${name} ${PASSWORD} ID ${prefix}`);
  return name;
}

async function plantConnection(user: string, connectionId: string, expiresAt: number, group?: string) {
  const key = user.toLowerCase();
  await db.send(
    new PutCommand({
      TableName: table,
      Item: { ...keys.connection(connectionId), user: key, username: user, expiresAt },
    }),
  );
  await db.send(
    new PutCommand({ TableName: table, Item: { ...keys.userConnection(key, connectionId), expiresAt } }),
  );
  if (group) {
    await db.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...keys.groupConnection(group.toLowerCase(), key, connectionId),
          user: key,
          connectionId,
          expiresAt,
        },
      }),
    );
  }
}

const exists = async (key: { pk: string; sk: string }) =>
  (await db.send(new GetCommand({ TableName: table, Key: key }))).Item !== undefined;

describe('stale connections', () => {
  it('forgets exactly the connection that answered 410 and keeps the message for the next AUTH', async () => {
    const alice = await loggedIn(endpoint, 'alice');
    clients.push(alice.client);
    const bob = await registered('bob');
    await plantConnection(bob, 'gone-1=', inAnHour());
    await plantConnection(bob, 'gone-2=', inAnHour());

    expect(await alice.client.request(`SEND ${bob} are you there?`)).toMatchObject({ status: 'OK' });
    expect(await exists(keys.connection('gone-1='))).toBe(false);
    expect(await exists(keys.userConnection(bob.toLowerCase(), 'gone-2='))).toBe(false);

    const back = await ChatClient.connect(endpoint.url);
    clients.push(back);
    await back.request(`AUTH ${bob} ${PASSWORD}`);
    await back.caughtUp();
    expect(back.pushes.map((p) => p.message)).toEqual(['are you there?']);
    // The sender's own live connection was not touched by the clean-up: it is told its message was delivered
    // (bob's catch-up took it, issue 23) and gets bob's answer.
    expect(await alice.client.nextPush((p) => p.event === 'DELIVERED')).toMatchObject({ by: bob });
    await back.request(`SEND ${alice.name} got it`);
    expect((await alice.client.nextPush((p) => p.event === 'MESSAGE')).message).toBe('got it');
  });

  it('does not trust a connection item past its expiry', async () => {
    const alice = await loggedIn(endpoint, 'alice');
    clients.push(alice.client);
    const bob = await registered('bob');
    await plantConnection(bob, 'expired=', anHourAgo());
    await alice.client.request(`SEND ${bob} later`);
    // Never pushed to (so never forgotten by a 410): the item is simply ignored, and the message waits.
    expect(await exists(keys.connection('expired='))).toBe(true);
    const back = await ChatClient.connect(endpoint.url);
    clients.push(back);
    await back.request(`AUTH ${bob} ${PASSWORD}`);
    await back.caughtUp();
    expect(back.pushes.map((p) => p.message)).toEqual(['later']);
  });

  it('keeps a group message for a member whose only connection is gone', async () => {
    const alice = await loggedIn(endpoint, 'alice');
    const bob = await loggedIn(endpoint, 'bob');
    clients.push(alice.client, bob.client);
    const group = uniqueName('grp');
    await alice.client.request(`GROUP_CREATE ${group}`);
    await bob.client.request(`GROUP_JOIN ${group}`);
    // bob's real connection leaves without a trace in the table; a dead one stays behind.
    await bob.client.request('LOGOUT');
    await plantConnection(bob.name, 'dead=', inAnHour(), group);

    await alice.client.request(`SEND_GROUP ${group} did you see this?`);
    expect(await exists(keys.groupConnection(group.toLowerCase(), bob.name.toLowerCase(), 'dead='))).toBe(
      false,
    );
    await bob.client.request(`AUTH ${bob.name} ${PASSWORD}`);
    expect(await bob.client.nextPush()).toMatchObject({
      event: 'GROUP_MESSAGE',
      message: 'did you see this?',
    });
  });

  it('lists in INBOX what waits, without marking it delivered', async () => {
    const alice = await loggedIn(endpoint, 'alice');
    const bob = await loggedIn(endpoint, 'bob');
    clients.push(alice.client, bob.client);
    await bob.client.caughtUp();
    // bob's device is logged in, but the copy that lets senders find it is lost.
    const bobKey = bob.name.toLowerCase();
    const { Items } = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
        ExpressionAttributeValues: { ':pk': `USER#${bobKey}`, ':c': '#CONN#' },
      }),
    );
    for (const item of Items ?? [])
      await db.send(new DeleteCommand({ TableName: table, Key: { pk: item.pk, sk: item.sk } }));

    await alice.client.request(`SEND ${bob.name} waiting for you`);
    const listed = await bob.client.request('INBOX');
    expect(listed).toMatchObject({
      status: 'OK',
      data: [{ event: 'MESSAGE', from: alice.name, message: 'waiting for you' }],
    });
    expect(await bob.client.request('INBOX')).toEqual(listed);
    await bob.client.request(`AUTH ${bob.name} ${PASSWORD}`);
    expect((await bob.client.nextPush()).message).toBe('waiting for you');
    // The catch-up drops what it delivered once the frame is pushed; CAUGHT_UP comes after that.
    await bob.client.caughtUp();
    expect(await bob.client.request('INBOX')).toEqual({ status: 'OK', data: [] });
  });

  it('lists only the oldest waiting messages that fit in one frame, and says there are more', async () => {
    const alice = await loggedIn(endpoint, 'alice');
    const bob = await loggedIn(endpoint, 'bob');
    clients.push(alice.client, bob.client);
    // Bob's login has settled (its catch-up ends by writing his connection state) before his connection is made stale.
    await bob.client.caughtUp();
    const { Items } = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
        ExpressionAttributeValues: { ':pk': `USER#${bob.name.toLowerCase()}`, ':c': '#CONN#' },
      }),
    );
    for (const item of Items ?? [])
      await db.send(new DeleteCommand({ TableName: table, Key: { pk: item.pk, sk: item.sk } }));
    for (let i = 0; i < 40; i++)
      await alice.client.request(`SEND ${bob.name} ${String(i).padStart(2, '0')}${'x'.repeat(4000)}`);

    const listed = await bob.client.request('INBOX');
    expect(bob.client.raw.at(-1)?.length ?? 0).toBeLessThanOrEqual(128 * 1024);
    expect(listed).toMatchObject({ status: 'OK', more: true });
    const shown = (listed.data as { message: string }[]).map((e) => e.message.slice(0, 2));
    expect(shown.length).toBeGreaterThan(20);
    expect(shown.length).toBeLessThan(40);
    expect(shown).toEqual(shown.map((_, i) => String(i).padStart(2, '0')));
  });
});
