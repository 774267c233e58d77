/**
 * What every fault test checks after a command ran with a fault armed: the answer is the command's own failure with
 * a reason (never a crash), and a message is judged by where it ended up — pushed live, or waiting for the next
 * login (counted on a fresh connection after its catch-up).
 */
import { expect } from 'vitest';
import type { ChatClient, Frame } from './client.js';
import { PASSWORD, type User, uniqueName } from './endpoint.js';
import type { Armed, Faults, Rule } from './faults.js';

export type Row = {
  /** What the row injects, as the test's name shows it. */
  name: string;
  rules: Rule[];
};

/** Arms a row's rules; `done()` checks each fired at least once and disarms them all. */
export function arm(faults: Faults, rules: readonly Rule[]) {
  const armed: Armed[] = rules.map((rule) => faults.inject(rule));
  return {
    armed,
    done() {
      for (const a of armed) a.disarm();
      for (const a of armed)
        expect(a.hits, `${a.rule.fault} on ${a.rule.service} ${a.rule.command} never fired`).toBeGreaterThan(
          0,
        );
    },
  };
}

/** An honest answer: OK, or the command's failure with one of the allowed reasons (no stack, no raw error). */
export function expectHonest(
  answer: Frame,
  failure: string,
  reasons: readonly string[] = ['internal_error'],
) {
  if (answer.status === 'OK') return;
  expect(answer.status).toBe('ERROR');
  expect(answer.data).toBe(failure);
  expect(reasons).toContain(answer.reason);
  expect(Object.keys(answer).sort()).toEqual(['data', 'reason', 'status']);
}

const matches = (text: string) => (push: Frame) => push.message === text || push.filename === text;

/** Whether a client's login has had its CAUGHT_UP: its catch-up is over, and what comes next comes live. */
export function isCaughtUp(client: ChatClient): boolean {
  return client.log.some((frame) => frame.event === 'CAUGHT_UP');
}

/**
 * How many times a message (by its text, or a file by its name) reached `user`: pushed to their connections so
 * far, plus what a new login's catch-up pushes (the new connection is closed afterwards). With `enough`, a count
 * the live pushes already reach is returned without the login.
 *
 * `user`'s live connection must have had its CAUGHT_UP first: a login whose catch-up is still to run has a
 * boundary up to a second (BOUNDARY_LEAD_MS) after its AUTH, so a message sent meanwhile that waits in the inbox
 * is its catch-up's to deliver — and the catch-up may take it to the live connection after the live pushes were
 * counted and before the new login reads the inbox, which then finds nothing: once delivered, counted zero.
 */
export async function deliveries(
  connect: () => Promise<ChatClient>,
  user: User,
  text: string,
  { enough = Number.POSITIVE_INFINITY }: { enough?: number } = {},
): Promise<number> {
  if (!isCaughtUp(user.client))
    throw new Error(`${user.name}'s live connection has not caught up: await its caughtUp() before counting`);
  const live = user.client.pushes.filter(matches(text)).length;
  if (live >= enough) return live;
  const probe = await connect();
  try {
    expect(await probe.request(`AUTH ${user.name} ${PASSWORD}`)).toMatchObject({ status: 'OK' });
    await probe.caughtUp();
    return live + probe.pushes.filter(matches(text)).length;
  } finally {
    await probe.close();
  }
}

/**
 * The usual set-up of a fault file: its runtime's faults, alice and bob logged in and caught up (their logins'
 * catch-ups are over, so nothing of a row is delivered by them), and a group of theirs (alice created it, bob
 * joined). Call it in beforeAll.
 */
export async function pairInGroup(local: {
  faults(): Promise<Faults>;
  pair(): Promise<{ alice: User; bob: User }>;
}): Promise<{ faults: Faults; alice: User; bob: User; group: string }> {
  const faults = await local.faults();
  const { alice, bob } = await local.pair();
  const group = uniqueName('grp');
  expect(await alice.client.request(`GROUP_CREATE ${group}`)).toMatchObject({ status: 'OK' });
  expect(await bob.client.request(`GROUP_JOIN ${group}`)).toMatchObject({ status: 'OK' });
  await Promise.all([alice.client.caughtUp(), bob.client.caughtUp()]);
  return { faults, alice, bob, group };
}
