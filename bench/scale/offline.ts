/**
 * The whole cost of delivering one group message to every offline member: SEND_GROUP while they are all offline,
 * then a sample of them log in (real WebSockets, a few at a time) and get it from the catch-up. A few more members
 * who joined after the message log in the same way with nothing waiting: the difference is what the message itself
 * costs per member; the rest is what any login costs. Logging in every member would run scrypt 10,000 times, so the
 * total is extrapolated from the sample, and said so.
 */
import { mapLimit } from '../../shared/concurrency.js';
import { idCeil } from '../../shared/ids.js';
import { type Counts, countCalls } from '../instrument.js';
import { addMembers, names, seedAccounts, seedGroup } from './seeding.js';
import { expectOk, login, type Watched, type World } from './world.js';

export interface OfflineResult {
  members: number;
  send: Counts;
  sample: number;
  /** All requests of the sample's logins (AUTH + catch-up), per member. */
  perMember: Counts;
  baselineSample: number;
  /** The same for members with nothing waiting, per member. */
  perBaseline: Counts;
  failures: string[];
}

function scaled(counts: Counts, by: number): Counts {
  const out = { ...counts };
  for (const key of Object.keys(out) as (keyof Counts)[])
    if (typeof out[key] === 'number') (out as Record<string, unknown>)[key] = (out[key] as number) / by;
  return out;
}

async function loginMany(world: World, users: readonly string[], expectMessage: string | undefined) {
  const failures: string[] = [];
  const clients: Watched[] = [];
  await world.settle();
  const mark = world.recorder.mark();
  await mapLimit(users, 4, async (name) => {
    const client = await login(world, name);
    clients.push(client);
    await client.arrival((f) => f.event === 'CAUGHT_UP', 300_000);
    const got = client.arrivals.filter((a) => a.frame.event === 'GROUP_MESSAGE').map((a) => a.frame.message);
    const want = expectMessage === undefined ? [] : [expectMessage];
    if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${name} got ${JSON.stringify(got)}`);
  });
  await world.settle();
  const counts = countCalls(world.recorder.since(mark));
  // Closing ($disconnect) is not part of the delivery: measured before, and done after.
  await Promise.all(clients.map((c) => c.close()));
  await world.settle();
  return { counts, failures };
}

export async function offlineDelivery(
  world: World,
  members: number,
  sample: number,
  baselineSample: number,
  progress: (what: string) => void,
): Promise<OfflineResult> {
  const group = `off${members}`;
  const sender = `a${group}sender`;
  const sampled = names(`${group}s`, Math.min(sample, members - 1));
  const late = names(`${group}late`, baselineSample);
  const fillers = names(`${group}m`, members - 1 - sampled.length);
  progress(
    `offline delivery: seeding ${members} members, ${sampled.length + baselineSample + 1} with accounts`,
  );
  await seedAccounts(world, [sender, ...sampled, ...late]);
  await seedGroup(world, group, [sender]);
  await addMembers(world, group, [...sampled, ...fillers]);

  const failures: string[] = [];
  const senderClient = await login(world, sender);
  await world.settle();
  const mark = world.recorder.mark();
  const message = `to ${members - 1} offline members`;
  expectOk(await senderClient.request(`SEND_GROUP ${group} ${message}`), 'SEND_GROUP');
  await world.settle();
  const send = countCalls(world.recorder.since(mark));
  await senderClient.close();

  // Joined after the message: their logins find nothing waiting in the same group.
  await addMembers(world, group, late, idCeil(Date.now()));
  progress(`offline delivery: ${sampled.length} members log in and catch up`);
  const withMessage = await loginMany(world, sampled, message);
  progress(`offline delivery: ${late.length} members with nothing waiting log in`);
  const without = await loginMany(world, late, undefined);
  failures.push(...withMessage.failures, ...without.failures);
  return {
    members,
    send,
    sample: sampled.length,
    perMember: scaled(withMessage.counts, sampled.length),
    baselineSample: late.length,
    perBaseline: scaled(without.counts, late.length),
    failures,
  };
}
