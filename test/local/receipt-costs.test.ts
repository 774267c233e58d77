/**
 * The DynamoDB requests of READ, READ_GROUP, EDIT, DELETE and HISTORY, counted on the handlers' own client, as
 * docs/DATA_MODEL.md ("DynamoDB requests per command") states them; and a deletion interrupted before its end is
 * finished by the next DELETE of the same id (the object, the file record and the pointer go).
 */
import { describe, expect, it } from 'vitest';
import { keys } from '../../shared/data/keys.js';
import type { ChatClient } from '../support/client.js';
import { download } from '../support/files.js';
import { useLocalRuntime } from '../support/runtime.js';
import { seeder } from '../support/seed.js';

const local = useLocalRuntime();

let counting = false;
const calls: string[] = [];
let failNext: string | undefined;

/** The DynamoDB requests `run` makes, by operation name (sorted). */
async function count(run: () => Promise<unknown>): Promise<string[]> {
  calls.length = 0;
  counting = true;
  try {
    await run();
  } finally {
    counting = false;
  }
  return [...calls].map((name) => name.replace(/Command$/, '')).sort();
}

async function ok(client: ChatClient, text: string) {
  const answer = await client.request(text);
  expect(answer, text).toMatchObject({ status: 'OK' });
  return answer;
}

describe('requests per command', () => {
  it('READ, READ_GROUP, EDIT, DELETE and HISTORY make the documented requests', async () => {
    await local.onDynamo('count', 'initialize', (next, context) => async (args) => {
      if (counting) calls.push(String(context.commandName));
      if (failNext !== undefined && context.commandName === failNext) {
        failNext = undefined;
        throw Object.assign(new Error('injected'), { name: 'InternalServerError', $fault: 'server' });
      }
      return next(args);
    });
    const { alice, bob } = await local.pair();
    // The logins' catch-ups run on the worker: let them finish, so only the commands' own requests are counted.
    await Promise.all([alice.client.caughtUp(), bob.client.caughtUp()]);
    await ok(alice.client, `SEND ${bob.name} satu`);
    const id = String((await bob.client.nextPush()).id);

    // Every command of a logged-in user: GetItem CONN, then GetItem of the account's credential (issue 22).
    // READ: GetItem CONN; GetItem credential ∥ Query alice ∥ GetItem the block (alice, bob); GetItem message ∥
    // BatchGetItem both profiles (where the conversation starts); UpdateItem cursor (then the push to alice's device).
    expect(await count(() => ok(bob.client, `READ ${alice.name} ${id}`))).toEqual([
      'BatchGetItem',
      'GetItem',
      'GetItem',
      'GetItem',
      'GetItem',
      'Query',
      'UpdateItem',
    ]);
    // HISTORY: GetItem CONN ∥ Query bob; Query the page ∥ GetItem bob's cursor ∥ BatchGetItem both profiles
    // (where the conversation starts).
    expect(await count(() => ok(alice.client, `HISTORY ${bob.name}`))).toEqual([
      'BatchGetItem',
      'GetItem',
      'GetItem',
      'GetItem',
      'Query',
      'Query',
    ]);
    // EDIT: GetItem CONN; GetItem MSGREF; GetItem the recipient's profile ∥ GetItem the block (bob, alice) (issue 22:
    // a recipient who blocked the sender, or is gone, is a missing user); UpdateItem message; Query each side's devices.
    expect(await count(() => ok(alice.client, `EDIT ${id} satu!`))).toEqual([
      'GetItem',
      'GetItem',
      'GetItem',
      'GetItem',
      'GetItem',
      'Query',
      'Query',
      'UpdateItem',
    ]);
    // DELETE: as EDIT (the profile and the block read beside the tombstone), and DeleteItem MSGREF.
    expect(await count(() => ok(alice.client, `DELETE ${id}`))).toEqual([
      'DeleteItem',
      'GetItem',
      'GetItem',
      'GetItem',
      'GetItem',
      'GetItem',
      'Query',
      'Query',
      'UpdateItem',
    ]);

    const group = `rc_${Date.now()}`;
    await ok(alice.client, `GROUP_CREATE ${group}`);
    await ok(bob.client, `GROUP_JOIN ${group}`);
    await ok(alice.client, `SEND_GROUP ${group} rapat`);
    const gid = String((await bob.client.nextPush((p) => p.event === 'GROUP_MESSAGE')).id);
    // READ_GROUP: GetItem CONN ∥ GetItem message; GetItem membership ∥ GetItem group; UpdateItem cursor; Query the
    // sender's devices, after a BatchGetItem of the sender's profile (a message of the name's earlier owner tells the
    // new one nothing).
    expect(await count(() => ok(bob.client, `READ_GROUP ${group} ${gid}`))).toEqual([
      'BatchGetItem',
      'GetItem',
      'GetItem',
      'GetItem',
      'GetItem',
      'GetItem',
      'Query',
      'UpdateItem',
    ]);
    // EDIT of a group message: GetItem CONN; GetItem MSGREF; GetItem membership; UpdateItem message; Query group
    // connections; BatchGetItem of the group and the online members' memberships (only members hear it).
    expect(await count(() => ok(alice.client, `EDIT ${gid} rapat batal`))).toEqual([
      'BatchGetItem',
      'GetItem',
      'GetItem',
      'GetItem',
      'GetItem',
      'Query',
      'UpdateItem',
    ]);
  });

  it('finishes a DELETE of a file that failed before its end', async () => {
    const { alice, bob } = await local.pair();
    // The logins' catch-ups end with requests of their own (a DeleteItem among them): let them finish first, so the
    // armed failure meets the DELETE's request and nothing else.
    await Promise.all([alice.client.caughtUp(), bob.client.caughtUp()]);
    await ok(alice.client, `SEND_FILE ${bob.name} x.txt ${Buffer.from('isi').toString('base64')}`);
    const file = await bob.client.nextPush((p) => p.event === 'FILE');
    const id = String(file.id);
    // The tombstone is written, then the file record's deletion fails: the answer is internal_error.
    failNext = 'DeleteItemCommand';
    expect(await alice.client.request(`DELETE ${id}`)).toMatchObject({ reason: 'internal_error' });
    expect(await seeder().get(keys.messageRef(id))).toBeDefined();
    // Again: the tombstone is there, the pointer too, so this DELETE finishes the job.
    expect(await alice.client.request(`DELETE ${id}`)).toEqual({ status: 'OK', data: 'pesan dihapus' });
    expect(await seeder().get(keys.messageRef(id))).toBeUndefined();
    expect(await seeder().get(keys.file(id))).toBeUndefined();
    expect((await download(String(file.url))).status).not.toBe(200);
    expect(await alice.client.request(`DELETE ${id}`)).toMatchObject({ reason: 'unknown_message' });
  });
});
