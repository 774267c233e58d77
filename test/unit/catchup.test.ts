/**
 * Offline delivery (shared/delivery/catchup.ts) against dynalite and a recording @connections stand-in: order across
 * the inbox and groups, one copy of a message that waits twice, frames of at most 32 KB, progress that lets a later
 * run continue without repeats, and the stops (another login, a gone connection, another run holding the lease).
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { type GroupKey, groupKeyOf, type UserKey, userKeyOf } from '../../shared/protocol/names.js';
import { useConnectionsApi } from '../support/connections-api.js';
import { intercept } from '../support/fakes.js';
import { useTable } from '../support/table.js';

await useTable();
// A run polls 100 ms for its AUTH's answer before LeaseHeld instead of 2 s: what the run does when the answer comes or
// does not is the subject here, not how long it polls (test/unit/config.test.ts checks the default).
process.env.CATCHUP_ANSWER_POLL_MS = '100';
const api = await useConnectionsApi();
const { db, TABLE } = await import('../../shared/data/client.js');
const { keys } = await import('../../shared/data/keys.js');
const users = await import('../../shared/data/users.js');
const groups = await import('../../shared/data/groups.js');
const { addMember } = await import('../../shared/groups/join.js');
const messages = await import('../../shared/data/messages.js');
const c = await import('../../shared/data/connections.js');
const login = await import('../../shared/login/index.js');
const { ANSWER_WAIT_MS, catchUp, LeaseHeld } = await import('../../shared/delivery/catchup.js');
const { BATCH_FRAME_BYTES } = await import('../../shared/delivery/frames.js');
const { newId, idCeil } = await import('../../shared/ids.js');
const { queryAll } = await import('../../shared/data/table.js');
const { onManagementClient } = await import('../../shared/push/client.js');
const { dynamo } = await import('../../shared/data/client.js');

let unique = 0;
const fresh = (prefix: string) => `${prefix}${++unique}`;
const FAR = () => Date.now() + 60_000;

/** A user in two groups (joined at time 0), with a connection bound now; messages are stored by the test. */
async function world() {
  const user = userKeyOf(fresh('u'));
  const connectionId = fresh('c');
  const gs = [groupKeyOf(fresh('g')), groupKeyOf(fresh('g'))];
  await users.createUser(user, {
    username: 'U',
    passwordHash: 'h',
    country: 'ID',
    name: 'U',
    createdAt: 'x',
  });
  for (const g of gs) {
    await groups.createGroup(g, g, 'owner', 0);
    await addMember(g, g, user, 'U', [], 0);
  }
  const now = Date.now();
  await c.openConnection(connectionId, now, undefined);
  const connection = { user, connectionId, expiresAt: Math.floor((now + c.CONNECTION_LIFETIME_MS) / 1000) };
  const previous = await c.readConnection(connectionId, now, true);
  const boundary = await login.bindConnection(connection, 'U', gs, previous, now);
  if (boundary === undefined) throw new Error('bindConnection lost a race nobody ran');
  const job = { kind: 'catchup' as const, user, connectionId, boundary };
  return { user, connectionId, gs, now, boundary, job, connection };
}

const pushed = (connectionId: string) =>
  (api.frames.get(connectionId) ?? []).map(
    (frame) => JSON.parse(frame.slice(0, -4)) as Record<string, unknown>,
  );
const idsOf = (frame: Record<string, unknown>) =>
  frame.event === 'BATCH' ? (frame.events as { id: string }[]).map((e) => e.id) : [frame.id as string];

async function direct(from: UserKey, to: UserKey, ms: number, text = 'hi') {
  const id = newId(ms);
  const key = await messages.storeDirectMessage(from, to, { event: 'MESSAGE', id, from, text });
  await messages.putInbox(to, key, id);
  return id;
}

async function inGroup(g: GroupKey, ms: number, text = 'hey') {
  const id = newId(ms);
  await messages.storeGroupMessage(g, { event: 'GROUP_MESSAGE', id, group: g, text }, userKeyOf('owner'));
  return id;
}

describe('catch-up', () => {
  it('pushes the inbox and every group’s log oldest first in one batch, once, then CAUGHT_UP', async () => {
    const w = await world();
    const base = Date.now() - 10_000;
    const ids = [
      await inGroup(w.gs[0] as GroupKey, base + 1),
      await direct(userKeyOf('x'), w.user, base + 2),
      await inGroup(w.gs[1] as GroupKey, base + 3),
      await direct(userKeyOf('y'), w.user, base + 4),
    ];
    // A group message handed to the inbox by a fan-out waits twice: it goes once.
    const twice = await inGroup(w.gs[1] as GroupKey, base + 5);
    await messages.putInbox(w.user, keys.groupMessage(w.gs[1] as GroupKey, twice), twice);
    // A pointer to a message that no longer exists is dropped.
    await messages.putInbox(w.user, { pk: 'DM#gone', sk: 'MSG#gone' }, newId(base + 6));
    expect(await catchUp(api.endpoint, w.job, FAR(), Date.now())).toBe('done');
    const frames = pushed(w.connectionId);
    expect(frames).toHaveLength(2);
    expect(frames[0]?.event).toBe('BATCH');
    expect(frames[0]?.id).toBe(ids[0]);
    expect(idsOf(frames[0] as Record<string, unknown>)).toEqual([...ids, twice]);
    expect(frames[1]).toEqual({ event: 'CAUGHT_UP', id: w.boundary });
    expect((await messages.inboxPage(w.user, undefined, 10)).waiting).toEqual([]);
    const state = await c.readConnection(w.connectionId, Date.now(), true);
    expect(state.caughtUp).toBe(true);
    const account = await users.readAccount(w.user, Date.now(), true);
    expect(account.progress.size).toBe(0);
    const cursor = account.profile?.groupCursor as string;
    expect(cursor >= twice && cursor <= w.boundary).toBe(true);
    // A second run of the same job finds the login caught up and pushes nothing more.
    expect(await catchUp(api.endpoint, w.job, FAR(), Date.now())).toBe('stopped');
    expect(pushed(w.connectionId)).toHaveLength(2);
  });

  it('pushes a single waiting message as itself, and nothing from before the membership or after the boundary', async () => {
    const w = await world();
    const g = w.gs[0] as GroupKey;
    const late = newId(Date.now() + 60_000);
    await messages.storeGroupMessage(g, { event: 'GROUP_MESSAGE', id: late, group: g }, userKeyOf('owner'));
    const g2 = groupKeyOf(fresh('g'));
    await groups.createGroup(g2, g2, 'owner', 0);
    const before = await inGroup(g2, Date.now() - 5000);
    await addMember(g2, g2, w.user, 'U', [], Date.now() - 1000);
    const id = await direct(userKeyOf('x'), w.user, Date.now() - 500);
    expect(await catchUp(api.endpoint, w.job, FAR(), Date.now())).toBe('done');
    const frames = pushed(w.connectionId);
    expect(frames[0]).toMatchObject({ event: 'MESSAGE', id });
    expect(frames.flatMap(idsOf)).not.toContain(late);
    expect(frames.flatMap(idsOf)).not.toContain(before);
    expect(frames.at(-1)?.event).toBe('CAUGHT_UP');
  });

  it("passes over the user's own group messages, as the live fan-out does, and moves past them", async () => {
    const w = await world();
    const g = w.gs[0] as GroupKey;
    const base = Date.now() - 5000;
    const own = newId(base + 1);
    await messages.storeGroupMessage(
      g,
      { event: 'GROUP_MESSAGE', id: own, group: g, from: w.user.toUpperCase() },
      w.user,
    );
    const theirs = newId(base + 2);
    await messages.storeGroupMessage(
      g,
      { event: 'GROUP_MESSAGE', id: theirs, group: g, from: 'V' },
      userKeyOf('v'),
    );
    const ownLast = newId(base + 3);
    await messages.storeGroupMessage(
      g,
      { event: 'GROUP_MESSAGE', id: ownLast, group: g, from: w.user },
      w.user,
    );
    expect(await catchUp(api.endpoint, w.job, FAR(), Date.now())).toBe('done');
    const frames = pushed(w.connectionId);
    expect(frames.slice(0, -1).flatMap(idsOf)).toEqual([theirs]);
    expect(frames.at(-1)?.event).toBe('CAUGHT_UP');
    const account = await users.readAccount(w.user, Date.now(), true);
    expect((account.profile?.groupCursor as string) >= ownLast).toBe(true);
  });

  it('goes on in the same run when its AUTH answers within the polls, rather than a second later', async () => {
    const w = await world();
    const job = { ...w.job, afterAnswer: true };
    let reads = 0;
    let pushedBeforeAnswer: unknown;
    // The answer comes just before the run's third read of the connection (its second poll), however long it polls:
    // by then it has read the connection again, found no mark, and is still waiting.
    intercept(dynamo, `answer-on-third-read-${w.connectionId}`, (next, context) => async (args) => {
      const read =
        context.commandName === 'GetItemCommand' && JSON.stringify(args.input).includes(w.connectionId);
      if (read && ++reads === 3) {
        pushedBeforeAnswer = pushed(w.connectionId);
        await c.markAnswered(w.connectionId, { user: w.user, boundary: w.boundary });
      }
      return next(args);
    });
    expect(await catchUp(api.endpoint, job, FAR(), Date.now())).toBe('done');
    expect(reads).toBeGreaterThanOrEqual(3);
    expect(pushedBeforeAnswer).toEqual([]);
    expect(pushed(w.connectionId)).toEqual([{ event: 'CAUGHT_UP', id: w.boundary }]);
  });

  it('pushes nothing before its AUTH has answered (markAnswered), then goes on; an AUTH that died is not waited for', async () => {
    const w = await world();
    const job = { ...w.job, afterAnswer: true };
    const error = await catchUp(api.endpoint, job, FAR(), Date.now()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseHeld);
    expect((error as InstanceType<typeof LeaseHeld>).retryInSeconds).toBe(1);
    expect(pushed(w.connectionId)).toEqual([]);
    // Another login's mark (another boundary) is not this one's.
    await c.markAnswered(w.connectionId, { user: w.user, boundary: idCeil(0) });
    expect(await catchUp(api.endpoint, job, FAR(), Date.now()).catch((e: unknown) => e)).toBeInstanceOf(
      LeaseHeld,
    );
    await c.markAnswered(w.connectionId, { user: w.user, boundary: w.boundary });
    expect(await catchUp(api.endpoint, job, FAR(), Date.now())).toBe('done');
    expect(pushed(w.connectionId)).toEqual([{ event: 'CAUGHT_UP', id: w.boundary }]);

    // Never marked: the wait ends ANSWER_WAIT_MS after the boundary (the clock is the test's).
    const dead = await world();
    const later = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + ANSWER_WAIT_MS + 2_000);
    try {
      expect(await catchUp(api.endpoint, { ...dead.job, afterAnswer: true }, FAR(), Date.now())).toBe('done');
    } finally {
      later.mockRestore();
    }
  });

  it('with nothing waiting, only says CAUGHT_UP and moves the cursor to now', async () => {
    const w = await world();
    const start = idCeil(Date.now() - 2000);
    expect(await catchUp(api.endpoint, w.job, FAR(), Date.now())).toBe('done');
    expect(pushed(w.connectionId)).toEqual([{ event: 'CAUGHT_UP', id: w.boundary }]);
    const cursor = (await users.readAccount(w.user, Date.now())).profile?.groupCursor as string;
    expect(cursor > start).toBe(true);
    expect(cursor <= w.boundary).toBe(true);
  });

  it('cuts frames at 32 KB, and past its deadline saves progress so the next run goes on without repeats', async () => {
    const w = await world();
    const base = Date.now() - 10_000;
    const big = 'x'.repeat(12_000);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await inGroup(w.gs[i % 2] as GroupKey, base + i, big));
    for (let i = 5; i < 8; i++) ids.push(await direct(userKeyOf('x'), w.user, base + i, big));
    // Deadline already past: the run stops after its first full frame.
    expect(await catchUp(api.endpoint, w.job, Date.now() - 1, Date.now())).toBe('continue');
    const first = pushed(w.connectionId);
    expect(first).toHaveLength(1);
    expect(idsOf(first[0] as Record<string, unknown>)).toEqual(ids.slice(0, 2));
    expect((await c.readConnection(w.connectionId, Date.now(), true)).lease).toBeUndefined();
    const progress = (await users.readAccount(w.user, Date.now(), true)).progress;
    expect(progress.get(w.gs[0] as GroupKey)).toBe(ids[0]);
    expect(progress.get(w.gs[1] as GroupKey)).toBe(ids[1]);

    expect(await catchUp(api.endpoint, w.job, FAR(), Date.now())).toBe('done');
    const frames = pushed(w.connectionId);
    for (const frame of api.frames.get(w.connectionId) ?? [])
      expect(Buffer.byteLength(frame)).toBeLessThanOrEqual(BATCH_FRAME_BYTES);
    expect(frames.slice(0, -1).flatMap(idsOf)).toEqual(ids);
    expect(frames.length).toBe(5);
    expect(frames.at(-1)?.event).toBe('CAUGHT_UP');
    expect((await users.readAccount(w.user, Date.now(), true)).progress.size).toBe(0);
  });

  it('stops when the connection speaks for someone else, or is gone', async () => {
    const w = await world();
    await direct(userKeyOf('x'), w.user, Date.now() - 1000);
    expect(await catchUp(api.endpoint, { ...w.job, boundary: 'other' }, FAR(), Date.now())).toBe('stopped');
    expect(await catchUp(api.endpoint, { ...w.job, user: userKeyOf('other') }, FAR(), Date.now())).toBe(
      'stopped',
    );
    expect(pushed(w.connectionId)).toEqual([]);
    api.gone.add(w.connectionId);
    expect(await catchUp(api.endpoint, w.job, FAR(), Date.now())).toBe('stopped');
    expect((await messages.inboxPage(w.user, undefined, 10)).waiting).toHaveLength(1);
    expect(await queryAll(keys.user(w.user).pk, { beginsWith: '#CONN#' })).toEqual([]);
  });

  it('stops pushing when the login changed during the run', async () => {
    const w = await world();
    await direct(userKeyOf('x'), w.user, Date.now() - 1000);
    expect(
      await login.unbindConnection(
        w.connectionId,
        w.user,
        await c.readConnection(w.connectionId, Date.now(), true),
        Date.now(),
      ),
    ).toBe(true);
    expect(await catchUp(api.endpoint, w.job, FAR(), Date.now())).toBe('stopped');
    expect(pushed(w.connectionId)).toEqual([]);
  });

  it('leaves everything waiting and lets a retry in at once when a push fails', async () => {
    const w = await world();
    const id = await direct(userKeyOf('x'), w.user, Date.now() - 1000);
    api.failing.add(w.connectionId);
    await expect(catchUp(api.endpoint, w.job, FAR(), Date.now())).rejects.toThrow(
      'push failed during catch-up',
    );
    expect((await messages.inboxPage(w.user, undefined, 10)).waiting.map((x) => x.id)).toEqual([id]);
    expect((await c.readConnection(w.connectionId, Date.now(), true)).lease).toBeUndefined();
    api.failing.delete(w.connectionId);
    expect(await catchUp(api.endpoint, w.job, FAR(), Date.now())).toBe('done');
    expect(pushed(w.connectionId)[0]).toMatchObject({ id });
  });

  it('refuses a second run while another holds the login, saying when to retry', async () => {
    const w = await world();
    const login = { user: w.user, boundary: w.boundary };
    const until = Date.now() + 30_000;
    expect(await c.takeCatchUpLease(w.connectionId, login, 'other-run', Date.now(), until)).toBe(true);
    const error = await catchUp(api.endpoint, w.job, FAR(), Date.now()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseHeld);
    const seconds = (error as InstanceType<typeof LeaseHeld>).retryInSeconds;
    expect(seconds).toBeGreaterThanOrEqual(29);
    expect(seconds).toBeLessThanOrEqual(30);
    expect((error as Error).name).toBe('LeaseHeld');
    expect(pushed(w.connectionId)).toEqual([]);
  });

  it('waits a second for its own user’s change of login still under way, and stops for another user’s', async () => {
    const w = await world();
    await direct(userKeyOf('x'), w.user, Date.now() - 1000);
    // An AUTH of this user on this connection holds the lock and has not committed yet: the binding is the old one.
    const lock = async (lockUser: string) =>
      db.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: keys.connection(w.connectionId),
          UpdateExpression: 'SET #lock = :t, lockUser = :u, lockUntil = :until',
          ExpressionAttributeNames: { '#lock': 'lock' },
          ExpressionAttributeValues: { ':t': 'token', ':u': lockUser, ':until': Date.now() + 30_000 },
        }),
      );
    await lock(w.user);
    const job = { ...w.job, boundary: idCeil(Date.now() + 5000) };
    const error = await catchUp(api.endpoint, job, FAR(), Date.now()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseHeld);
    expect((error as InstanceType<typeof LeaseHeld>).retryInSeconds).toBe(1);
    await lock('someone-else');
    expect(await catchUp(api.endpoint, job, FAR(), Date.now())).toBe('stopped');
    expect(pushed(w.connectionId)).toEqual([]);
  });
});

describe('catch-up across logins and pages', () => {
  /** Ends the connection's login as a LOGOUT would. */
  const logOut = async (w: Awaited<ReturnType<typeof world>>) =>
    expect(
      await login.unbindConnection(
        w.connectionId,
        w.user,
        await c.readConnection(w.connectionId, Date.now(), true),
        Date.now(),
      ),
    ).toBe(true);

  it('counts a frame for nothing when the login ended while it was under way, and stops', async () => {
    const w = await world();
    const big = 'x'.repeat(12_000);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await direct(userKeyOf('x'), w.user, Date.now() - 1000 + i, big));
    let switched = false;
    onManagementClient((client) =>
      client.middlewareStack.add(
        (next) => async (args) => {
          const result = await next(args);
          const input = args.input as { ConnectionId?: string };
          if (!switched && input.ConnectionId === w.connectionId) {
            switched = true;
            await logOut(w);
          }
          return result;
        },
        { step: 'initialize', name: `log-out-after-push-${w.connectionId}` },
      ),
    );
    expect(await catchUp(api.endpoint, w.job, FAR(), Date.now())).toBe('stopped');
    expect(switched).toBe(true);
    // The first frame (two messages) went out, but counts for nothing: everything still waits.
    expect(pushed(w.connectionId).flatMap(idsOf)).toEqual(ids.slice(0, 2));
    expect((await messages.inboxPage(w.user, undefined, 10)).waiting.map((x) => x.id)).toEqual(ids);
  });

  it('pushes nothing when the login ended before its first frame went', async () => {
    const w = await world();
    const id = await direct(userKeyOf('x'), w.user, Date.now() - 1000);
    let switched = false;
    intercept(dynamo, `log-out-after-read-${w.connectionId}`, (next) => async (args) => {
      const result = await next(args);
      if (!switched && JSON.stringify(args.input).includes(`INBOX#${w.user}`)) {
        switched = true;
        await logOut(w);
      }
      return result;
    });
    expect(await catchUp(api.endpoint, w.job, FAR(), Date.now())).toBe('stopped');
    expect(switched).toBe(true);
    expect(pushed(w.connectionId)).toEqual([]);
    expect((await messages.inboxPage(w.user, undefined, 10)).waiting.map((x) => x.id)).toEqual([id]);
  });

  it('reads the inbox past its first page when everything on it is older than the login', async () => {
    const w = await world();
    const base = Date.now() - 10_000;
    const ids: string[] = [];
    for (let i = 0; i < 101; i++) ids.push(await direct(userKeyOf('x'), w.user, base + i));
    expect(await catchUp(api.endpoint, w.job, FAR(), Date.now())).toBe('done');
    const frames = pushed(w.connectionId);
    expect(frames.slice(0, -1).flatMap(idsOf)).toEqual(ids);
    expect(frames.at(-1)?.event).toBe('CAUGHT_UP');
  });
});
