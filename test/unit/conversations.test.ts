/**
 * CONVERSATIONS (issue 23): the listing of a user's private conversations, kept by SEND at most once per conversation
 * and hour, read newest hour first. Against a real DynamoDB engine (dynalite in this process) through the dispatcher,
 * and the move's writes over fast-check's interleavings: once all moves and listings settled, exactly the head's
 * entry is left for a pair, at the newest hour any move carried.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { userKeyOf } from '../../shared/protocol/names.js';
import { type Answer, ERR, OK, useDispatcher } from '../support/dispatcher.js';
import { intercept } from '../support/fakes.js';

const t = await useDispatcher();
const { db, dynamo, TABLE } = await import('../../shared/data/client.js');
const { keys } = await import('../../shared/data/keys.js');
const conversations = await import('../../shared/data/conversations.js');
const { movesFor } = await import('../../shared/delivery/conversations.js');
const { newId } = await import('../../shared/ids.js');

const HOUR = 3600 * 1000;

/** Every request to the table, by command name, while `counting` is set. */
let counting: string[] | undefined;
/** While set, every request to the table waits for fast-check's scheduler to pick it. */
let scheduler: fc.Scheduler | undefined;
intercept(dynamo, 'conversations-test', (next, context) => async (args) => {
  counting?.push(String(context.commandName));
  if (scheduler) await scheduler.schedule(Promise.resolve(), String(context.commandName));
  return next(args);
});

const entriesOf = async (user: string) =>
  (
    await db.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :at)',
        ExpressionAttributeValues: { ':pk': `CONVS#${user}`, ':at': 'AT#' },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];

type Listed = { with: string; id: string; from: string; sentAt: string; deleted?: boolean };
const listed = (answer: Answer) => (answer.data as Listed[]).map((item) => item.with);

describe('CONVERSATIONS', () => {
  it('checks its parameters and needs a login', async () => {
    const d = await t.device();
    expect(await d.ask('CONVERSATIONS')).toEqual(ERR('daftar percakapan gagal', 'not_authenticated'));
    const a = await t.user('alice');
    expect(await a.ask('CONVERSATIONS')).toEqual(OK([]));
    expect(await a.ask('CONVERSATIONS 2026-12-07T20#bob')).toEqual(OK([]));
    for (const bad of ['x', '2026-12-07T20#Bob', '2026-12-07T20#b', '2026-12-07#bob', '2026-12-07T20#bob x'])
      expect(await a.ask(`CONVERSATIONS ${bad}`)).toEqual(ERR('daftar percakapan gagal', 'bad_request'));
  });

  it('lists both sides, most recent activity first, with the newest message; a revived conversation moves up', async () => {
    const start = Date.now();
    const [alice, bob, carol] = [await t.user('alice'), await t.user('bob'), await t.user('carol')];
    const alice0 = await t.device('10.0.0.1', start);
    const alice2 = await t.device('10.0.0.1', start + 2 * HOUR);
    expect((await alice0.ask(`AUTH ${alice.name} password1`)).status).toBe('OK');
    expect((await alice2.ask(`AUTH ${alice.name} password1`)).status).toBe('OK');
    await alice0.ask(`SEND ${bob.name} first`);
    const toCarol = (await alice0.ask(`SEND ${carol.name} hi carol`)) as { id: string };
    const back = (await carol.ask(`SEND ${alice.name} hi alice`)) as { id: string };
    expect(listed(await alice.ask('CONVERSATIONS'))).toEqual([carol.name, bob.name]);
    // Two hours on, alice writes to bob again: bob's conversation is the most recent, on both sides.
    const revived = (await alice2.ask(`SEND ${bob.name} again`)) as { id: string };
    const page = await alice.ask('CONVERSATIONS');
    expect(page).toEqual(
      OK([
        {
          with: bob.name,
          id: revived.id,
          from: alice.name,
          sentAt: new Date(start + 2 * HOUR).toISOString(),
        },
        { with: carol.name, id: back.id, from: carol.name, sentAt: expect.any(String) },
      ]),
    );
    expect(toCarol.id < back.id).toBe(true);
    expect(listed(await bob.ask('CONVERSATIONS'))).toEqual([alice.name]);
    expect(listed(await carol.ask('CONVERSATIONS'))).toEqual([alice.name]);
    // One entry per pair is left: the move deleted the old hour's.
    expect((await entriesOf(alice.name)).map((item) => item.with).sort()).toEqual(
      [bob.name, carol.name].sort(),
    );
    // A deleted newest message is shown as deleted, without its text.
    expect(await alice2.ask(`DELETE ${revived.id}`)).toMatchObject({ status: 'OK' });
    expect((await bob.ask('CONVERSATIONS')).data[0]).toMatchObject({
      with: alice.name,
      id: revived.id,
      deleted: true,
    });
  });

  it('costs a SEND no write when the conversation already moved this hour', async () => {
    const [alice, bob] = [await t.user('alice'), await t.user('bob')];
    // Both sends within one hour whenever the test runs: a device whose clock is 10 minutes into the next hour.
    const inHour = await t.device('10.0.0.1', Math.floor(Date.now() / HOUR) * HOUR + HOUR + 600_000);
    expect((await inHour.ask(`AUTH ${alice.name} password1`)).status).toBe('OK');
    counting = [];
    await inHour.ask(`SEND ${bob.name} one`);
    const first = counting;
    counting = [];
    await inHour.ask(`SEND ${bob.name} two`);
    const second = counting;
    counting = undefined;
    // The first: both sides' entries put, heads moved (3 writes would include a delete of an older entry).
    expect(first.filter((name) => name === 'UpdateItemCommand').length).toBe(2);
    expect(second).not.toContain('UpdateItemCommand');
    expect(second).not.toContain('DeleteItemCommand');
    expect(second.filter((name) => name === 'PutItemCommand')).toHaveLength(2); // the message and its MSGREF
    expect(listed(await bob.ask('CONVERSATIONS'))).toEqual([alice.name]);
  });

  it('pages by next, each conversation once, newest first within a page', async () => {
    const me = await t.user('many');
    const start = Date.now();
    const names: string[] = [];
    for (let n = 0; n < 53; n++) {
      const other = await t.user('peer');
      names.push(other.name);
      // Three hours: pages are cut by hour, so the newest hour's come first.
      const d = await t.device('10.0.0.1', start + (n % 3) * HOUR);
      expect((await d.ask(`AUTH ${other.name} password1`)).status).toBe('OK');
      expect((await d.ask(`SEND ${me.name} m${n}`)).status).toBe('OK');
    }
    const first = (await me.ask('CONVERSATIONS')) as { data: Listed[]; next?: string };
    expect(first.data).toHaveLength(50);
    expect(first.next).toBeDefined();
    const ids = first.data.map((item) => item.id);
    expect(ids).toEqual([...ids].sort().reverse());
    const second = (await me.ask(`CONVERSATIONS ${first.next}`)) as { data: Listed[]; next?: string };
    expect(second).not.toHaveProperty('next');
    expect([...first.data, ...second.data].map((item) => item.with).sort()).toEqual([...names].sort());
    // Pages follow the hour: nothing on the second page is of a later hour than the first page's last.
    const hour = (item: Listed | undefined) => conversations.bucketOf(Date.parse(item?.sentAt ?? ''));
    expect(second.data.every((item) => hour(item) <= hour(first.data.at(-1)))).toBe(true);
    expect(hour(first.data[0])).toBe(conversations.bucketOf(start + 2 * HOUR));
  });

  it('keeps a blocked pair listed for both, and a refused SEND moves nothing', async () => {
    const start = Date.now();
    const [alice, bob] = [await t.user('alice'), await t.user('bob')];
    await alice.ask(`SEND ${bob.name} hi`);
    expect(await bob.ask(`BLOCK ${alice.name}`)).toMatchObject({ status: 'OK' });
    const later = await t.device('10.0.0.1', start + 2 * HOUR);
    await later.ask(`AUTH ${alice.name} password1`);
    expect(await later.ask(`SEND ${bob.name} refused`)).toEqual(
      ERR('pesan tidak terkirim', 'unknown_recipient'),
    );
    expect(listed(await alice.ask('CONVERSATIONS'))).toEqual([bob.name]);
    expect(listed(await bob.ask('CONVERSATIONS'))).toEqual([alice.name]);
    const head = await db.send(
      new GetCommand({
        TableName: TABLE,
        Key: keys.conversation(bob.name, alice.name),
        ConsistentRead: true,
      }),
    );
    expect(head.Item?.bucket).toBe(conversations.bucketOf(start));
  });

  it('passes over, and deletes, an entry a half-done move left behind', async () => {
    const [alice, bob] = [await t.user('alice'), await t.user('bob')];
    await alice.ask(`SEND ${bob.name} hi`);
    const stale = keys.conversationEntry(alice.name, '2020-01-01T00', bob.name);
    await db.send(
      new (await import('@aws-sdk/lib-dynamodb')).PutCommand({
        TableName: TABLE,
        Item: { ...stale, with: bob.name, username: bob.name },
      }),
    );
    expect(listed(await alice.ask('CONVERSATIONS'))).toEqual([bob.name]);
    expect((await entriesOf(alice.name)).map((item) => item.sk)).not.toContain(stale.sk);
  });
});

describe('movesFor', () => {
  it('moves only the sides whose head is older than the message hour; oneself is one side', () => {
    const id = newId(Date.parse('2026-12-07T20:30:00Z'));
    const pair = { fromKey: userKeyOf('a'), toKey: userKeyOf('b'), from: 'A', to: 'B' };
    expect(movesFor(pair, id, new Map())).toEqual([
      { user: 'a', other: 'b', username: 'B', bucket: '2026-12-07T20' },
      { user: 'b', other: 'a', username: 'A', bucket: '2026-12-07T20' },
    ]);
    expect(
      movesFor(
        pair,
        id,
        new Map([
          [userKeyOf('a'), '2026-12-07T20'],
          [userKeyOf('b'), '2026-12-07T19'],
        ]),
      ),
    ).toEqual([{ user: 'b', other: 'a', username: 'A', bucket: '2026-12-07T20' }]);
    expect(
      movesFor(
        pair,
        id,
        new Map([
          [userKeyOf('a'), '2026-12-07T21'],
          [userKeyOf('b'), '2026-12-07T20'],
        ]),
      ),
    ).toEqual([]);
    expect(
      movesFor({ fromKey: userKeyOf('a'), toKey: userKeyOf('a'), from: 'A', to: 'A' }, id, new Map()),
    ).toHaveLength(1);
  });
});

describe('moving a conversation, over interleavings of its writes', () => {
  it('leaves exactly the head entry, at the newest hour moved to, whatever the order', async () => {
    const hours = ['2026-12-07T18', '2026-12-07T19', '2026-12-07T20'];
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.constantFrom(...hours), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.option(fc.constantFrom(...hours), { nil: undefined }),
        async (s, buckets, listing, before) => {
          const user = userKeyOf(`prop${++run}`);
          const other = userKeyOf('peer');
          const move = (bucket: string) => ({ user, other, username: 'Peer', bucket });
          if (before) await conversations.moveConversation(move(before));
          scheduler = s;
          try {
            const work = Promise.all([
              ...buckets.map((bucket) => conversations.moveConversation(move(bucket))),
              // A listing meanwhile deletes what it finds older than the head.
              listing
                ? (async () => {
                    const page = await conversations.listPage(user, undefined, 50);
                    const heads = await conversations.currentHeads(user, [other]);
                    const old = page.entries.filter((entry) => entry.bucket < (heads.get(other) ?? ''));
                    await conversations.forgetEntries(
                      old.map((entry) => keys.conversationEntry(user, entry.bucket, entry.other)),
                    );
                  })()
                : Promise.resolve(),
            ]);
            await s.waitFor(work);
          } finally {
            scheduler = undefined;
          }
          const newest = [...buckets, ...(before ? [before] : [])].sort().at(-1);
          const head = await db.send(
            new GetCommand({ TableName: TABLE, Key: keys.conversation(user, other), ConsistentRead: true }),
          );
          expect(head.Item?.bucket).toBe(newest);
          expect((await entriesOf(user)).map((item) => item.sk)).toEqual([`AT#${newest}#${other}`]);
        },
      ),
      { numRuns: 60 },
    );
  });
});
