/**
 * Removal and credential changes are exact under real races (issue 22, items 3, 4, 5 and 7), against the local
 * runtime over real WebSockets: many devices of one user AUTH at once while the group removes them (GROUP_KICK,
 * GROUP_LEAVE), while the password changes (PASSWORD) or while the account goes (DELETE_ACCOUNT); and an upload
 * that lands after its recipient deleted their account.
 */
import { describe, expect, it } from 'vitest';
import { userKeyOf } from '../../shared/protocol/names.js';
import type { ChatClient, Frame } from '../support/client.js';
import { PASSWORD, type User, uniqueName } from '../support/endpoint.js';
import { randomFile, type UploadForm, upload } from '../support/files.js';
import { GENEROUS_LIMITS, RACING_PASSWORD_HASHING } from '../support/logins.js';
import { useLocalRuntime } from '../support/runtime.js';

const local = useLocalRuntime({ env: { ...GENEROUS_LIMITS, ...RACING_PASSWORD_HASHING } });
const NEW_PASSWORD = 'battery-staple-7';
/** Devices racing each removal: enough that some AUTHs are under way whenever the removal lands. */
const DEVICES = 16;
/** How far apart the racing AUTHs start. */
const SPREAD_MS = 15;

const settle = (ms = 400) => new Promise((resolve) => setTimeout(resolve, ms));

async function ok(client: ChatClient, text: string): Promise<Frame> {
  const answer = await client.request(text);
  expect(answer, text).toMatchObject({ status: 'OK' });
  return answer;
}

/** `count` connections, not logged in yet. */
function devices(count = DEVICES): Promise<ChatClient[]> {
  return Promise.all(Array.from({ length: count }, () => local.connect()));
}

/**
 * Fires an AUTH on every device without waiting, and `removal` after `offset` ms; `atAnswer` runs as soon as the
 * removal is answered, while the AUTHs may still be under way; resolves when all answered.
 */
async function race(
  clients: ChatClient[],
  auth: string,
  offset: number,
  removal: () => Promise<Frame>,
  atAnswer: () => Promise<unknown> = async () => undefined,
): Promise<{ auths: Frame[]; removed: Frame; seen: unknown }> {
  // Spread over a few hundred ms, so some AUTHs check the password before the removal and bind after it.
  const auths = Promise.all(
    clients.map(async (client, i) => {
      await settle(i * SPREAD_MS);
      return client.request(auth);
    }),
  );
  await settle(offset);
  const removed = await removal();
  const seen = await atAnswer();
  return { auths: await auths, removed, seen };
}

/** A private group of `owner` with `members` in it. */
async function privateGroup(owner: User, ...members: User[]): Promise<string> {
  const group = uniqueName('grp');
  await ok(owner.client, `GROUP_CREATE ${group} private`);
  for (const member of members) {
    await ok(owner.client, `GROUP_INVITE ${group} ${member.name}`);
    await ok(member.client, `GROUP_JOIN ${group}`);
  }
  return group;
}

/** Group pushes (messages, typing) of `group` any of `clients` received. */
function groupPushes(clients: ChatClient[], group: string): Frame[] {
  return clients.flatMap((client) =>
    client.pushes.filter(
      (push) => push.group === group && (push.event === 'GROUP_MESSAGE' || push.event === 'TYPING'),
    ),
  );
}

/** After the removal was answered: the group talks; a member still in it hears it, the removed devices do not. */
async function groupTalks(owner: User, witness: User, group: string, removed: ChatClient[]) {
  const text = uniqueName('after');
  await ok(owner.client, `SEND_GROUP ${group} ${text}`);
  await witness.client.until(
    () => witness.client.pushes.find((push) => push.message === text),
    'the witness hears the group',
  );
  await settle();
  expect(groupPushes(removed, group)).toEqual([]);
}

describe('removal from a group is exact while devices AUTH (item 3)', () => {
  it.each([0, 10, 50])('GROUP_KICK %i ms into racing AUTHs', async (offset) => {
    const alice = await local.user('alice');
    const carol = await local.user('carol');
    const bob = await local.user('bob');
    const group = await privateGroup(alice, carol, bob);
    const racing = await devices();
    const { removed } = await race(racing, `AUTH ${bob.name} ${PASSWORD}`, offset, () =>
      alice.client.request(`GROUP_KICK ${group} ${bob.name}`),
    );
    expect(removed).toMatchObject({ status: 'OK' });
    await groupTalks(alice, carol, group, [...racing, bob.client]);
    expect(await bob.client.request(`GROUP_HISTORY ${group}`)).toMatchObject({ reason: 'not_a_member' });
  });

  it('GROUP_LEAVE while the member’s other devices AUTH', async () => {
    const alice = await local.user('alice');
    const bob = await local.user('bob');
    const group = await privateGroup(alice, bob);
    const carol = await local.user('carol');
    await ok(alice.client, `GROUP_INVITE ${group} ${carol.name}`);
    await ok(carol.client, `GROUP_JOIN ${group}`);
    const racing = await devices();
    const { removed } = await race(racing, `AUTH ${bob.name} ${PASSWORD}`, 10, () =>
      bob.client.request(`GROUP_LEAVE ${group}`),
    );
    expect(removed).toMatchObject({ status: 'OK' });
    await groupTalks(alice, carol, group, [...racing, bob.client]);
  });
});

/** After the change was answered: anyone still logged in as the old credentials would hear this and could act. */
async function noOldLogins(racing: ChatClient[], name: string | undefined) {
  await settle();
  const sender = await local.user('dave');
  const text = uniqueName('late');
  if (name !== undefined) await ok(sender.client, `SEND ${name} ${text}`);
  await settle();
  for (const client of racing) {
    expect(client.pushes.filter((push) => push.message === text)).toEqual([]);
    expect(await client.request(`SEND ${sender.name} still-here`)).toMatchObject({
      status: 'ERROR',
      reason: 'not_authenticated',
    });
    expect(await client.request(`GROUP_CREATE ${uniqueName('g')}`)).toMatchObject({
      status: 'ERROR',
      reason: 'not_authenticated',
    });
  }
}

/** The connections the user's `#CONN#` copies name now (live and pending), read strongly. */
async function copiesOf(name: string): Promise<string[]> {
  const { readUserConnections } = await import('../../shared/data/connections.js');
  return (await readUserConnections(userKeyOf(name), Date.now())).map((c) => c.connectionId);
}

describe('credential changes are exact while devices AUTH (items 4 and 5)', () => {
  it.each([40, 120])('no AUTH with the old password survives PASSWORD (%i ms in)', async (offset) => {
    const alice = await local.user('alice');
    const own = await copiesOf(alice.name);
    const racing = await devices();
    const { removed, seen } = await race(
      racing,
      `AUTH ${alice.name} ${PASSWORD}`,
      offset,
      () => alice.client.request(`PASSWORD ${PASSWORD} ${NEW_PASSWORD}`),
      () => copiesOf(alice.name),
    );
    expect(removed).toMatchObject({ status: 'OK' });
    // Issue 22's gate: when PASSWORD answers, no login with the old password is left, not even one still settling
    // (its pending copies would be pushed to).
    expect(seen, 'copies at the answer').toEqual(own);
    await noOldLogins(racing, alice.name);
    // The device that changed it stays logged in, and the new password works.
    await ok(alice.client, 'INBOX');
    await ok(await local.connect(), `AUTH ${alice.name} ${NEW_PASSWORD}`);
  });

  it.each([40, 120])('no session of a deleted account survives DELETE_ACCOUNT (%i ms in)', async (offset) => {
    const alice = await local.user('alice');
    const racing = await devices();
    const { removed, seen } = await race(
      racing,
      `AUTH ${alice.name} ${PASSWORD}`,
      offset,
      () => alice.client.request(`DELETE_ACCOUNT ${PASSWORD}`),
      () => copiesOf(alice.name),
    );
    expect(removed).toMatchObject({ status: 'OK' });
    expect(seen, 'copies at the answer').toEqual([]);
    await noOldLogins([...racing, alice.client], undefined);
  });
});

describe('an account incarnation owns its deliveries (item 7)', () => {
  it('an upload that lands after its recipient deleted their account is refused, not FILE_SENT', async () => {
    const alice = await local.user('alice');
    const bob = await local.user('bob');
    const answer = await ok(alice.client, `SEND_FILE ${bob.name} late.bin`);
    const form = answer.upload as UploadForm;
    await ok(bob.client, `DELETE_ACCOUNT ${PASSWORD}`);
    expect(await upload(form, randomFile(200 * 1024), 'late.bin')).toBe(204);
    const told = await alice.client.until(
      () => alice.client.pushes.find((push) => push.id === form.id),
      'the sender is told',
    );
    expect(told).toMatchObject({ event: 'FILE_FAILED', id: form.id, reason: 'unknown_recipient' });
  });
});
