/**
 * Random interleavings of a removal (GROUP_KICK, GROUP_LEAVE, GROUP_DELETE) or a change of credentials (PASSWORD,
 * DELETE_ACCOUNT) with the removed user's devices logging in (AUTH with the password that was right when it was
 * sent), logging out (LOGOUT) and going away ($disconnect), some of them logged in before, and with group messages
 * fanned out meanwhile (issue 22: "removal is exact", "credential changes are exact"). Everything in a run is sent
 * at once, each after a random delay, so the handlers run side by side. Once all is answered, the run checks:
 * - every answer is one the protocol allows for its request;
 * - after a group removal: nothing of the group sent after the answer (a message, TYPING_GROUP) reaches any device of
 *   the removed member, GROUPS on them does not list it, and a new login's catch-up brings nothing of it;
 * - after PASSWORD: every device that logged in with the old password is logged out (not_authenticated), and a
 *   message sent to the user afterwards reaches none of them; the device that changed it stays logged in;
 * - after DELETE_ACCOUNT: no device of the account can do anything, and nothing reaches them;
 * - whatever the removal: no push carrying the group's messages (live, or in a catch-up frame) to a device of the
 *   removed member (for PASSWORD: to a device logged in with the old password) was *started* after the answer — the
 *   group push fence. The first attempts of those pushes hang a random while (a timeout, as API Gateway sometimes
 *   does), so their retries straddle the answer; every attempt is recorded with its start (test/support/push-attempts.ts).
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { userKeyOf } from '../../shared/protocol/names.js';
import type { ChatClient, Frame } from '../support/client.js';
import { PASSWORD, type User, uniqueName } from '../support/endpoint.js';
import { GENEROUS_LIMITS } from '../support/logins.js';
import { recordPushAttempts } from '../support/push-attempts.js';
import { useLocalRuntime } from '../support/runtime.js';

const local = useLocalRuntime({ env: { ...GENEROUS_LIMITS, FENCE_MS: '60' } });
const NEW_PASSWORD = 'battery-staple-7';

type Removal = 'kick' | 'leave' | 'groupDelete' | 'password' | 'deleteAccount';
type DeviceOp = 'auth' | 'authLogout' | 'authClose' | 'none';
interface Device {
  /** Logged in before the race. */
  pre: boolean;
  op: DeviceOp;
  delay: number;
}
interface Run {
  removal: Removal;
  removalDelay: number;
  devices: Device[];
  /** Delays of group messages the owner sends during the race. */
  fanOuts: number[];
  /** How long every attempt of a group push to one of bob's devices hangs during the race (0: none). */
  hangMs: number;
}

const delay = fc.integer({ min: 0, max: 80 });
const device: fc.Arbitrary<Device> = fc.record({
  pre: fc.boolean(),
  op: fc.constantFrom<DeviceOp>('auth', 'auth', 'authLogout', 'authClose', 'none'),
  delay,
});
const runs: fc.Arbitrary<Run> = fc.record({
  removal: fc.constantFrom<Removal>('kick', 'leave', 'groupDelete', 'password', 'deleteAccount'),
  removalDelay: delay,
  devices: fc.array(device, { minLength: 2, maxLength: 4 }),
  fanOuts: fc.array(delay, { minLength: 1, maxLength: 2 }),
  hangMs: fc.constantFrom(0, 300, 800),
});

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function ok(client: ChatClient, text: string): Promise<Frame> {
  const answer = await client.request(text);
  expect(answer, text).toMatchObject({ status: 'OK' });
  return answer;
}

/** Answers the protocol allows a racing device's request. */
function allowed(answer: Frame, text: string) {
  const fine =
    answer.status === 'OK' ||
    ['invalid_credentials', 'login_conflict', 'not_authenticated'].includes(String(answer.reason));
  expect(fine, `${text} answered ${JSON.stringify(answer)}`).toBe(true);
}

/** One device's part of the race: its requests, after its delay. Closed devices' answers are not awaited. */
async function play(client: ChatClient, d: Device, name: string): Promise<boolean> {
  await wait(d.delay);
  const auth = `AUTH ${name} ${PASSWORD}`;
  if (d.op === 'auth') allowed(await client.request(auth), auth);
  if (d.op === 'authLogout') for (const text of [auth, 'LOGOUT']) allowed(await client.request(text), text);
  if (d.op === 'authClose') {
    client.socket.send(auth);
    await wait(d.delay % 20);
    await client.close();
    return false;
  }
  return true;
}

function groupPushes(clients: ChatClient[], group: string, texts: Set<string>): Frame[] {
  return clients.flatMap((client) =>
    client.pushes.filter(
      (push) =>
        push.group === group &&
        (push.event === 'TYPING' || (push.event === 'GROUP_MESSAGE' && texts.has(String(push.message)))),
    ),
  );
}

/** The connection ids of a user's devices now. */
async function devicesOf(user: User): Promise<string[]> {
  const { readUserConnections } = await import('../../shared/data/connections.js');
  return (await readUserConnections(userKeyOf(user.name), Date.now())).map((c) => c.connectionId);
}

async function runOnce(run: Run) {
  const attempts = await recordPushAttempts();
  const alice = await local.user('alice');
  const carol = await local.user('carol');
  const bob: User = await local.user('bob');
  const [bystanders, [bobMain]] = [
    new Set([...(await devicesOf(alice)), ...(await devicesOf(carol))]),
    await devicesOf(bob),
  ];
  const group = uniqueName('grp');
  await ok(alice.client, `GROUP_CREATE ${group} private`);
  for (const member of [carol, bob]) {
    await ok(alice.client, `GROUP_INVITE ${group} ${member.name}`);
    await ok(member.client, `GROUP_JOIN ${group}`);
  }
  const clients = await Promise.all(run.devices.map(() => local.connect()));
  for (const [i, d] of run.devices.entries())
    if (d.pre) await ok(clients[i] as ChatClient, `AUTH ${bob.name} ${PASSWORD}`);

  const removal = {
    kick: [alice.client, `GROUP_KICK ${group} ${bob.name}`],
    leave: [bob.client, `GROUP_LEAVE ${group}`],
    groupDelete: [alice.client, `GROUP_DELETE ${group}`],
    password: [bob.client, `PASSWORD ${PASSWORD} ${NEW_PASSWORD}`],
    deleteAccount: [bob.client, `DELETE_ACCOUNT ${PASSWORD}`],
  } as const;
  const [remover, text] = removal[run.removal];
  // A push of the group's content to a device of bob's (his main one stays a member and logged in after PASSWORD).
  const groupField = `"group":"${group.toLowerCase()}"`;
  const toBob = (connectionId: string, data: string) =>
    !bystanders.has(connectionId) &&
    !(run.removal === 'password' && connectionId === bobMain) &&
    data.toLowerCase().includes(groupField) &&
    !/"event":"GROUP_(KICKED|DELETED)"/.test(data);
  const hang =
    run.hangMs === 0
      ? undefined
      : (await local.faults()).inject({
          service: 'push',
          command: 'PostToConnection',
          match: (input) =>
            toBob(String(input?.ConnectionId), Buffer.from(input?.Data ?? []).toString('utf8')),
          fault: 'timeout',
          delayMs: run.hangMs,
          when: 'every',
        });
  let answeredAt = Number.POSITIVE_INFINITY;
  const [answer, open] = await Promise.all([
    wait(run.removalDelay)
      .then(() => remover.request(text))
      .then((frame) => {
        answeredAt = performance.now();
        return frame;
      }),
    Promise.all(run.devices.map((d, i) => play(clients[i] as ChatClient, d, bob.name))),
    ...run.fanOuts.map((ms, k) =>
      wait(ms).then(() => alice.client.request(`SEND_GROUP ${group} during-${k}`)),
    ),
  ]);
  hang?.disarm();
  expect(answer, text).toMatchObject({ status: 'OK' });
  const live = clients.filter((_, i) => open[i]);
  const bobs = run.removal === 'deleteAccount' ? [...live, bob.client] : live;

  if (run.removal === 'kick' || run.removal === 'leave' || run.removal === 'groupDelete') {
    const after = uniqueName('after');
    if (run.removal !== 'groupDelete') {
      await ok(alice.client, `SEND_GROUP ${group} ${after}`);
      await ok(alice.client, `TYPING_GROUP ${group}`);
      await carol.client.until(() => carol.client.pushes.find((p) => p.message === after), 'carol hears it');
    }
    // A new login of the removed member: its catch-up brings nothing of the group either.
    const fresh = await local.connect();
    await ok(fresh, `AUTH ${bob.name} ${PASSWORD}`);
    await fresh.caughtUp();
    await wait(300);
    const everyone = [...bobs, bob.client];
    expect(groupPushes(everyone, group, new Set([after]))).toEqual([]);
    expect(
      fresh.pushes.filter((p) => p.group === group && p.event === 'GROUP_MESSAGE'),
      'the catch-up',
    ).toEqual([]);
    for (const client of [...everyone, fresh]) {
      const groups = await client.request('GROUPS');
      if (groups.status === 'OK') expect(groups.data).not.toContain(group);
    }
    await fresh.close();
  } else {
    const late = uniqueName('late');
    const told = await carol.client.request(`SEND ${bob.name} ${late}`);
    expect(told).toMatchObject(
      run.removal === 'password' ? { status: 'OK' } : { status: 'ERROR', reason: 'unknown_recipient' },
    );
    await wait(300);
    for (const client of bobs) {
      expect(client.pushes.filter((p) => p.message === late)).toEqual([]);
      expect(await client.request('GROUPS')).toMatchObject({ status: 'ERROR', reason: 'not_authenticated' });
    }
    if (run.removal === 'password') await ok(bob.client, 'GROUPS');
  }
  // Checked last: a retry the fence failed to stop would have started by now (the hang is at most 800 ms).
  expect(
    attempts.filter((a) => a.at > answeredAt && toBob(a.connectionId, a.data)),
    'group pushes to bob started after the answer',
  ).toEqual([]);
  await Promise.all([...live, alice.client, carol.client, bob.client].map((c) => c.close()));
}

/**
 * Runs that once failed, tried first (they count in numRuns). Issue 22, seed -1787272435: the device that closes
 * while its AUTH is under way disconnects while DELETE_ACCOUNT unbinds it, and the unbinding's commit finds its item
 * gone; the change answered internal_error. It fails on that code in about one try of ten (the race is timing);
 * test/unit/credential-gate.test.ts freezes that very moment.
 */
const seen: Run = {
  removal: 'deleteAccount',
  removalDelay: 2,
  devices: [
    { op: 'auth', delay: 46, pre: true },
    { op: 'authClose', delay: 77, pre: true },
    { op: 'auth', delay: 43, pre: false },
    { op: 'auth', delay: 59, pre: true },
  ],
  fanOuts: [3],
  hangMs: 0,
};

it('nothing reaches a removed member or an old login after the answer, whatever raced it', async () => {
  await fc.assert(
    fc.asyncProperty(runs, async (run) => {
      await runOnce(run);
    }),
    { numRuns: 10, endOnFailure: true, examples: [[seen]] },
  );
}, 600_000);
