/**
 * Live delivery (shared/delivery/direct.ts, group.ts, waiting.ts, shared/push/deliver.ts) against dynalite and a
 * recording @connections stand-in: who gets a push, who gets it in the inbox instead, pages of a group's online
 * members, members who left after a message was made, and connections that are gone.
 */
import { describe, expect, it } from 'vitest';
import { type GroupKey, groupKeyOf, type UserKey, userKeyOf } from '../../shared/protocol/names.js';
import { useConnectionsApi } from '../support/connections-api.js';
import { fakeQueue } from '../support/fakes.js';
import { useTable } from '../support/table.js';

await useTable();
process.env.QUEUE_URL = 'http://127.0.0.1:9/queue/unit';
const api = await useConnectionsApi();
const { keys } = await import('../../shared/data/keys.js');
const groups = await import('../../shared/data/groups.js');
const { addMember } = await import('../../shared/groups/join.js');
const messages = await import('../../shared/data/messages.js');
const c = await import('../../shared/data/connections.js');
const login = await import('../../shared/login/index.js');
const { deliverToUser } = await import('../../shared/delivery/direct.js');
const { deliverToGroup, fanOutPage, INLINE_CONNECTIONS, PAGE_CONNECTIONS } = await import(
  '../../shared/delivery/group.js'
);
const { leaveWaiting } = await import('../../shared/delivery/waiting.js');
const { signalPage } = await import('../../shared/delivery/signals.js');
const { pushToAll, pushOne } = await import('../../shared/push/deliver.js');
const { sqs } = await import('../../shared/queue/jobs.js');
const { newId, idCeil } = await import('../../shared/ids.js');
const { pendingMetrics } = await import('../../shared/metrics.js');

const jobs = fakeQueue(sqs).sent;

let unique = 0;
const fresh = (prefix: string) => `${prefix}${++unique}`;
const freshUser = (prefix: string) => userKeyOf(fresh(prefix));
const lifetime = () => Math.floor((Date.now() + c.CONNECTION_LIFETIME_MS) / 1000);
const got = (connectionId: string) =>
  (api.frames.get(connectionId) ?? []).map((f) => JSON.parse(f.slice(0, -4)) as Record<string, unknown>);
const waiting = async (user: UserKey) =>
  (await messages.inboxPage(user, undefined, 100)).waiting.map((w) => w.id);

/** A device bound to `user` (and its copies in `gs`). */
async function online(user: UserKey, gs: GroupKey[] = []) {
  const connection = { user, connectionId: fresh('c'), expiresAt: lifetime() };
  await c.openConnection(connection.connectionId, Date.now(), undefined);
  const now = Date.now();
  const previous = await c.readConnection(connection.connectionId, now, true);
  expect(await login.bindConnection(connection, user, gs, previous, now)).toBeDefined();
  return connection;
}

describe('pushes', () => {
  it('report the users none of whose devices took a push, and forget gone devices', async () => {
    const [a, b, d] = [freshUser('a'), freshUser('b'), freshUser('d')];
    const a1 = await online(a);
    const a2 = await online(a);
    const b1 = await online(b);
    const d1 = await online(d);
    api.gone.add(a1.connectionId);
    api.failing.add(b1.connectionId);
    const push = { event: 'MESSAGE', id: 'x' };
    const unreached = await pushToAll(api.endpoint, [a1, a2, b1, d1], push);
    expect([...unreached]).toEqual([b]);
    expect(got(a2.connectionId)).toEqual([push]);
    expect(got(d1.connectionId)).toEqual([push]);
    expect((await c.readUserConnections(a, Date.now())).map((x) => x.connectionId)).toEqual([
      a2.connectionId,
    ]);
    // A failed push forgets nothing.
    expect((await c.readUserConnections(b, Date.now())).map((x) => x.connectionId)).toEqual([
      b1.connectionId,
    ]);
    expect(await pushToAll(api.endpoint, [], push)).toEqual(new Set());
  });

  it('count each outcome under its own metric', async () => {
    const before = (name: string) =>
      pendingMetrics()
        .filter((m) => m.name === name)
        .reduce((s, m) => s + (m.values[0] ?? 0), 0);
    const counts = ['PushesDelivered', 'PushesGone', 'PushesFailed'].map(before);
    const u = freshUser('u');
    const ok = await online(u);
    const gone = await online(u);
    const failing = await online(u);
    api.gone.add(gone.connectionId);
    api.failing.add(failing.connectionId);
    expect(await pushOne(api.endpoint, ok, 'x')).toBe('delivered');
    expect(await pushOne(api.endpoint, gone, 'x')).toBe('gone');
    expect(await pushOne(api.endpoint, failing, 'x')).toBe('failed');
    expect(['PushesDelivered', 'PushesGone', 'PushesFailed'].map(before)).toEqual(counts.map((n) => n + 1));
  });
});

describe('a private message', () => {
  it('reaches every live device and waits nowhere', async () => {
    const [from, to] = [freshUser('f'), freshUser('t')];
    const d1 = await online(to);
    const d2 = await online(to);
    const event = { event: 'MESSAGE', id: newId(), text: 'hi' };
    await deliverToUser({
      endpoint: api.endpoint,
      fromKey: from,
      toKey: to,
      connections: [d1, d2],
      event: event,
      now: Date.now(),
    });
    expect(got(d1.connectionId)).toEqual([event]);
    expect(got(d2.connectionId)).toEqual([event]);
    expect(await waiting(to)).toEqual([]);
    expect((await messages.directHistory(to, from, undefined, 5)).events).toEqual([event]);
  });

  it('waits in the inbox when no device took it, and reaches a device that logged in meanwhile', async () => {
    const [from, to] = [freshUser('f'), freshUser('t')];
    const event = { event: 'MESSAGE', id: newId() };
    await deliverToUser({
      endpoint: api.endpoint,
      fromKey: from,
      toKey: to,
      connections: [],
      event: event,
      now: Date.now(),
    });
    expect(await waiting(to)).toEqual([event.id]);

    const gone = await online(to);
    api.gone.add(gone.connectionId);
    const second = { event: 'MESSAGE', id: newId() };
    await deliverToUser({
      endpoint: api.endpoint,
      fromKey: from,
      toKey: to,
      connections: [gone],
      event: second,
      now: Date.now(),
    });
    expect(await waiting(to)).toEqual([event.id, second.id]);

    // A device the sender's read did not see (it logged in meanwhile) is found by the second look.
    const late = await online(to);
    const third = { event: 'MESSAGE', id: newId() };
    await deliverToUser({
      endpoint: api.endpoint,
      fromKey: from,
      toKey: to,
      connections: [],
      event: third,
      now: Date.now(),
    });
    expect(got(late.connectionId)).toEqual([third]);
    expect(await waiting(to)).toEqual([event.id, second.id]);
  });

  it('is not pushed again to a device already tried', async () => {
    const to = freshUser('t');
    const hung = await online(to);
    api.failing.add(hung.connectionId);
    const event = { event: 'MESSAGE', id: newId() };
    const key = await messages.storeDirectMessage(userKeyOf('x'), to, event);
    await leaveWaiting(api.endpoint, to, key, event, event, Date.now(), new Set([hung.connectionId]));
    expect(await waiting(to)).toEqual([event.id]);
    api.failing.delete(hung.connectionId);
    await leaveWaiting(api.endpoint, to, key, event, event, Date.now());
    expect(got(hung.connectionId)).toEqual([event]);
    expect(await waiting(to)).toEqual([]);
  });
});

describe('a group message', () => {
  async function group(members: number) {
    const g = groupKeyOf(fresh('g'));
    await groups.createGroup(g, g, 'owner', 0);
    const users = Array.from({ length: members }, (_, i) => userKeyOf(`${g}m${String(i).padStart(3, '0')}`));
    for (const u of users) await addMember(g, g, u, u, [], 0);
    return { g, users };
  }

  it('reaches every online member but the sender, in the request when few', async () => {
    const { g, users } = await group(3);
    const [sender, m1, m2] = users as [UserKey, UserKey, UserKey];
    const s = await online(sender, [g]);
    const d1 = await online(m1, [g]);
    const event = { event: 'GROUP_MESSAGE', id: newId(), group: g };
    jobs.length = 0;
    await deliverToGroup(api.endpoint, g, sender, event, Date.now());
    expect(got(d1.connectionId)).toEqual([event]);
    expect(got(s.connectionId)).toEqual([]);
    expect(jobs).toEqual([]);
    // Offline members read it from the group's log at their next login; nothing waits in their inbox.
    expect(await waiting(m2)).toEqual([]);
    expect(await messages.readGroupMessage(g, event.id)).toEqual(event);
  });

  it('pages through online members, queuing the next page first', async () => {
    const { g, users } = await group(5);
    const devices = [];
    for (const u of users) devices.push(await online(u, [g]));
    const event = { event: 'GROUP_MESSAGE', id: newId(), group: g };
    await messages.storeGroupMessage(g, event, userKeyOf('nobody'));
    jobs.length = 0;
    const job = { kind: 'fanout' as const, group: g, id: event.id, sender: userKeyOf('nobody'), after: '' };
    await fanOutPage(api.endpoint, job, undefined, 2, Date.now());
    expect(devices.map((d) => got(d.connectionId).length)).toEqual([1, 1, 0, 0, 0]);
    expect(jobs).toEqual([
      { ...job, after: keys.groupConnection(g, users[1] as UserKey, devices[1]?.connectionId as string).sk },
    ]);
    await fanOutPage(api.endpoint, jobs[0] as typeof job, undefined, 2, Date.now());
    await fanOutPage(api.endpoint, jobs[1] as typeof job, undefined, 2, Date.now());
    expect(devices.map((d) => got(d.connectionId).length)).toEqual([1, 1, 1, 1, 1]);
    expect(jobs).toHaveLength(2);
    expect(INLINE_CONNECTIONS).toBe(100);
    expect(PAGE_CONNECTIONS).toBe(1000);
  });

  it("as a signal, skips the sender (a user) or one connection (an edit's), page by page", async () => {
    const { g, users } = await group(3);
    const [a, b, d] = users as [UserKey, UserKey, UserKey];
    const a1 = await online(a, [g]);
    const a2 = await online(a, [g]);
    const b1 = await online(b, [g]);
    const d1 = await online(d, [g]);
    const typing = { event: 'TYPING_GROUP', id: newId(), group: g };
    jobs.length = 0;
    await signalPage(
      api.endpoint,
      { kind: 'signal', to: 'group', key: g, skip: a, after: '', event: typing },
      10,
      Date.now(),
    );
    expect([a1, a2, b1, d1].map((x) => got(x.connectionId).length)).toEqual([0, 0, 1, 1]);
    expect(jobs).toEqual([]);
    const edited = { event: 'MESSAGE_EDITED', id: newId(), group: g };
    const job = {
      kind: 'signal' as const,
      to: 'group' as const,
      key: g,
      skip: '' as const,
      except: a1.connectionId,
      after: '',
      event: edited,
    };
    await signalPage(api.endpoint, job, 3, Date.now());
    await signalPage(api.endpoint, jobs[0] as typeof job, 3, Date.now());
    expect(jobs).toHaveLength(1);
    expect([a1, a2, b1, d1].map((x) => got(x.connectionId).at(-1)?.event)).toEqual([
      undefined,
      'MESSAGE_EDITED',
      'MESSAGE_EDITED',
      'MESSAGE_EDITED',
    ]);
  });

  it('does nothing for a message that was never stored', async () => {
    const { g, users } = await group(1);
    const d = await online(users[0] as UserKey, [g]);
    const job = { kind: 'fanout' as const, group: g, id: newId(), sender: userKeyOf('x'), after: '' };
    await fanOutPage(api.endpoint, job, undefined, 10, Date.now());
    expect(got(d.connectionId)).toEqual([]);
  });

  it('hands the message to members who left after it was made, and to members no device took it for', async () => {
    const { g, users } = await group(4);
    const [sender, left, unreachable, quitter] = users as [UserKey, UserKey, UserKey, UserKey];
    const event = { event: 'GROUP_MESSAGE', id: newId(Date.now() - 5000), group: g };
    await messages.storeGroupMessage(g, event, sender);
    // `left` went offline after the message was made (a departure mark after its id); so did the sender.
    const mark = (u: UserKey) => ({ ...keys.groupDeparture(g, idCeil(Date.now()), u), user: u });
    const { batchWrite } = await import('../../shared/data/table.js');
    await batchWrite([mark(left), mark(sender), mark(quitter)]);
    // `quitter` left the group as well: not a member, nothing waits for them.
    await groups.removeMember(g, quitter, []);
    const dead = await online(unreachable, [g]);
    api.failing.add(dead.connectionId);
    const job = { kind: 'fanout' as const, group: g, id: event.id, sender, after: '' };
    await fanOutPage(api.endpoint, job, event, 10, Date.now());
    expect(await waiting(left)).toEqual([event.id]);
    expect(await waiting(unreachable)).toEqual([event.id]);
    expect(await waiting(sender)).toEqual([]);
    expect(await waiting(quitter)).toEqual([]);
  });

  it('leaves a departed member to the page that covers them', async () => {
    const { g, users } = await group(3);
    const [a, b, z] = users as [UserKey, UserKey, UserKey];
    const event = { event: 'GROUP_MESSAGE', id: newId(Date.now() - 5000), group: g };
    await messages.storeGroupMessage(g, event, userKeyOf('x'));
    const { batchWrite } = await import('../../shared/data/table.js');
    await batchWrite([{ ...keys.groupDeparture(g, idCeil(Date.now()), z), user: z }]);
    const da = await online(a, [g]);
    await online(b, [g]);
    // The first page ends at b: z, after it, belongs to the next page.
    const job = { kind: 'fanout' as const, group: g, id: event.id, sender: userKeyOf('x'), after: '' };
    jobs.length = 0;
    await fanOutPage(api.endpoint, job, event, 2, Date.now());
    expect(await waiting(z)).toEqual([]);
    expect(got(da.connectionId)).toEqual([event]);
    await fanOutPage(api.endpoint, jobs[0] as typeof job, event, 2, Date.now());
    expect(await waiting(z)).toEqual([event.id]);
  });
});
