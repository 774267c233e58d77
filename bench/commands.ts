/**
 * Requests per command and the critical path. Each scenario is run alone (nothing else touches AWS meanwhile),
 * so every request made between sending a frame and its answer (or, for $disconnect and uploads, until the
 * handlers fall quiet) belongs to that command. Each scenario runs `runs` times without and `runs` times with a
 * fixed delay added to every AWS request, interleaved; the critical path is
 * (median latency with delay − median latency without) / delay: the number of requests that waited on each other.
 */
import { randomBytes } from 'node:crypto';
import type { Runtime } from '../local/runtime.js';
import type { ChatClient, Frame } from '../test/support/client.js';
import { ChatClient as Client } from '../test/support/client.js';
import { upload } from '../test/support/files.js';
import { type Call, type Counts, countCalls, type Recorder } from './instrument.js';
import { median } from './stats.js';
import { expectOk, login, PASSWORD } from './users.js';

export interface CommandResult {
  name: string;
  section: string;
  counts: Counts;
  /** True when the runs without delay did not all make the same requests. */
  countsVary: boolean;
  /** Median latency without delay, ms: the local handler duration plus the loopback WebSocket. */
  latencyMs: number;
  delayedMs: number;
  /** Requests on the critical path, measured: (latency with delay − without) / delay. */
  rounds: number;
  /**
   * Cross-check from the delayed runs' timestamps: the longest chain of AWS requests each of which started only
   * after the previous one ended (median over runs). Unlike `rounds` it does not shrink when local CPU work
   * overlaps the injected delay (large fan-outs), nor wobble with scrypt.
   */
  chain: number;
  runs: number;
}

interface Scenario<T> {
  name: string;
  section: string;
  setup?: () => Promise<T>;
  run: (state: T) => Promise<void>;
  cleanup?: (state: T) => Promise<void>;
  /** The work goes on after the client's part (a close, an upload): wait for the handlers to fall quiet. */
  settle?: boolean;
}

export interface BenchWorld {
  runtime: Runtime;
  recorder: Recorder;
  delayMs: number;
  runs: number;
  /** Users seeded beforehand (see run.ts), and the logged-in connections kept open. */
  online: Map<string, ChatClient>;
}

const fresh = (prefix: string) => `${prefix}_${randomBytes(4).toString('hex')}`;

function expectStatus(frame: Frame, status: 'OK' | 'ERROR', what: string, reason?: string) {
  if (frame.status !== status || (reason !== undefined && frame.reason !== reason))
    throw new Error(`${what}: expected ${status} ${reason ?? ''}, got ${JSON.stringify(frame)}`);
}

async function measure<T>(world: BenchWorld, scenario: Scenario<T>): Promise<CommandResult> {
  const { recorder } = world;
  const plain: number[] = [];
  const delayed: number[] = [];
  const counted: Counts[] = [];
  const chains: number[] = [];
  for (let i = 0; i < world.runs; i++) {
    const order = i % 2 === 0 ? [0, world.delayMs] : [world.delayMs, 0];
    for (const delay of order) {
      const state = (await scenario.setup?.()) as T;
      await recorder.quiet();
      const mark = recorder.mark();
      recorder.delayMs = delay;
      const start = performance.now();
      let end: number;
      try {
        await scenario.run(state);
        end = performance.now();
        if (scenario.settle) {
          await recorder.quiet(mark, 1);
          end = Math.max(...recorder.since(mark).map((c) => c.end));
        }
      } finally {
        recorder.delayMs = 0;
      }
      (delay === 0 ? plain : delayed).push(end - start);
      if (delay === 0) counted.push(countCalls(recorder.since(mark)));
      else chains.push(chainDepth(recorder.since(mark)));
      await scenario.cleanup?.(state);
      await recorder.quiet();
    }
  }
  const counts = counted[0] as Counts;
  const latencyMs = median(plain);
  const delayedMs = median(delayed);
  return {
    name: scenario.name,
    section: scenario.section,
    counts,
    countsVary: counted.some((c) => c.ops !== counts.ops),
    latencyMs,
    delayedMs,
    rounds: (delayedMs - latencyMs) / world.delayMs,
    chain: median(chains),
    runs: world.runs,
  };
}

/** The longest chain of calls in which each starts after the one before it ended. */
export function chainDepth(calls: readonly Call[]): number {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  const depth: number[] = [];
  let longest = 0;
  sorted.forEach((call, i) => {
    let before = 0;
    for (let j = 0; j < i; j++) {
      const other = sorted[j] as Call;
      if (other.end <= call.start) before = Math.max(before, depth[j] as number);
    }
    depth[i] = before + 1;
    longest = Math.max(longest, before + 1);
  });
  return longest;
}

/** Names of the users and groups the scenarios rely on; run.ts seeds them. */
export const CAST = {
  alice: 'bs_alice',
  bob: 'bs_bob',
  offline: 'bs_off',
  authUser: 'bs_auth',
  switchUser: 'bs_switch',
  waiting10: 'bs_w10',
  waiting100: 'bs_w100',
  groupWaiter: 'bs_gw',
  logoutUser: 'bs_logout',
  disconnectUser: 'bs_disc',
  waitGroup: 'bgw',
  sideGroup: 'bgx',
} as const;

export function castGroups(): Array<[string, string[]]> {
  return [
    [CAST.waitGroup, [CAST.alice, CAST.groupWaiter]],
    [CAST.sideGroup, [CAST.alice, CAST.logoutUser, CAST.disconnectUser]],
  ];
}

export interface GroupSpec {
  name: string;
  size: number;
  online: number;
  sender: string;
}

export async function measureCommands(world: BenchWorld, groups: readonly GroupSpec[]) {
  const { runtime } = world;
  const url = runtime.url;
  const alice = world.online.get(CAST.alice) as ChatClient;
  const bob = world.online.get(CAST.bob) as ChatClient;
  const groupSender = world.online.get(groups[0]?.sender as string) as ChatClient;
  const anon = await Client.connect(url);
  const results: CommandResult[] = [];
  const add = async <T>(scenario: Scenario<T>) => {
    results.push(await measure(world, scenario));
  };
  const request = async (client: ChatClient, text: string, what = text.split(' ')[0] as string) => {
    const frame = await client.request(text);
    expectOk(frame, what);
    return frame;
  };
  const newConnection = () => Client.connect(url);
  const close = (client: ChatClient) => client.close();

  // Accounts and connections
  await add<{ client?: ChatClient }>({
    name: '$connect',
    section: 'accounts',
    setup: async () => ({}),
    run: async (s) => {
      s.client = await newConnection();
    },
    cleanup: async (s) => s.client?.close(),
  });
  await add<ChatClient>({
    name: '$disconnect (logged in, G=1)',
    section: 'accounts',
    setup: () => login(url, CAST.disconnectUser),
    run: close,
    settle: true,
  });
  await add({
    name: 'REGISTER',
    section: 'accounts',
    run: async () => void (await request(anon, `REGISTER ${fresh('br')} ${PASSWORD} ID Bench User`)),
  });
  await add({
    name: 'REGISTER, name taken',
    section: 'accounts',
    run: async () =>
      expectStatus(
        await anon.request(`REGISTER ${CAST.alice} ${PASSWORD} ID Bench User`),
        'ERROR',
        'REGISTER',
        'username_taken',
      ),
  });
  const authScenario = (
    name: string,
    user: string,
    prepare: () => Promise<void> = async () => undefined,
    expectPushes = 0,
  ): Scenario<ChatClient> => ({
    name,
    section: 'accounts',
    setup: async () => {
      await prepare();
      return newConnection();
    },
    run: async (client) => {
      await request(client, `AUTH ${user} ${PASSWORD}`);
      // What waited arrives after the answer, from the worker's catch-up, which ends with CAUGHT_UP: the run (and
      // its requests) lasts until then.
      await client.caughtUp();
      if (client.pushes.length !== expectPushes)
        throw new Error(`${name}: ${client.pushes.length} waiting pushes, expected ${expectPushes}`);
    },
    cleanup: close,
  });
  const sendMany = async (client: ChatClient, text: (i: number) => string, n: number) => {
    for (let i = 0; i < n; i++) await request(client, text(i));
  };
  await add(authScenario('AUTH (G=0, nothing waiting)', CAST.authUser));
  await add(
    authScenario(
      'AUTH (G=0, 10 waiting)',
      CAST.waiting10,
      () => sendMany(alice, (i) => `SEND ${CAST.waiting10} waiting ${i}`, 10),
      10,
    ),
  );
  await add(
    authScenario(
      'AUTH (G=0, 100 waiting)',
      CAST.waiting100,
      () => sendMany(alice, (i) => `SEND ${CAST.waiting100} waiting ${i}`, 100),
      100,
    ),
  );
  await add(authScenario('AUTH (G=1, nothing waiting)', CAST.groupWaiter));
  await add(
    authScenario(
      'AUTH (G=1, 10 waiting group messages)',
      CAST.groupWaiter,
      () => sendMany(alice, (i) => `SEND_GROUP ${CAST.waitGroup} waiting ${i}`, 10),
      10,
    ),
  );
  await add({
    name: 'AUTH, wrong password',
    section: 'accounts',
    run: async () =>
      expectStatus(
        await anon.request(`AUTH ${CAST.authUser} wrong-password`),
        'ERROR',
        'AUTH',
        'invalid_credentials',
      ),
  });
  await add({
    name: 'AUTH, unknown user',
    section: 'accounts',
    run: async () =>
      expectStatus(
        await anon.request(`AUTH ${fresh('nobody')} ${PASSWORD}`),
        'ERROR',
        'AUTH',
        'invalid_credentials',
      ),
  });
  await add<ChatClient>({
    name: 'AUTH switching user (G=0 → G=0)',
    section: 'accounts',
    setup: () => login(url, CAST.authUser),
    run: async (client) => void (await request(client, `AUTH ${CAST.switchUser} ${PASSWORD}`)),
    cleanup: close,
  });
  await add<ChatClient>({
    name: 'LOGOUT (G=1)',
    section: 'accounts',
    setup: () => login(url, CAST.logoutUser),
    run: async (client) => void (await request(client, 'LOGOUT')),
    cleanup: close,
  });
  await add({
    name: 'LOGOUT, not logged in',
    section: 'accounts',
    run: async () => expectStatus(await anon.request('LOGOUT'), 'ERROR', 'LOGOUT', 'not_authenticated'),
  });

  // Messages
  await add({
    name: 'SEND, recipient online (1 device)',
    section: 'messages',
    run: async () => void (await request(alice, `SEND ${CAST.bob} halo bob, apa kabar?`)),
  });
  await add({
    name: 'SEND, recipient offline',
    section: 'messages',
    run: async () => void (await request(alice, `SEND ${CAST.offline} halo, kamu di mana?`)),
  });
  await add({
    name: 'SEND, unknown recipient',
    section: 'messages',
    run: async () =>
      expectStatus(await alice.request(`SEND ${fresh('nobody')} halo`), 'ERROR', 'SEND', 'unknown_recipient'),
  });
  await add({
    name: 'SEND, not logged in',
    section: 'messages',
    run: async () =>
      expectStatus(await anon.request(`SEND ${CAST.bob} halo`), 'ERROR', 'SEND', 'not_authenticated'),
  });
  for (const group of groups) {
    const sender = world.online.get(group.sender) as ChatClient;
    await add({
      name: `SEND_GROUP, ${group.size} members (${group.online} online)`,
      section: 'messages',
      run: async () => void (await request(sender, `SEND_GROUP ${group.name} rapat jam 3 ya`)),
    });
  }
  const smallGroup = groups[0] as GroupSpec;
  await add({
    name: 'SEND_GROUP, not a member',
    section: 'messages',
    run: async () =>
      expectStatus(
        await alice.request(`SEND_GROUP ${smallGroup.name} halo`),
        'ERROR',
        'SEND_GROUP',
        'not_a_member',
      ),
  });
  await add({
    name: 'SEND_GROUP, unknown group',
    section: 'messages',
    run: async () =>
      expectStatus(
        await alice.request(`SEND_GROUP ${fresh('nogroup')} halo`),
        'ERROR',
        'SEND_GROUP',
        'unknown_group',
      ),
  });

  // Files
  const kilobyte = Buffer.alloc(1024, 7).toString('base64');
  await add({
    name: 'SEND_FILE inline 1 KB, recipient online',
    section: 'files',
    run: async () => void (await request(alice, `SEND_FILE ${CAST.bob} notes.txt ${kilobyte}`)),
  });
  await add({
    name: 'SEND_FILE, upload form',
    section: 'files',
    run: async () => void (await request(alice, `SEND_FILE ${CAST.bob} big.bin`)),
  });
  await add<Parameters<typeof upload>[0]>({
    name: 'upload arrives (file-uploaded handler)',
    section: 'files',
    setup: async () => {
      const frame = await request(alice, `SEND_FILE ${CAST.bob} big.bin`);
      return frame.upload as Parameters<typeof upload>[0];
    },
    run: async (form) => {
      const status = await upload(form, Buffer.alloc(64 * 1024, 1), 'big.bin');
      if (status >= 300) throw new Error(`upload answered ${status}`);
      await runtime.uploadsSettled();
    },
    settle: true,
  });
  await add({
    name: `SEND_GROUP_FILE inline 1 KB, ${smallGroup.size} members (${smallGroup.online} online)`,
    section: 'files',
    run: async () =>
      void (await request(groupSender, `SEND_GROUP_FILE ${smallGroup.name} notes.txt ${kilobyte}`)),
  });
  bob.pushes.length = 0;
  await request(alice, `SEND_FILE ${CAST.bob} report.txt ${kilobyte}`);
  const fileId = String((await bob.nextPush((p) => p.event === 'FILE')).id);
  await add({
    name: 'FILE_URL (own file)',
    section: 'files',
    run: async () => void (await request(alice, `FILE_URL ${fileId}`)),
  });

  // Groups and the rest
  await add({
    name: 'GROUP_CREATE',
    section: 'groups',
    run: async () => void (await request(alice, `GROUP_CREATE ${fresh('bgc')}`)),
  });
  await add({
    name: 'GROUP_CREATE, name taken',
    section: 'groups',
    run: async () =>
      expectStatus(
        await alice.request(`GROUP_CREATE ${smallGroup.name}`),
        'ERROR',
        'GROUP_CREATE',
        'group_exists',
      ),
  });
  const bobsGroup = async () => {
    const name = fresh('bgj');
    await request(bob, `GROUP_CREATE ${name}`);
    return name;
  };
  await add<string>({
    name: 'GROUP_JOIN',
    section: 'groups',
    setup: bobsGroup,
    run: async (name) => void (await request(alice, `GROUP_JOIN ${name}`)),
    cleanup: async (name) => void (await request(alice, `GROUP_LEAVE ${name}`)),
  });
  await add<string>({
    name: 'GROUP_LEAVE',
    section: 'groups',
    setup: async () => {
      const name = await bobsGroup();
      await request(alice, `GROUP_JOIN ${name}`);
      return name;
    },
    run: async (name) => void (await request(alice, `GROUP_LEAVE ${name}`)),
  });
  await add({
    name: `GROUP_MEMBERS (${smallGroup.size} members)`,
    section: 'groups',
    run: async () => void (await request(groupSender, `GROUP_MEMBERS ${smallGroup.name}`)),
  });
  await add({
    name: `GROUPS (G=${groups.length})`,
    section: 'groups',
    run: async () => void (await request(groupSender, 'GROUPS')),
  });
  await add({
    name: `INBOX (G=${groups.length})`,
    section: 'other',
    run: async () => void (await request(groupSender, 'INBOX')),
  });
  await add({
    name: 'HISTORY (a page of the alice–bob conversation)',
    section: 'other',
    run: async () => void (await request(alice, `HISTORY ${CAST.bob}`)),
  });
  await add({
    name: `GROUP_HISTORY (${smallGroup.size} members)`,
    section: 'other',
    run: async () => void (await request(groupSender, `GROUP_HISTORY ${smallGroup.name}`)),
  });
  await add({ name: 'PING', section: 'other', run: async () => void (await request(anon, 'PING')) });
  await add({
    name: 'unknown request',
    section: 'other',
    run: async () => expectStatus(await anon.request('HELLO'), 'ERROR', 'HELLO', 'unknown_request'),
  });

  // Presence, typing and HELP (issue 12). TYPING is dropped for 3 s per connection and conversation, so each
  // measured TYPING runs on a fresh login of its own.
  await add({
    name: `WHO (${smallGroup.size} members)`,
    section: 'presence',
    run: async () => void (await request(groupSender, `WHO ${smallGroup.name}`)),
  });
  await add({
    name: 'STATUS (a conversation, no shared group)',
    section: 'presence',
    run: async () => void (await request(alice, `STATUS ${CAST.bob}`)),
  });
  await add({
    name: 'WATCH (one user)',
    section: 'presence',
    run: async () => void (await request(alice, `WATCH ${CAST.bob}`)),
    cleanup: async () => void (await request(alice, `UNWATCH ${CAST.bob}`)),
  });
  await add({
    name: 'UNWATCH (one user)',
    section: 'presence',
    setup: async () => void (await request(alice, `WATCH ${CAST.bob}`)),
    run: async () => void (await request(alice, `UNWATCH ${CAST.bob}`)),
  });
  await add<ChatClient>({
    name: 'TYPING (recipient online)',
    section: 'presence',
    setup: () => login(url, CAST.alice),
    run: async (client) => void (await request(client, `TYPING ${CAST.bob}`)),
    cleanup: close,
  });
  await add<ChatClient>({
    name: 'TYPING within 3 s (dropped)',
    section: 'presence',
    setup: async () => {
      const client = await login(url, CAST.alice);
      await request(client, `TYPING ${CAST.bob}`);
      return client;
    },
    run: async (client) => void (await request(client, `TYPING ${CAST.bob}`)),
    cleanup: close,
  });
  await add<ChatClient>({
    name: `TYPING_GROUP (${smallGroup.size} members, ${smallGroup.online} online)`,
    section: 'presence',
    setup: () => login(url, smallGroup.sender),
    run: async (client) => void (await request(client, `TYPING_GROUP ${smallGroup.name}`)),
    cleanup: close,
  });
  await add({ name: 'HELP', section: 'presence', run: async () => void (await request(anon, 'HELP')) });
  // Private groups and owners (issue 12): bob owns a fresh group per run, alice is the other member.
  const bobAndAlice = async () => {
    const name = await bobsGroup();
    await request(alice, `GROUP_JOIN ${name}`);
    return name;
  };
  const dropGroup = async (name: string) => void (await bob.request(`GROUP_DELETE ${name}`));
  await add<string>({
    name: 'GROUP_INVITE (invitee online)',
    section: 'groups',
    setup: async () => {
      const name = fresh('bgi');
      await request(bob, `GROUP_CREATE ${name} private`);
      return name;
    },
    run: async (name) => void (await request(bob, `GROUP_INVITE ${name} ${CAST.alice}`)),
    cleanup: dropGroup,
  });
  await add<string>({
    name: 'GROUP_KICK (member online)',
    section: 'groups',
    setup: bobAndAlice,
    run: async (name) => void (await request(bob, `GROUP_KICK ${name} ${CAST.alice}`)),
    cleanup: dropGroup,
  });
  await add<string>({
    name: 'GROUP_OWNER',
    section: 'groups',
    setup: bobAndAlice,
    run: async (name) => void (await request(bob, `GROUP_OWNER ${name} ${CAST.alice}`)),
    cleanup: async (name) => void (await alice.request(`GROUP_DELETE ${name}`)),
  });
  await add<string>({
    name: 'GROUP_LEAVE by the owner (ownership passes)',
    section: 'groups',
    setup: bobAndAlice,
    run: async (name) => void (await request(bob, `GROUP_LEAVE ${name}`)),
    cleanup: async (name) => void (await alice.request(`GROUP_DELETE ${name}`)),
  });
  await add<string>({
    name: 'GROUP_DELETE (answer; the clean-up runs on the worker)',
    section: 'groups',
    setup: bobAndAlice,
    run: async (name) => void (await request(bob, `GROUP_DELETE ${name}`)),
    settle: true,
  });

  // Read receipts, edit and delete (issue 12): each run acts on a fresh message, so every READ moves the cursor.
  const receiptGroup = fresh('brg');
  await request(alice, `GROUP_CREATE ${receiptGroup}`);
  await request(bob, `GROUP_JOIN ${receiptGroup}`);
  /** `from` sends `command`; `to` receives it: its id. */
  const sent = async (from: ChatClient, to: ChatClient, command: string, event: string) => {
    await request(from, command);
    return String((await to.nextPush((p) => p.event === event)).id);
  };
  const pushesDone = async () => {
    alice.pushes.length = 0;
    bob.pushes.length = 0;
  };
  await add<string>({
    name: 'READ (the other side online, 1 device)',
    section: 'receipts',
    setup: () => sent(bob, alice, `SEND ${CAST.alice} baca ini`, 'MESSAGE'),
    run: async (id) => void (await request(alice, `READ ${CAST.bob} ${id}`)),
    cleanup: pushesDone,
  });
  await add<string>({
    name: "READ_GROUP (the message's sender online)",
    section: 'receipts',
    setup: () => sent(bob, alice, `SEND_GROUP ${receiptGroup} baca ini`, 'GROUP_MESSAGE'),
    run: async (id) => void (await request(alice, `READ_GROUP ${receiptGroup} ${id}`)),
    cleanup: pushesDone,
  });
  await add<string>({
    name: 'EDIT, private (both sides online)',
    section: 'receipts',
    setup: () => sent(alice, bob, `SEND ${CAST.bob} sebelum`, 'MESSAGE'),
    run: async (id) => void (await request(alice, `EDIT ${id} sesudah`)),
    cleanup: pushesDone,
  });
  await add<string>({
    name: 'EDIT, group (2 members online)',
    section: 'receipts',
    setup: () => sent(alice, bob, `SEND_GROUP ${receiptGroup} sebelum`, 'GROUP_MESSAGE'),
    run: async (id) => void (await request(alice, `EDIT ${id} sesudah`)),
    cleanup: pushesDone,
  });
  await add<string>({
    name: 'DELETE, private (both sides online)',
    section: 'receipts',
    setup: () => sent(alice, bob, `SEND ${CAST.bob} hapus aku`, 'MESSAGE'),
    run: async (id) => void (await request(alice, `DELETE ${id}`)),
    cleanup: pushesDone,
  });
  await add<string>({
    name: 'DELETE, a 1 KB file (both sides online)',
    section: 'receipts',
    setup: () => sent(alice, bob, `SEND_FILE ${CAST.bob} hapus.txt ${kilobyte}`, 'FILE'),
    run: async (id) => void (await request(alice, `DELETE ${id}`)),
    cleanup: pushesDone,
  });
  await add<string>({
    name: 'EDIT, not yours',
    section: 'receipts',
    setup: () => sent(alice, bob, `SEND ${CAST.bob} punyaku`, 'MESSAGE'),
    run: async (id) =>
      expectStatus(await bob.request(`EDIT ${id} bukan`), 'ERROR', 'EDIT', 'unknown_message'),
    cleanup: pushesDone,
  });

  // Issue 12: idempotent sends (SEND_ID's extra cost over SEND above) and account control
  const clientId = () => fresh('cid');
  await add({
    name: 'SEND_ID, recipient online (first attempt)',
    section: 'sends and accounts',
    run: async () => void (await request(alice, `SEND_ID ${clientId()} ${CAST.bob} halo bob, apa kabar?`)),
  });
  await add<string>({
    name: 'SEND_ID, retry of a finished send',
    section: 'sends and accounts',
    setup: async () => {
      const cid = clientId();
      await request(alice, `SEND_ID ${cid} ${CAST.bob} sekali saja`);
      return cid;
    },
    run: async (cid) => void (await request(alice, `SEND_ID ${cid} ${CAST.bob} sekali saja`)),
  });
  await add({
    name: `SEND_GROUP_ID, ${smallGroup.size} members (${smallGroup.online} online), first attempt`,
    section: 'sends and accounts',
    run: async () =>
      void (await request(groupSender, `SEND_GROUP_ID ${clientId()} ${smallGroup.name} rapat jam 3 ya`)),
  });
  /** A fresh account logged in on two devices. */
  const twoDevices = async () => {
    const name = fresh('bpw');
    // A connection of its own: REGISTER's per-connection budget is anon's to spend on the REGISTER scenario.
    const registrar = await newConnection();
    await request(registrar, `REGISTER ${name} ${PASSWORD} ID Bench User`);
    await registrar.close();
    return [await login(url, name), await login(url, name)] as const;
  };
  await add<readonly [ChatClient, ChatClient]>({
    name: 'PASSWORD (1 other device, G=0)',
    section: 'sends and accounts',
    setup: twoDevices,
    run: async ([device]) => void (await request(device, `PASSWORD ${PASSWORD} ${PASSWORD}-new`)),
    cleanup: async (devices) => void (await Promise.all(devices.map(close))),
  });
  await add<readonly [ChatClient, ChatClient]>({
    name: 'DELETE_ACCOUNT (1 other device, G=1, nothing waiting)',
    section: 'sends and accounts',
    setup: async () => {
      const devices = await twoDevices();
      // A group of bob's, so the leaving neither empties nor deletes a group other scenarios use.
      await request(devices[0], `GROUP_JOIN ${await bobsGroup()}`);
      return devices;
    },
    run: async ([device]) => void (await request(device, `DELETE_ACCOUNT ${PASSWORD}`)),
    cleanup: async (devices) => void (await Promise.all(devices.map(close))),
  });

  // Blocks and taking an invitation back (issue 22). alice blocks bs_off, whom no other scenario needs online.
  await add({
    name: 'BLOCK (a user not yet blocked)',
    section: 'blocks',
    run: async () => void (await request(alice, `BLOCK ${CAST.offline}`)),
    cleanup: async () => void (await request(alice, `UNBLOCK ${CAST.offline}`)),
  });
  await add({
    name: 'UNBLOCK (a blocked user)',
    section: 'blocks',
    setup: async () => void (await request(alice, `BLOCK ${CAST.offline}`)),
    run: async () => void (await request(alice, `UNBLOCK ${CAST.offline}`)),
  });
  await add({
    name: 'BLOCKED (1 user blocked)',
    section: 'blocks',
    setup: async () => void (await request(alice, `BLOCK ${CAST.offline}`)),
    run: async () => void (await request(alice, 'BLOCKED')),
    cleanup: async () => void (await request(alice, `UNBLOCK ${CAST.offline}`)),
  });
  await add({
    name: 'SEND, the recipient blocked the sender',
    section: 'blocks',
    setup: async () => void (await request(bob, `BLOCK ${CAST.alice}`)),
    run: async () =>
      expectStatus(await alice.request(`SEND ${CAST.bob} halo`), 'ERROR', 'SEND', 'unknown_recipient'),
    cleanup: async () => void (await request(bob, `UNBLOCK ${CAST.alice}`)),
  });
  await add<string>({
    name: 'GROUP_UNINVITE (a pending invitation)',
    section: 'groups',
    setup: async () => {
      const name = fresh('bgu');
      await request(bob, `GROUP_CREATE ${name} private`);
      await request(bob, `GROUP_INVITE ${name} ${CAST.alice}`);
      alice.pushes.length = 0;
      return name;
    },
    run: async (name) => void (await request(bob, `GROUP_UNINVITE ${name} ${CAST.alice}`)),
    cleanup: dropGroup,
  });

  await anon.close();
  await world.recorder.quiet();
  return results;
}
