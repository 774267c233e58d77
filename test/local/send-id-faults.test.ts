/**
 * SEND_ID after a first attempt that failed half-way: the store failed (nothing stored), or the message was stored
 * and pushed but the claim was never marked done. The retry must finish the same message under the same id: one
 * message in the history, whatever the first attempt got done. Faults are injected on the handlers' own client,
 * before the SDK's retries, so the failure reaches the command.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../support/client.js';
import { uniqueName } from '../support/endpoint.js';
import { useLocalRuntime } from '../support/runtime.js';

// A retry waits 100 ms for the unfinished claim its failed first attempt left instead of 2 s: what the retry
// finishes is the subject here, not the wait (test/unit/command-edges.test.ts checks the default's polls).
const local = useLocalRuntime({ env: { SEND_ID_WAIT_MS: '100' } });
/** While set, every DynamoDB command the handlers make (its name, before the SDK's retries). */
let calls: string[] | undefined;
/** Texts whose message PutItem fails once. */
const failStoreOf = new Set<string>();
/** Claims (by client id) whose `done` UpdateItem fails once. */
const failDoneOf = new Set<string>();

/** An attribute as either client shape has it: plain (document client) or marshalled (`{S: …}`). */
const text = (value: unknown) =>
  String(typeof value === 'object' && value !== null && 'S' in value ? (value as { S: unknown }).S : value);

beforeAll(async () => {
  await local.onDynamo('sendIdFaults', 'initialize', (next, context) => async (args) => {
    const input = args.input ?? {};
    const command = String(context.commandName);
    calls?.push(command.replace(/Command$/, ''));
    const injected = () => Object.assign(new Error('injected failure'), { name: 'ValidationException' });
    if (command.startsWith('Put') && failStoreOf.delete(text(input.Item?.message))) throw injected();
    const pk = text(input.Key?.pk);
    if (command.startsWith('Update') && pk.startsWith('SENDID#') && failDoneOf.delete(pk.split('#')[2] ?? ''))
      throw injected();
    return next(args);
  });
});

const clientId = () =>
  uniqueName('cid')
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .padEnd(8, '_');

async function historyIds(client: { request(text: string): Promise<Frame> }, name: string) {
  const answer = await client.request(`HISTORY ${name}`);
  return (answer.data as Frame[]).map((m) => m.id);
}

describe('SEND_ID after a first attempt that failed half-way', () => {
  it('the store failed: the retry stores and pushes it, under the claimed id', async () => {
    const { alice, bob } = await local.pair();
    const cid = clientId();
    failStoreOf.add('gagal sekali');
    expect(await alice.client.request(`SEND_ID ${cid} ${bob.name} gagal sekali`)).toMatchObject({
      status: 'ERROR',
      reason: 'internal_error',
    });
    expect(failStoreOf.size).toBe(0);
    expect(await historyIds(bob.client, alice.name)).toEqual([]);

    const retry = await alice.client.request(`SEND_ID ${cid} ${bob.name} gagal sekali`);
    // The retry delivered it to bob's online device: it says so (issue 23).
    expect(retry).toEqual({
      status: 'OK',
      data: 'pesan terkirim',
      id: expect.stringMatching(/^[0-9A-Z]{26}$/),
      delivered: true,
    });
    expect(await bob.client.nextPush()).toMatchObject({
      event: 'MESSAGE',
      id: retry.id,
      message: 'gagal sekali',
    });
    expect(await historyIds(bob.client, alice.name)).toEqual([retry.id]);
    // Once finished, a further retry does nothing more.
    expect(await alice.client.request(`SEND_ID ${cid} ${bob.name} gagal sekali`)).toEqual({
      status: 'OK',
      data: 'pesan terkirim',
      id: retry.id,
    });
    expect(await historyIds(bob.client, alice.name)).toEqual([retry.id]);
  });

  it('stored and pushed but not marked done: the retry answers the same id, and there is one message', async () => {
    const { alice, bob } = await local.pair();
    const cid = clientId();
    failDoneOf.add(cid);
    expect(await alice.client.request(`SEND_ID ${cid} ${bob.name} hampir selesai`)).toMatchObject({
      reason: 'internal_error',
    });
    const first = await bob.client.nextPush();
    const retry = await alice.client.request(`SEND_ID ${cid} ${bob.name} hampir selesai`);
    expect(retry).toEqual({ status: 'OK', data: 'pesan terkirim', id: first.id, delivered: true });
    expect(await historyIds(bob.client, alice.name)).toEqual([first.id]);
    // A repeated push, if any, is the same message (same id).
    for (const push of bob.client.pushes) expect(push.id).toBe(first.id);
  });
});

describe("SEND_ID's extra cost (DynamoDB requests, counted on the handlers' client)", () => {
  const counted = async (run: () => Promise<Frame>) => {
    calls = [];
    const answer = await run();
    const made = calls.sort();
    calls = undefined;
    expect(answer).toMatchObject({ status: 'OK' });
    return made;
  };

  it('a first attempt costs SEND + a conditional put and an update; a finished retry stores nothing', async () => {
    const { alice, bob } = await local.pair();
    await Promise.all([alice.client.caughtUp(), bob.client.caughtUp()]);
    // Imported here: shared/ reads its configuration on import, which the runtime has set by now.
    const { BUCKET_MS } = await import('../../shared/data/conversations.js');
    const hour = () => Math.floor(Date.now() / BUCKET_MS);
    let sentIn = hour();
    const send = await counted(() => alice.client.request(`SEND ${bob.name} biasa`));
    // SEND: GetItem CONN; GetItem the account's credential (issue 22) ∥ Query the recipient ∥ BatchGetItem the block
    // (bob, alice) and both conversation heads (issue 23); PutItem the message ∥ PutItem its MSGREF pointer (EDIT,
    // DELETE). The pair's first message also moves both conversation lists: PutItem the entry, UpdateItem the head.
    expect(send).toEqual([
      'BatchGetItem',
      'GetItem',
      'GetItem',
      'PutItem',
      'PutItem',
      'PutItem',
      'PutItem',
      'Query',
      'UpdateItem',
      'UpdateItem',
    ]);
    // In the same hour the conversation does not move: SEND_ID is SEND's requests + the claim's put and update. (If
    // an hour began since the SEND, the SEND_ID moved the lists: a plain SEND takes the new hour's move and SEND_ID
    // is counted again, so the row never depends on the time of day.)
    let cid = clientId();
    let first = await counted(() => alice.client.request(`SEND_ID ${cid} ${bob.name} sekali`));
    if (hour() !== sentIn) {
      sentIn = hour();
      await alice.client.request(`SEND ${bob.name} jam baru`);
      cid = clientId();
      first = await counted(() => alice.client.request(`SEND_ID ${cid} ${bob.name} sekali`));
      expect(hour()).toBe(sentIn);
    }
    expect(first).toEqual([
      'BatchGetItem',
      'GetItem',
      'GetItem',
      'PutItem',
      'PutItem',
      'PutItem',
      'Query',
      'UpdateItem',
    ]);
    // The retry: the checks, the failed claim and one strong read of it; no message stored, nothing marked.
    const retry = await counted(() => alice.client.request(`SEND_ID ${cid} ${bob.name} sekali`));
    expect(retry).toEqual(['BatchGetItem', 'GetItem', 'GetItem', 'GetItem', 'PutItem', 'Query']);
  });
});
