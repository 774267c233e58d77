/**
 * The group push fence under real races (issue 22), against the local runtime over real WebSockets: a SEND_GROUP's
 * fan-out reads the group's connections and memberships, its push to the removed member's device hangs (a timeout, as
 * API Gateway sometimes does), and while it hangs the member is removed — GROUP_KICK, GROUP_LEAVE, GROUP_DELETE,
 * DELETE_ACCOUNT. Every attempt to post to @connections is recorded with the moment it started (the SDK's
 * `deserialize` step, below its retries), in this process's clock, which is also the runtime's; the check is
 * that no attempt carrying the message to a device of the removed member started after the removal was answered.
 * Without the fence the SDK's retry starts after the answer; with it, the retry is past the fence, the memberships
 * are read again, and it never starts.
 */
import { expect, it } from 'vitest';
import { userKeyOf } from '../../shared/protocol/names.js';
import type { ChatClient } from '../support/client.js';
import { PASSWORD, type User, uniqueName } from '../support/endpoint.js';
import { GENEROUS_LIMITS } from '../support/logins.js';
import { type PushAttempt, recordPushAttempts } from '../support/push-attempts.js';
import { useLocalRuntime } from '../support/runtime.js';

const FENCE_MS = 100;
const local = useLocalRuntime({ env: { ...GENEROUS_LIMITS, FENCE_MS: String(FENCE_MS) } });

async function ok(client: ChatClient, text: string) {
  const answer = await client.request(text);
  expect(answer, text).toMatchObject({ status: 'OK' });
  return answer;
}

async function connectionsOf(user: User): Promise<string[]> {
  const { readUserConnections } = await import('../../shared/data/connections.js');
  return (await readUserConnections(userKeyOf(user.name), Date.now())).map((c) => c.connectionId);
}

const waitFor = async (done: () => boolean) => {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 2));
};

type Removal = 'kick' | 'leave' | 'groupDelete' | 'deleteAccount';

it.each<[Removal, number]>([
  ['kick', 600],
  ['leave', 600],
  ['groupDelete', 600],
  // DELETE_ACCOUNT checks the password (a real scrypt) first: the push hangs longer than that takes.
  ['deleteAccount', 1500],
])('no push decided before %s starts after its answer (the push hangs %i ms)', async (removal, hangMs) => {
  const attempts = await recordPushAttempts();
  const faults = await local.faults();
  const alice = await local.user('alice');
  const carol = await local.user('carol');
  const bob = await local.user('bob');
  const group = uniqueName('grp');
  await ok(alice.client, `GROUP_CREATE ${group} private`);
  for (const member of [carol, bob]) {
    await ok(alice.client, `GROUP_INVITE ${group} ${member.name}`);
    await ok(member.client, `GROUP_JOIN ${group}`);
  }
  const phone = await local.connect();
  await ok(phone, `AUTH ${bob.name} ${PASSWORD}`);
  await phone.caughtUp();
  const owner = await local.connect();
  await ok(owner, `AUTH ${alice.name} ${PASSWORD}`);
  const victims = new Set(await connectionsOf(bob));
  expect(victims.size).toBe(2);

  const text = uniqueName('decided-before');
  const carries = (a: PushAttempt) => victims.has(a.connectionId) && a.data.includes(text);
  const hang = faults.inject({
    service: 'push',
    command: 'PostToConnection',
    match: (input) =>
      String(input?.ConnectionId) !== '' &&
      victims.has(String(input?.ConnectionId)) &&
      Buffer.from(input?.Data ?? [])
        .toString('utf8')
        .includes(text),
    fault: 'timeout',
    delayMs: hangMs,
    when: { first: 2 },
  });
  try {
    const sent = alice.client.request(`SEND_GROUP ${group} ${text}`);
    // The fan-out has read the page and the memberships, and its push to bob's device hangs: bob goes now.
    await waitFor(() => hang.matched >= 1);
    const [remover, request] = {
      kick: [owner, `GROUP_KICK ${group} ${bob.name}`],
      leave: [bob.client, `GROUP_LEAVE ${group}`],
      groupDelete: [owner, `GROUP_DELETE ${group}`],
      deleteAccount: [bob.client, `DELETE_ACCOUNT ${PASSWORD}`],
    }[removal] as [ChatClient, string];
    await ok(remover, request);
    const answeredAt = performance.now();
    expect(await sent).toMatchObject({ status: 'OK' });
    if (removal !== 'groupDelete')
      await carol.client.until(() => carol.client.pushes.find((p) => p.message === text), 'carol hears it');
    expect(attempts.filter(carries).length, 'the hung first attempt').toBeGreaterThanOrEqual(1);
    expect(attempts.filter((a) => carries(a) && a.at > answeredAt)).toEqual([]);
  } finally {
    hang.disarm();
  }
});
