/**
 * The credential gate (issue 22): an AUTH registers on the account before it writes any copy, and PASSWORD and
 * DELETE_ACCOUNT learn every registered login from their own write and wait for each before answering. Each race
 * is frozen at its worst moment through the dispatcher: the change lands while an AUTH with the old password is
 * between its gate and its settling, or just before its gate; or a device the change logs out disconnects while it
 * does (issue 22, removal-property's seed -1787272435).
 */
import { describe, expect, it } from 'vitest';
import { ERR, OK, PASSWORD, useDispatcher } from '../support/dispatcher.js';
import { intercept } from '../support/fakes.js';

const t = await useDispatcher();
const { keys } = await import('../../shared/data/keys.js');
const { db } = await import('../../shared/data/client.js');
const { readCredential } = await import('../../shared/data/users.js');
const { readConnection, readUserConnections } = await import('../../shared/data/connections.js');
const { forgetConnection } = await import('../../shared/login/index.js');
const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
const { TABLE } = await import('../../shared/data/client.js');

type Input = Record<string, unknown>;
/** Called before each DynamoDB request of the handlers (above the SDK's retries); may hold it. */
let before: ((input: Input) => Promise<void>) | undefined;
/** Every DynamoDB request the handlers made, in order. */
const requests: Input[] = [];
intercept(db, 'credential-gate', (next) => async (args) => {
  requests.push(args.input ?? {});
  await before?.(args.input ?? {});
  return next(args);
});

const pk = (input: Input) => String((input.Key as { pk?: string } | undefined)?.pk);
/** AUTH's registration on the account (the gate). */
const isGate = (input: Input) => String(input.UpdateExpression).startsWith('SET #me = :until');
/** AUTH's commit of the phone's binding (the one write that carries the credential). */
const commits = (id: string) => (input: Input) =>
  pk(input) === keys.connection(id).pk && String(input.UpdateExpression).includes('credential = :credential');
/** The commit of a LOGOUT-like unbinding of the device (what PASSWORD and DELETE_ACCOUNT do to the other devices). */
const unbinds = (id: string) => (input: Input) =>
  pk(input) === keys.connection(id).pk &&
  String(input.UpdateExpression).startsWith('SET #version = :next REMOVE');
/** A strong read of the connection item (PASSWORD's look at a device). */
const readsConnection = (id: string) => (input: Input) =>
  pk(input) === keys.connection(id).pk && input.ConsistentRead === true;
/** A write of the connection's copy under the user (`#CONN#`). */
const writesCopyOf = (id: string) => (input: Input) => JSON.stringify(input.RequestItems ?? {}).includes(id);

const changes = {
  PASSWORD: { text: `PASSWORD ${PASSWORD} newpassword2`, answer: OK('ubah kata sandi berhasil') },
  DELETE_ACCOUNT: { text: `DELETE_ACCOUNT ${PASSWORD}`, answer: OK('hapus akun berhasil') },
} as const;

const waitFor = async (done: () => Promise<boolean> | boolean) => {
  while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 2));
};

describe('the credential gate', () => {
  it.each(Object.keys(changes) as (keyof typeof changes)[])(
    '%s answers only after an AUTH with the old password that passed the gate is taken back',
    async (change) => {
      const bob = await t.user('bob');
      const phone = await t.device();
      const old = await readCredential(bob.key);
      let answer: Promise<unknown> | undefined;
      /** The phone as it was when the change answered: bound to whom, and its copy under the user (if any). */
      let atAnswer: { user: string | undefined; copies: string[] } | undefined;
      let looks = 0;
      before = async (input) => {
        // The AUTH (past its gate) writes its copies: the change lands now, and is not awaited here.
        if (answer === undefined && writesCopyOf(phone.id)(input)) {
          answer = bob.ask(changes[change].text).then(async (a) => {
            const [state, copies] = await Promise.all([
              readConnection(phone.id, Date.now(), true),
              readUserConnections(bob.key, Date.now()),
            ]);
            atAnswer = {
              user: state.user,
              copies: copies.map((c) => c.connectionId).filter((id) => id === phone.id),
            };
            return a;
          });
          await waitFor(async () => (await readCredential(bob.key)) !== old);
        }
        if (answer !== undefined && readsConnection(phone.id)(input)) looks++;
        // The AUTH commits only once the change has looked at the phone twice (it waits for the AUTH), or has
        // answered (it did not wait: the old code).
        if (answer !== undefined && commits(phone.id)(input))
          await waitFor(() => looks >= 2 || atAnswer !== undefined);
      };
      expect(await phone.ask(`AUTH ${bob.name} ${PASSWORD}`)).toEqual(
        ERR('autentikasi gagal', 'invalid_credentials'),
      );
      expect(await answer).toEqual(changes[change].answer);
      before = undefined;
      expect(atAnswer).toEqual({ user: undefined, copies: [] });
      expect(await phone.ask('GROUPS')).toEqual(ERR('daftar grup gagal', 'not_authenticated'));
      await t.runJobs();
      expect(phone.pushes().filter((p) => p.event !== 'LOGGED_OUT')).toEqual([]);
    },
  );

  it('an AUTH whose gate comes after PASSWORD writes nothing and is refused', async () => {
    const bob = await t.user('bob');
    const phone = await t.device();
    before = async (input) => {
      if (!isGate(input)) return;
      before = undefined;
      expect(await bob.ask(changes.PASSWORD.text)).toEqual(changes.PASSWORD.answer);
    };
    requests.length = 0;
    expect(await phone.ask(`AUTH ${bob.name} ${PASSWORD}`)).toEqual(
      ERR('autentikasi gagal', 'invalid_credentials'),
    );
    expect(requests.filter(writesCopyOf(phone.id))).toEqual([]);
    expect((await readConnection(phone.id, Date.now(), true)).user).toBeUndefined();
    expect((await bob.ask('GROUPS')).status).toBe('OK');
  });

  it.each(Object.keys(changes) as (keyof typeof changes)[])(
    '%s answers OK when a device it logs out disconnects between its lock and its commit, and leaves no copy of it',
    async (change) => {
      const { name: group, users } = await t.group('bob');
      const bob = users[0] as (typeof users)[number];
      const phone = await t.device();
      expect(await phone.ask(`AUTH ${bob.name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
      let gone = false;
      before = async (input) => {
        if (gone || !unbinds(phone.id)(input)) return;
        gone = true;
        // $disconnect (lambdas/disconnect.ts) takes no lock: the item goes, and with it the commit's condition.
        await forgetConnection(phone.id);
      };
      expect(await bob.ask(changes[change].text)).toEqual(changes[change].answer);
      before = undefined;
      expect(gone).toBe(true);
      expect((await readConnection(phone.id, Date.now(), true)).user).toBeUndefined();
      // The failed unbinding's undo put the phone's copies back live: none may be left to push to.
      const copies = await readUserConnections(bob.key, Date.now());
      expect(copies.map((c) => c.connectionId)).not.toContain(phone.id);
      const presence = await db.send(
        new GetCommand({
          TableName: TABLE,
          Key: keys.groupConnection(group, bob.name, phone.id),
          ConsistentRead: true,
        }),
      );
      expect(presence.Item).toBeUndefined();
    },
  );

  it('DELETE_ACCOUNT whose own connection disconnects while it unbinds it still cleans the account up', async () => {
    const { name: group, users } = await t.group('alice', 'bob');
    const [alice, bob] = users as [(typeof users)[number], (typeof users)[number]];
    let gone = false;
    before = async (input) => {
      if (gone || !unbinds(bob.id)(input)) return;
      gone = true;
      await forgetConnection(bob.id);
    };
    // Nobody hears this answer (the connection is closed); what matters is what it leaves.
    expect(await bob.ask(changes.DELETE_ACCOUNT.text)).toEqual(changes.DELETE_ACCOUNT.answer);
    before = undefined;
    expect(gone).toBe(true);
    expect(await readUserConnections(bob.key, Date.now())).toEqual([]);
    expect((await alice.ask(`GROUP_MEMBERS ${group}`)).data).toEqual([alice.name]);
  });

  it.each(Object.keys(changes) as (keyof typeof changes)[])(
    '%s never looks at a stranger’s connection closed mid-AUTH',
    async (change) => {
      const bob = await t.user('bob');
      const mallory = await t.user('mallory');
      const [own, guess] = [await t.device(), await t.device()];
      // Mallory logging in as herself, held at her gate (her lock taken), and a guess at bob's password, held at its
      // look at its connection: each once, until bob's change has answered. Both connections close meanwhile.
      const holds = [
        (input: Input) => isGate(input) && pk(input) === keys.user(mallory.name).pk,
        readsConnection(guess.id),
      ];
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      before = async (input) => {
        const at = holds.findIndex((hold) => hold(input));
        if (at < 0) return;
        holds.splice(at, 1);
        await released;
      };
      const auths = Promise.all([
        own.ask(`AUTH ${mallory.name} ${PASSWORD}`),
        guess.ask(`AUTH ${bob.name} not-his-password`),
      ]);
      await waitFor(() => holds.length === 0);
      await Promise.all([forgetConnection(own.id), forgetConnection(guess.id)]);
      const from = requests.length;
      expect(await bob.ask(changes[change].text)).toEqual(changes[change].answer);
      const during = requests.slice(from);
      release();
      before = undefined;
      expect((await auths).map((answer: { status: string }) => answer.status)).toEqual(['ERROR', 'ERROR']);
      const strangers = [own.id, guess.id].map((id) => keys.connection(id).pk);
      expect(during.filter((input) => strangers.includes(pk(input)))).toEqual([]);
    },
  );

  it('registrations lapse and are swept by a later login, never one still under way', async () => {
    const bob = await t.user('bob');
    const logins = async () => {
      const { Item } = await db.send(new GetCommand({ TableName: TABLE, Key: keys.user(bob.name) }));
      return Object.keys(Item ?? {}).filter((name) => name.startsWith('login:'));
    };
    const phones = [await t.device(), await t.device()];
    for (const phone of phones)
      expect(await phone.ask(`AUTH ${bob.name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expect(await logins()).toHaveLength(3);
    // 31 s later (past the lock's 30 s) the earlier registrations have lapsed: the next login sweeps them.
    const later = await t.device('10.0.0.1', Date.now() + 31_000);
    expect(await later.ask(`AUTH ${bob.name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    expect(await logins()).toEqual([`login:${later.id}`]);
  });
});
