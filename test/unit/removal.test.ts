/**
 * Issue 22 through the dispatcher, each race frozen at its worst moment by writing what the losing side left:
 * a group connection an AUTH wrote after a removal, a binding made with credentials that changed since, and items a
 * name's earlier owner left (an inbox pointer, a file, a group message). None of them may reach anyone.
 */
import { describe, expect, it } from 'vitest';
import { ERR, OK, PASSWORD, useDispatcher } from '../support/dispatcher.js';
import { intercept } from '../support/fakes.js';

const t = await useDispatcher();
const { batchWrite } = await import('../../shared/data/table.js');
const { keys } = await import('../../shared/data/keys.js');
const { newId } = await import('../../shared/ids.js');
const { db, TABLE } = await import('../../shared/data/client.js');
const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
const { readGroupMeta, readMembership } = await import('../../shared/data/groups.js');
const { readCredential } = await import('../../shared/data/users.js');

/** Runs `run` once, just before the next DynamoDB request whose input `match` accepts, then disarms. */
let hook: { match: (input: Record<string, unknown>) => boolean; run: () => Promise<unknown> } | undefined;
intercept(db, 'before-a-write', (next) => async (args) => {
  const armed = hook;
  if (armed?.match(args.input ?? {})) {
    hook = undefined;
    await armed.run();
  }
  return next(args);
});
/** A membership item's write (`USER#…` / `GROUP#…`). */
const membershipWrite = (input: Record<string, unknown>) => {
  const item = input.Item as { pk?: string; sk?: string } | undefined;
  return Boolean(item?.pk?.startsWith('USER#') && item.sk?.startsWith('GROUP#'));
};
/** AUTH's commit of a binding (the one write that carries the credential). */
const bindingCommit = (input: Record<string, unknown>) =>
  String(input.UpdateExpression).includes('credential = :credential') &&
  String((input.Key as { pk?: string } | undefined)?.pk).startsWith('CONN#');

/** An id from well before any account of this test file was created (a name's earlier owner's). */
const oldId = () => newId(Date.now() - 40 * 24 * 3600 * 1000);

describe('removal from a group', () => {
  it('a group connection written after the kick (an AUTH that read the groups before it) is never pushed to', async () => {
    const { name: group, users } = await t.group('alice', 'bob', 'carol');
    const [alice, bob, carol] = users as [(typeof users)[0], (typeof users)[0], (typeof users)[0]];
    expect(await alice.ask(`GROUP_KICK ${group} ${bob.name}`)).toEqual(OK('anggota berhasil dikeluarkan'));
    // What a racing AUTH of bob's device writes after the kick's withdrawal.
    await batchWrite([
      {
        ...keys.groupConnection(group, bob.name, bob.id),
        user: bob.name,
        connectionId: bob.id,
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
      },
    ]);
    expect((await alice.ask(`SEND_GROUP ${group} sesudah`)).status).toBe('OK');
    expect(await alice.ask(`TYPING_GROUP ${group}`)).toMatchObject({ status: 'OK' });
    await t.runJobs();
    // (bob's and carol's catch-ups run here too: their boundaries lie a second ahead, so they cover it as well.)
    expect(carol.pushes('GROUP_MESSAGE').map((p) => p.message)).toContain('sesudah');
    expect(bob.pushes().filter((p) => p.group === group && p.event !== 'GROUP_KICKED')).toEqual([]);
  });

  it('the kick removes every copy of the member in the group, also of devices it did not read', async () => {
    const { name: group, users } = await t.group('alice', 'bob');
    const [alice, bob] = users as [(typeof users)[0], (typeof users)[0]];
    await batchWrite([
      {
        ...keys.groupConnection(group, bob.name, 'other-device'),
        user: bob.name,
        connectionId: 'other-device',
      },
    ]);
    expect(await alice.ask(`GROUP_KICK ${group} ${bob.name}`)).toEqual(OK('anggota berhasil dikeluarkan'));
    const { queryAll } = await import('../../shared/data/table.js');
    expect(
      await queryAll(keys.group(group).pk, { beginsWith: `PRESENCE#${bob.name}#`, consistent: true }),
    ).toEqual([]);
  });

  it('a fan-out page still queued when the group is deleted pushes to nobody', async () => {
    const { name: group, key: groupKey, users } = await t.group('alice', 'bob');
    const [alice, bob] = users as [(typeof users)[0], (typeof users)[0]];
    expect((await alice.ask(`SEND_GROUP ${group} sebelum`)).status).toBe('OK');
    const [sent] = bob.pushes('GROUP_MESSAGE').filter((p) => p.message === 'sebelum');
    expect(await alice.ask(`GROUP_DELETE ${group}`)).toEqual(OK('grup berhasil dihapus'));
    // The page the worker had not run yet (the deletion's own job, which drops the copies, has not run either).
    const { fanOutPage } = await import('../../shared/delivery/group.js');
    const job = {
      kind: 'fanout',
      group: groupKey,
      id: String(sent?.id),
      sender: alice.key,
      after: '',
    } as const;
    await fanOutPage(t.api.endpoint, job, undefined, 100, Date.now());
    expect(bob.pushes('GROUP_MESSAGE').filter((p) => p.message === 'sebelum')).toHaveLength(1);
    await t.runJobs();
  });
});

describe('credentials', () => {
  it('a binding made with credentials that are no longer the account’s can do nothing', async () => {
    const bob = await t.user('bob');
    const phone = await t.device();
    expect(await phone.ask(`AUTH ${bob.name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    // As an AUTH that checked the password just before a PASSWORD bumped the epoch leaves the binding.
    await db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.user(bob.name),
        UpdateExpression: 'SET epoch = :e',
        ExpressionAttributeValues: { ':e': 7 },
      }),
    );
    expect(await phone.ask('GROUPS')).toEqual(ERR('daftar grup gagal', 'not_authenticated'));
    expect(await bob.ask('GROUPS')).toEqual(ERR('daftar grup gagal', 'not_authenticated'));
  });

  it('a GROUP_JOIN that passed its check just before DELETE_ACCOUNT leaves nothing in the name', async () => {
    const { name: group, key: groupKey, users } = await t.group('alice');
    const bob = await t.user('bob');
    const phone = await t.device();
    expect(await phone.ask(`AUTH ${bob.name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    // The account goes (and its clean-up reads its memberships) after the join's check, before its write.
    hook = {
      match: membershipWrite,
      run: async () =>
        expect(await phone.ask(`DELETE_ACCOUNT ${PASSWORD}`)).toEqual(OK('hapus akun berhasil')),
    };
    expect(await bob.ask(`GROUP_JOIN ${group}`)).toEqual(ERR('gagal bergabung ke grup', 'not_authenticated'));
    expect(hook).toBeUndefined();
    expect(await readMembership(bob.key, groupKey, true)).toBeUndefined();
    expect((await readGroupMeta(groupKey, true))?.members).toBe(users.length);
  });

  it('an AUTH whose password changed between its check and its commit is taken back and refused', async () => {
    const bob = await t.user('bob');
    const phone = await t.device();
    const before = await readCredential(bob.key);
    let changed: Promise<unknown> | undefined;
    // PASSWORD lands just before the AUTH's commit; it waits for that AUTH, so it is not awaited here.
    hook = {
      match: bindingCommit,
      run: async () => {
        changed = bob.ask(`PASSWORD ${PASSWORD} newpassword2`);
        while ((await readCredential(bob.key)) === before) await new Promise((r) => setTimeout(r, 5));
      },
    };
    expect(await phone.ask(`AUTH ${bob.name} ${PASSWORD}`)).toEqual(
      ERR('autentikasi gagal', 'invalid_credentials'),
    );
    expect(hook).toBeUndefined();
    expect(await changed).toEqual(OK('ubah kata sandi berhasil'));
    expect(await phone.ask('GROUPS')).toEqual(ERR('daftar grup gagal', 'not_authenticated'));
    const { readConnection } = await import('../../shared/data/connections.js');
    expect((await readConnection(phone.id, Date.now(), true)).user).toBeUndefined();
    await t.runJobs();
    expect(phone.pushes('CAUGHT_UP')).toEqual([]);
    expect((await bob.ask('GROUPS')).status).toBe('OK');
  });

  it('PASSWORD keeps its own connection logged in under the new credential', async () => {
    const bob = await t.user('bob');
    expect(await bob.ask(`PASSWORD ${PASSWORD} newpassword2`)).toEqual(OK('ubah kata sandi berhasil'));
    expect((await bob.ask('GROUPS')).status).toBe('OK');
    expect((await bob.ask(`PASSWORD newpassword2 newpassword3`)).status).toBe('OK');
    expect((await bob.ask('GROUPS')).status).toBe('OK');
  });
});

describe('a name’s earlier owner', () => {
  it('an inbox pointer older than the account is dropped by the catch-up, unseen', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const id = oldId();
    const message = keys.directMessage(alice.name, bob.name, id);
    await batchWrite([
      {
        ...message,
        event: 'MESSAGE',
        id,
        from: alice.name,
        to: bob.name,
        message: 'untuk bob yang lama',
        sentAt: new Date().toISOString(),
      },
      { ...keys.inbox(bob.name, id), ref: message },
    ]);
    expect(await bob.ask('INBOX')).toEqual(OK([]));
    const phone = await t.device();
    expect(await phone.ask(`AUTH ${bob.name} ${PASSWORD}`)).toEqual(OK('autentikasi berhasil'));
    await t.runJobs();
    expect(phone.pushes('MESSAGE')).toEqual([]);
    expect(phone.pushes('CAUGHT_UP')).toHaveLength(1);
  });

  it('FILE_URL of a file sent to the earlier owner answers unknown_file', async () => {
    const alice = await t.user('alice');
    const bob = await t.user('bob');
    const id = oldId();
    await batchWrite([
      {
        ...keys.file(id),
        id,
        objectKey: `files/${id}/a.txt`,
        filename: 'a.txt',
        contentType: 'text/plain',
        from: alice.name,
        fromName: alice.name,
        to: bob.name,
        toName: bob.name,
        status: 'ready',
        size: 1,
      },
    ]);
    expect(await bob.ask(`FILE_URL ${id}`)).toEqual(ERR('link file gagal', 'unknown_file'));
  });

  it('READ_GROUP of a message the earlier owner sent tells the new owner nothing', async () => {
    const { name: group, users } = await t.group('alice', 'bob');
    const [alice, bob] = users as [(typeof users)[0], (typeof users)[0]];
    const id = oldId();
    await batchWrite([
      {
        ...keys.groupMessage(group, id),
        event: 'GROUP_MESSAGE',
        id,
        group,
        from: bob.name,
        message: 'dari bob yang lama',
        sentAt: new Date().toISOString(),
      },
    ]);
    expect(await alice.ask(`READ_GROUP ${group} ${id}`)).toEqual(OK('pesan ditandai terbaca'));
    expect(bob.pushes('READ')).toEqual([]);
  });
});
