/**
 * Random interleavings of AUTH (right or wrong password, two users), LOGOUT, SEND and close on two connections,
 * with a third user sending to both users meanwhile (issue 14, "Login state is exact"). Every run opens with the race
 * of finding 3 (AUTH alice and AUTH bob at once on one connection), then 1–2 random steps. Everything in one step is
 * sent at once, so the handlers run side by side. After every step each open connection is asked GROUPS (alice and
 * bob are in different groups), and the run checks:
 * - every answer is one the protocol allows for its request (a wrong password is invalid_credentials, a race lost is
 *   login_conflict, nothing else fails);
 * - the state a connection ends a step in is one a sequential order of the step's successful requests gives;
 * - a connection gets no private message for a user it was neither bound to before the step nor asked to become in
 *   it (a catch-up frame already under way may come one step late);
 * - every message answered `pesan terkirim` reaches its recipient: pushed to a connection bound to them before or
 *   after the step, or during it (their AUTH there answered OK, and another AUTH of the step replaced it), or in the
 *   catch-up of their next login (a connection still bound when the run ends is read until its login's CAUGHT_UP,
 *   so what that catch-up pushes late is counted too); every SEND a connection got `pesan terkirim` for reaches
 *   carol, from the user the connection was bound to.
 */
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import type { ChatClient, Frame } from '../support/client.js';
import { PASSWORD, type User, uniqueName } from '../support/endpoint.js';
import { backlogOf, GENEROUS_LIMITS } from '../support/logins.js';
import { useLocalRuntime } from '../support/runtime.js';

const local = useLocalRuntime({ env: GENEROUS_LIMITS });

type Who = 'alice' | 'bob';
type Op =
  | { kind: 'auth'; who: Who; right: boolean }
  | { kind: 'logout' }
  | { kind: 'send' }
  | { kind: 'close' };
interface Step {
  /** What each of the two connections sends at once. */
  ops: [Op[], Op[]];
  /** Whom carol sends a message to, at the same time. */
  sends: Who[];
}

const who = fc.constantFrom<Who>('alice', 'bob');
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('auth' as const), who, right: fc.constant(true) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('auth' as const), who, right: fc.constant(false) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'logout' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'send' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'close' as const }) },
);
const ops = fc.array(op, { minLength: 0, maxLength: 2 });
const step: fc.Arbitrary<Step> = fc.record({
  ops: fc.tuple(ops, ops),
  sends: fc.array(who, { minLength: 1, maxLength: 2 }),
});

/** Every run opens with the race of issue 14: AUTH alice and AUTH bob at once on the first connection. */
const opening: fc.Arbitrary<Step> = fc.record({
  ops: fc.tuple(
    fc.boolean().map((aliceFirst): Op[] => {
      const both: Op[] = [
        { kind: 'auth', who: 'alice', right: true },
        { kind: 'auth', who: 'bob', right: true },
      ];
      return aliceFirst ? both : both.reverse();
    }),
    ops,
  ),
  sends: fc.array(who, { minLength: 1, maxLength: 2 }),
});
const runs = fc
  .tuple(opening, fc.array(step, { minLength: 1, maxLength: 2 }))
  .map(([first, rest]) => [first, ...rest]);

let people: { alice: string; bob: string; carol: User; groups: Record<Who, string> };

beforeAll(async () => {
  const alice = uniqueName('alice');
  const bob = uniqueName('bob');
  const setup = await local.connect();
  const groups = { alice: uniqueName('ga'), bob: uniqueName('gb') };
  for (const [name, group] of [
    [alice, groups.alice],
    [bob, groups.bob],
  ] as const) {
    await setup.request(`REGISTER ${name} ${PASSWORD} ID tester`);
    await setup.request(`AUTH ${name} ${PASSWORD}`);
    expect(await setup.request(`GROUP_CREATE ${group}`)).toMatchObject({ status: 'OK' });
  }
  await setup.close();
  people = { alice, bob, carol: await local.user('carol'), groups };
}, 60_000);

const nameOf = (w: Who) => people[w];
const whoIs = (name: unknown): Who | undefined =>
  typeof name !== 'string'
    ? undefined
    : name.toLowerCase() === people.alice.toLowerCase()
      ? 'alice'
      : name.toLowerCase() === people.bob.toLowerCase()
        ? 'bob'
        : undefined;

function request(o: Op, run: number, index: number): string {
  // Tagged with the user, so the answer says whose AUTH it was (answers come in any order).
  if (o.kind === 'auth') return `#${o.who} AUTH ${nameOf(o.who)} ${o.right ? PASSWORD : 'wrong-password-1'}`;
  if (o.kind === 'logout') return 'LOGOUT';
  return `SEND ${people.carol.name} out-${run}-${index}`;
}

/** Who the connection is bound to, asked with GROUPS; `null` when nobody. */
async function probe(client: ChatClient): Promise<Who | null> {
  const answer = await client.request('GROUPS');
  if (answer.status !== 'OK') {
    expect(answer).toMatchObject({ reason: 'not_authenticated' });
    return null;
  }
  const [group] = answer.data as string[];
  const bound = (['alice', 'bob'] as const).find((w) => people.groups[w] === group);
  if (!bound) throw new Error(`GROUPS answered ${JSON.stringify(answer.data)}`);
  return bound;
}

/** Private messages in frames [from, to) of the raw log: `live` pushes and those in catch-up BATCH frames. */
function pushesIn(client: ChatClient, from: number, to: number): { live: Frame[]; batched: Frame[] } {
  const live: Frame[] = [];
  const batched: Frame[] = [];
  for (const text of client.raw.slice(from, to)) {
    const frame = JSON.parse(text.trimEnd()) as Frame;
    if (frame.event === 'MESSAGE') live.push(frame);
    if (frame.event === 'BATCH')
      batched.push(...(frame.events as Frame[]).filter((e) => e.event === 'MESSAGE'));
  }
  return { live, batched };
}

/** Checks one connection's answers in one step; returns the users its successful AUTHs were for (if any won). */
function checkAnswers(sent: readonly Op[], answers: readonly Frame[]) {
  const tally = (data: string, reason?: string) =>
    answers.filter((a) => a.data === data && (reason === undefined || a.reason === reason)).length;
  const of = (pred: (o: Op) => boolean) => sent.filter(pred).length;
  const rightAuths = sent.flatMap((o) => (o.kind === 'auth' && o.right ? [o.who] : []));
  expect(tally('autentikasi gagal', 'invalid_credentials')).toBe(of((o) => o.kind === 'auth' && !o.right));
  const authOk = tally('autentikasi berhasil');
  expect(authOk + tally('autentikasi gagal', 'login_conflict')).toBe(rightAuths.length);
  const logoutOk = tally('logout berhasil');
  expect(
    logoutOk + tally('logout gagal', 'login_conflict') + tally('logout gagal', 'not_authenticated'),
  ).toBe(of((o) => o.kind === 'logout'));
  const sendOk = tally('pesan terkirim');
  expect(sendOk + tally('pesan tidak terkirim', 'not_authenticated')).toBe(of((o) => o.kind === 'send'));
  /** The users whose login this connection held during the step, however briefly (their AUTH answered OK). */
  const won = new Set(answers.flatMap((a) => (a.data === 'autentikasi berhasil' ? [a.tag as Who] : [])));
  return { rightAuths, authOk, logoutOk, sendOk, won };
}

async function runOnce(steps: Step[], run: number) {
  const { carol } = people;
  const conns = [await local.connect(), await local.connect()];
  const open = [true, true];
  let state: (Who | null)[] = [null, null];
  /** Per connection, where the last step's probe answer ended in its raw log, and what it allowed. */
  let seenUpTo = [0, 0];
  let allowedBefore: Set<Who>[] = [new Set(), new Set()];
  /** Messages carol got `pesan terkirim` for, and those reached by a push to a connection bound to them. */
  const acked: { text: string; to: Who }[] = [];
  const reached = new Set<string>();
  const outgoing: { text: string; from: Set<Who> }[] = [];
  let sendIndex = 0;

  for (const [s, { ops: perConnection, sends }] of steps.entries()) {
    const texts = sends.map((to) => ({ text: `in-${run}-${s}-${sendIndex++}`, to }));
    const sentOps: Op[][] = [[], []];
    const requests: string[][] = [[], []];
    for (const i of [0, 1]) {
      if (!open[i]) continue;
      for (const o of perConnection[i] as Op[]) {
        if (o.kind === 'close') break;
        sentOps[i]?.push(o);
        requests[i]?.push(request(o, run, sendIndex++));
      }
    }
    const closing = [0, 1].map((i) => open[i] && (perConnection[i] as Op[]).some((o) => o.kind === 'close'));
    const [carolAnswers, ...answers] = await Promise.all([
      carol.client.burst(texts.map(({ text, to }) => `SEND ${nameOf(to)} ${text}`)),
      ...[0, 1].map(async (i) => {
        const c = conns[i] as ChatClient;
        if (!open[i]) return [];
        if (!closing[i]) return c.burst(requests[i] as string[]);
        // Sent, then closed at once: their answers may never come, and nothing is checked of them.
        for (const text of requests[i] as string[]) c.socket.send(text);
        await c.close();
        return [];
      }),
    ]);
    expect(carolAnswers?.every((a) => a.data === 'pesan terkirim')).toBe(true);
    acked.push(...texts);

    for (const i of [0, 1]) {
      if (!open[i]) continue;
      const c = conns[i] as ChatClient;
      const before = state[i] ?? null;
      const auths = new Set(
        (sentOps[i] as Op[]).flatMap((o) => (o.kind === 'auth' && o.right ? [o.who] : [])),
      );
      const allowed = new Set<Who>([...(before ? [before] : []), ...auths]);
      let after: Who | null;
      let end: number;
      /** Users bound to this connection at some moment of the step: a push to them here reached them. */
      let held = new Set<Who>();
      if (closing[i]) {
        open[i] = false;
        after = null;
        end = c.raw.length;
      } else {
        const result = checkAnswers(sentOps[i] as Op[], (answers[i] as Frame[]) ?? []);
        held = result.won;
        after = await probe(c);
        end = c.raw.length;
        // A sequential order of the successful requests ends with any of them, or (none) where it began.
        const finals = new Set<Who | null>();
        if (result.authOk === 0 && result.logoutOk === 0) finals.add(before);
        if (result.authOk > 0) for (const w of result.rightAuths) finals.add(w);
        if (result.logoutOk > 0) finals.add(null);
        expect([...finals], `step ${s} connection ${i}`).toContain(after);
        // Answers carry no request id: the SENDs are followed when all of them were answered OK.
        const mine = (sentOps[i] as Op[]).flatMap((o, k) =>
          o.kind === 'send' ? [requests[i]?.[k] ?? ''] : [],
        );
        if (result.sendOk === mine.length)
          for (const line of mine) outgoing.push({ text: line.split(' ')[2] ?? '', from: allowed });
      }
      const { live, batched } = pushesIn(c, seenUpTo[i] ?? 0, end);
      for (const push of live) {
        const to = whoIs(push.to);
        expect(
          to !== undefined && allowed.has(to),
          `step ${s} connection ${i}: live push for ${push.to}`,
        ).toBe(true);
        // Bound before or after the step, or logged in during it (an AUTH that answered OK, which a later AUTH in
        // the same step replaced): the push reached a login of its recipient.
        if (to !== undefined && (to === before || to === after || held.has(to) || closing[i]))
          reached.add(String(push.message));
      }
      const late = allowedBefore[i] ?? new Set<Who>();
      for (const push of batched) {
        const to = whoIs(push.to);
        expect(
          to !== undefined && (allowed.has(to) || late.has(to)),
          `step ${s}: batched push for ${push.to}`,
        ).toBe(true);
        if (to !== undefined && (to === before || to === after || held.has(to)))
          reached.add(String(push.message));
      }
      seenUpTo = seenUpTo.map((v, k) => (k === i ? end : v));
      allowedBefore = allowedBefore.map((v, k) => (k === i ? allowed : v));
      state = state.map((v, k) => (k === i ? after : v));
    }
  }

  // Before the run ends, each connection still bound has caught up: its login's catch-up (put off while another
  // login's lease is held, docs/TESTING.md "Issue 25") may push what waited after the last probe, and what arrives
  // by its CAUGHT_UP reached the user it is bound to.
  for (const i of [0, 1]) {
    const bound = state[i];
    const c = conns[i] as ChatClient;
    if (!open[i] || !bound) continue;
    let login = -1;
    for (const [k, text] of c.raw.entries())
      if (text.includes('"autentikasi berhasil"') && text.includes(`"tag":"${bound}"`)) login = k;
    await c.until(
      () => (c.raw.slice(login + 1).some((text) => text.includes('"CAUGHT_UP"')) ? true : undefined),
      `CAUGHT_UP of ${bound}'s login`,
    );
    const { live, batched } = pushesIn(c, seenUpTo[i] ?? 0, c.raw.length);
    for (const push of [...live, ...batched]) if (whoIs(push.to) === bound) reached.add(String(push.message));
  }
  // The run ends: both connections close; every acknowledged message must be somewhere for its recipient.
  await Promise.all(conns.map((c) => c.close()));
  for (const w of ['alice', 'bob'] as const) {
    const backlog = new Set(await backlogOf(() => local.connect(), nameOf(w)));
    for (const { text, to } of acked)
      if (to === w) expect(reached.has(text) || backlog.has(text), `${text} for ${w}`).toBe(true);
  }
  // Connections' own sends that were answered OK reach carol, from a user the connection was bound to or became.
  for (const { text, from } of outgoing) {
    const push = await carol.client.nextPush((p) => p.message === text);
    expect(from.has(whoIs(push.from) as Who), `${text} from ${push.from}`).toBe(true);
  }
}

it('every interleaving of AUTH, LOGOUT, SEND and close on two connections keeps the login state exact', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(runs, async (steps) => {
      await runOnce(steps, run++);
    }),
    { numRuns: 4, seed: 1414, endOnFailure: true },
  );
}, 170_000);
