/**
 * The login state of one connection is exact (issue 14, findings 3 and 4): AUTHs and a LOGOUT sent without waiting
 * end in one state, the connection gets no pushes for a user it is not bound to once that was answered, a failed
 * AUTH (a DynamoDB failure at any of its steps) leaves the connection as it was, and no acknowledged message is lost
 * or pushed twice by the next AUTH. Faults are made with SDK middleware on the handlers' own DynamoDB client.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { userKeyOf } from '../../shared/protocol/names.js';
import type { ChatClient, Frame } from '../support/client.js';
import { PASSWORD, type User, uniqueName } from '../support/endpoint.js';
import * as logins from '../support/logins.js';
import { GENEROUS_LIMITS, messagesSince, RACING_PASSWORD_HASHING, received } from '../support/logins.js';
import { useLocalRuntime } from '../support/runtime.js';

const local = useLocalRuntime({ env: { ...GENEROUS_LIMITS, ...RACING_PASSWORD_HASHING } });

/** The failure to inject: the `n`th DynamoDB call `match` accepts fails (before the SDK's retries: no retry). */
let fault: { match: (command: string, input: string) => boolean; n: number; seen: number } | undefined;
/** The first DynamoDB call `match` accepts waits `ms` before it is sent. */
let delay: { match: (command: string, input: string) => boolean; ms: number } | undefined;

beforeAll(async () => {
  await local.onDynamo('failNth', 'initialize', (next, context) => async (args) => {
    if (fault?.match(String(context.commandName), JSON.stringify(args.input))) {
      fault.seen += 1;
      if (fault.seen === fault.n)
        throw Object.assign(new Error('injected: DynamoDB failed'), {
          name: 'InternalServerError',
          $fault: 'server',
          $metadata: { httpStatusCode: 500 },
        });
    }
    return next(args);
  });
  await local.onDynamo('delayFirst', 'initialize', (next, context) => async (args) => {
    if (delay?.match(String(context.commandName), JSON.stringify(args.input))) {
      const { ms } = delay;
      delay = undefined;
      await new Promise((resolve) => setTimeout(resolve, ms));
    }
    return next(args);
  });
});

let admin: ChatClient | undefined;
async function registered(prefix: string): Promise<string> {
  admin ??= await local.connect();
  const name = uniqueName(prefix);
  expect(await admin.request(`REGISTER ${name} ${PASSWORD} ID ${prefix}`)).toMatchObject({ status: 'OK' });
  return name;
}

async function ok(client: ChatClient, text: string): Promise<Frame> {
  const answer = await client.request(text);
  expect(answer, text).toMatchObject({ status: 'OK' });
  return answer;
}

const backlogOf = (name: string) => logins.backlogOf(() => local.connect(), name);

/**
 * carol sends one message to each of `to`, then `probe` answers PING: every push those sends made to `probe` has
 * arrived by then (a push is posted before its send is answered, and frames keep their order on a connection).
 */
async function sendEach(carol: ChatClient, to: readonly string[], tag: string, probe: ChatClient) {
  for (const name of to) await ok(carol, `SEND ${name} ${tag} ${name}`);
  await ok(probe, 'PING');
}

describe('AUTHs racing on one connection', () => {
  it('two AUTHs sent together, then LOGOUT: no more pushes for either, and their messages reach their own devices', async () => {
    const carol = await local.user('carol');
    for (let round = 0; round < 3; round++) {
      const [alice, bob] = [await registered('alice'), await registered('bob')];
      const c = await local.connect();
      const answers = await c.burst([`AUTH ${alice} ${PASSWORD}`, `AUTH ${bob} ${PASSWORD}`]);
      // One of them wins; the other answers OK only if it came after (then it won instead), else login_conflict.
      expect(answers.some((a) => a.status === 'OK')).toBe(true);
      for (const a of answers) if (a.status !== 'OK') expect(a).toMatchObject({ reason: 'login_conflict' });
      await ok(c, 'LOGOUT');
      expect(await c.request('GROUPS')).toMatchObject({ reason: 'not_authenticated' });

      const from = c.log.length;
      await sendEach(carol.client, [alice, bob], `round${round}`, c);
      expect(messagesSince(c, from)).toEqual([]);
      expect(await backlogOf(bob)).toContain(`round${round} ${bob}`);
      expect(await backlogOf(alice)).toContain(`round${round} ${alice}`);
      await c.close();
    }
  }, 120_000);

  it('a LOGOUT whose write is slow does not end the login an AUTH made meanwhile', async () => {
    const carol = await local.user('carol');
    const [alice, bob] = [await registered('alice'), await registered('bob')];
    const c = await local.connect();
    await ok(c, `AUTH ${alice} ${PASSWORD}`);
    await ok(c, `GROUP_CREATE g${alice}`);
    const { readUserConnections } = await import('../../shared/data/connections.js');
    const [device] = await readUserConnections(userKeyOf(alice), Date.now());
    // LOGOUT reads alice's login at once; its first write on the connection is held back for three seconds, while
    // AUTH bob (sent right after it, slowed only by scrypt) runs.
    delay = {
      match: (command, input) =>
        command === 'UpdateItemCommand' && input.includes(`CONN#${device?.connectionId}`),
      ms: 3000,
    };
    const answers = await c.burst(['LOGOUT', `AUTH ${bob} ${PASSWORD}`]);
    expect(delay).toBeUndefined();
    for (const a of answers) if (a.status !== 'OK') expect(a).toMatchObject({ reason: 'login_conflict' });
    const authed = answers.some((a) => a.data === 'autentikasi berhasil');
    // bob has no group: GROUPS tells alice ([g…]), bob ([]) and nobody (not_authenticated) apart.
    const groups = await c.request('GROUPS');
    const bound = groups.status !== 'OK' ? undefined : (groups.data as string[]).length > 0 ? alice : bob;
    // Sequential outcomes: LOGOUT then AUTH (bob), AUTH then LOGOUT or the AUTH lost (nobody); never alice.
    expect([bob, undefined]).toContain(bound);
    if (!authed) expect(bound).toBeUndefined();
    const from = c.log.length;
    await sendEach(carol.client, [alice, bob], 'both', c);
    expect(messagesSince(c, from)).toEqual(bound === undefined ? [] : [`both ${bound}`]);
    for (const name of [alice, bob].filter((n) => n !== bound))
      expect(await backlogOf(name)).toContain(`both ${name}`);
  }, 120_000);
});

/**
 * The DynamoDB calls an AUTH of a connection (id `cid`) that is logged in as `previous` makes to change the login —
 * on the connection's item (not the catch-up's lease and progress), the connection's copies, and the previous
 * login's departure — whatever their order.
 */
function authStep(cid: string, previous: string) {
  return (command: string, input: string) => {
    const conn = input.includes(`CONN#${cid}`);
    if (command === 'BatchWriteItemCommand') return conn || input.includes(`#${previous}`);
    if (command === 'UpdateItemCommand')
      return (
        // Not the login's own steps: the catch-up's lease and mark, and AUTH's "answered" mark after its last check
        // (a failed mark leaves the login standing; its catch-up then waits ANSWER_WAIT_MS: test/unit/catchup.test.ts).
        (conn && !/lease = :run|caughtUp = :yes|SET lease|answered = :yes/.test(input)) ||
        (input.includes(`USER#${previous}`) && input.includes('groupCursor'))
      );
    if (command === 'QueryCommand') return input.includes(`USER#${previous}`) && input.includes('GROUP#');
    return false;
  };
}

describe('an AUTH that fails at any DynamoDB step', () => {
  /**
   * c is alice's (a member of her group), bob waits for one message; then AUTH bob on c meets a failure at the
   * `n`th step. Returns how many steps there were.
   */
  async function scenario(people: { carol: User; alice: string; bob: string }, n: number): Promise<number> {
    const { alice, bob } = people;
    const carol = people.carol.client;
    const group = `g${alice}`;
    const c = await local.connect();
    await ok(c, `AUTH ${alice} ${PASSWORD}`);
    await c.caughtUp();
    await ok(carol, `SEND ${bob} waiting${n}`);
    // Loaded after the runtime has set the handlers' environment.
    const { readUserConnections } = await import('../../shared/data/connections.js');
    const devices = await readUserConnections(userKeyOf(alice), Date.now());
    expect(devices).toHaveLength(1);

    fault = { match: authStep(String(devices[0]?.connectionId), alice.toLowerCase()), n, seen: 0 };
    const answer = await c.request(`AUTH ${bob} ${PASSWORD}`);
    const steps = fault.seen;
    fault = undefined;
    const failed = answer.status !== 'OK';
    if (failed) expect(answer, `step ${n}`).toMatchObject({ reason: 'internal_error' });
    const [now, other] = failed ? [alice, bob] : [bob, alice];
    if (!failed) await c.caughtUp();

    // The connection is exactly one of the two logins: its groups, its pushes, the sender of its messages.
    expect(await c.request('GROUPS'), `step ${n}`).toEqual({ status: 'OK', data: failed ? [group] : [] });
    const from = c.log.length;
    await sendEach(carol, [alice, bob], `step${n}`, c);
    expect(messagesSince(c, from), `step ${n}`).toEqual([`step${n} ${now}`]);
    await ok(c, `SEND ${people.carol.name} from-c ${n}`);
    const mine = await carol.nextPush((p) => p.message === `from-c ${n}`);
    expect(mine.from, `step ${n}`).toBe(now);

    // The next AUTH works, and brings what waited exactly once.
    await ok(c, `AUTH ${bob} ${PASSWORD}`);
    await c.caughtUp();
    expect(received(c, `waiting${n}`), `step ${n}`).toBe(1);
    expect(received(c, `step${n} ${bob}`), `step ${n}`).toBe(1);
    if (other === alice) expect(await backlogOf(alice)).toContain(`step${n} ${alice}`);
    await c.close();
    return steps;
  }

  it('leaves the previous login intact, or completes, and never delivers twice', async () => {
    const carol = await local.user('carol');
    const [alice, bob] = [await registered('alice'), await registered('bob')];
    const setup = await local.connect();
    await ok(setup, `AUTH ${alice} ${PASSWORD}`);
    await ok(setup, `GROUP_CREATE g${alice}`);
    await setup.close();
    const people = { carol, alice, bob };
    const steps = await scenario(people, Number.POSITIVE_INFINITY);
    expect(steps).toBeGreaterThanOrEqual(4);
    // Every step up to the commit and a little after it, and the last one (a full sweep takes minutes).
    const chosen = [...new Set([...Array.from({ length: Math.min(steps, 6) }, (_, i) => i + 1), steps])];
    for (const n of chosen) await scenario(people, n);
  }, 240_000);
});
