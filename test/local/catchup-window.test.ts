/**
 * The window between a login's AUTH and its CAUGHT_UP, made to happen on purpose (issue 25): the catch-up of
 * bob's live login is held at its lease while alice sends him a message that no device takes (every push fails).
 * The message waits in his inbox with an id below that login's boundary (AUTH time + the clock slack), so it is
 * that catch-up's to deliver: released, it pushes the message to bob's live connection and drops the inbox item.
 * A login that starts afterwards finds nothing waiting. The message reached bob once — but counted as "live pushes
 * before the catch-up, plus what a new login finds" it is zero. That was the flaky `push fails (500)` row of
 * faults-messages.test.ts: its live connection's catch-up (put off a second by LeaseHeld) was still to run.
 * `deliveries` (test/support/fault-checks.ts) now refuses to count for a connection that has not caught up.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, uniqueName } from '../support/endpoint.js';
import { deliveries, isCaughtUp } from '../support/fault-checks.js';
import type { Faults } from '../support/faults.js';
import { useLocalRuntime } from '../support/runtime.js';

const local = useLocalRuntime();
let faults: Faults;

/** The first catch-up lease taken for a user whose name starts with `prefix` waits until `release()`. */
let gate:
  | { prefix: string; reached: () => void; opened: Promise<void>; open: () => void; taken: boolean }
  | undefined;

const plain = (value: unknown) =>
  String(typeof value === 'object' && value !== null && 'S' in value ? value.S : value);

beforeAll(async () => {
  faults = await local.faults();
  await local.onDynamo('holdCatchUpLease', 'initialize', (next, context) => async (args) => {
    const input = args.input;
    if (
      gate &&
      !gate.taken &&
      context.commandName === 'UpdateItemCommand' &&
      String(input?.UpdateExpression).startsWith('SET lease') &&
      plain(input?.ExpressionAttributeValues?.[':user']).startsWith(gate.prefix)
    ) {
      gate.taken = true;
      gate.reached();
      await gate.opened;
    }
    return next(args);
  });
});

// A failed test must not leave a catch-up waiting (the runtime could not stop).
afterEach(() => {
  gate?.open();
  gate = undefined;
});

/** Holds the next catch-up of a `prefix` user at its lease: `reached` resolves once it waits there. */
function holdCatchUp(prefix: string) {
  let open!: () => void;
  let reached!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const waiting = new Promise<void>((resolve) => {
    reached = resolve;
  });
  gate = { prefix, reached, opened, open, taken: false };
  return { waiting, release: open };
}

describe('a message sent while the recipient’s live login has not caught up', () => {
  it('is delivered by that login’s catch-up, so a later login finds nothing: count only after CAUGHT_UP', async () => {
    const alice = await local.user('alice');
    await alice.client.caughtUp();
    const prefix = uniqueName('bob');
    const held = holdCatchUp(prefix);
    const bob = await local.user(prefix);
    await held.waiting;

    const text = uniqueName('dm');
    const push = faults.inject({
      service: 'push',
      command: 'PostToConnection',
      fault: 'error',
      when: 'every',
    });
    const answer = await alice.client.request(`SEND ${bob.name} ${text}`);
    push.disarm();
    expect(answer).toEqual({ status: 'OK', data: 'pesan terkirim', id: expect.any(String) });
    expect(push.hits).toBeGreaterThan(0);
    const ofText = (client: typeof bob.client) => client.pushes.filter((p) => p.message === text).length;
    expect(ofText(bob.client)).toBe(0);
    expect(isCaughtUp(bob.client)).toBe(false);
    // Counting now would read the live pushes too early: the helper says so instead of answering.
    await expect(deliveries(() => local.connect(), bob, text)).rejects.toThrow(/has not caught up/);

    held.release();
    await bob.client.caughtUp();
    // The live login's own catch-up took it (its push this time works), and dropped the inbox item.
    expect(ofText(bob.client)).toBe(1);
    const later = await local.connect();
    expect(await later.request(`AUTH ${bob.name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    await later.caughtUp();
    expect(ofText(later)).toBe(0);
    await later.close();
    // Counted after CAUGHT_UP: once, never zero.
    expect(await deliveries(() => local.connect(), bob, text)).toBe(1);
  });
});
