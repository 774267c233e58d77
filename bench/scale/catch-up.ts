/**
 * AUTH after an absence: a user whose groups hold messages they have not seen logs in over a real WebSocket; the
 * answer comes at once and the backlog follows from the worker, ending with CAUGHT_UP. Each shape (groups × messages
 * per group) gets a fresh user; groups with the same number of messages are shared between shapes (each user's
 * membership starts before every message, so each sees the whole log). Group sizes are filled up with seeded
 * members, smallest size first; the messages stay, so the larger size reads the very same backlog.
 */
import { type Counts, countCalls } from '../instrument.js';
import { addMembers, names, pastIds, seedAccounts, seedGroup } from './seeding.js';
import { byOp } from './send-group.js';
import type { World } from './world.js';
import { expectOk, Watched } from './world.js';

export interface Shape {
  groups: number;
  messages: number;
}

export interface CatchUpResult {
  groupSize: number;
  shape: Shape;
  waiting: number;
  counts: Counts;
  byOp: Record<string, number>;
  answerMs: number;
  /** Until the last waiting message arrived. */
  lastMs: number;
  caughtUpMs: number;
  /** Push frames before CAUGHT_UP, and the largest. */
  frames: number;
  largestFrame: number;
  failures: string[];
}

interface Pool {
  messages: number;
  groups: { name: string; ids: string[]; members: number; fillers: number }[];
}

export function parseShape(text: string): Shape {
  const match = /^(\d+)x(\d+)$/.exec(text.trim());
  if (!match) throw new Error(`a catch-up shape is GROUPSxMESSAGES, got ${text}`);
  return { groups: Number(match[1]), messages: Number(match[2]) };
}

const label = (s: Shape) => `${s.groups}×${s.messages}`;

export async function catchUpRuns(
  world: World,
  groupSizes: readonly number[],
  shapes: readonly Shape[],
  progress: (what: string) => void,
): Promise<CatchUpResult[]> {
  const pools = new Map<number, Pool>();
  for (const shape of shapes) {
    const pool = pools.get(shape.messages) ?? { messages: shape.messages, groups: [] };
    pools.set(shape.messages, pool);
    while (pool.groups.length < shape.groups) {
      const name = `cg${shape.messages}_${pool.groups.length}`;
      pool.groups.push({ name, ids: pastIds(shape.messages), members: 0, fillers: 0 });
    }
  }
  const allGroups = [...pools.values()].flatMap((p) => p.groups);
  progress(
    `catch-up: seeding ${allGroups.length} groups and ${allGroups.reduce((n, g) => n + g.ids.length, 0)} messages`,
  );
  for (const group of allGroups) {
    await seedGroup(world, group.name, []);
    await world.seed.groupMessages(group.name, group.name, 'cowner', group.ids);
  }

  const results: CatchUpResult[] = [];
  for (const size of [...groupSizes].sort((a, b) => a - b)) {
    const users = shapes.map((shape) => ({ shape, name: `cu${size}_${shape.groups}x${shape.messages}` }));
    await seedAccounts(
      world,
      users.map((u) => u.name),
    );
    for (const { shape, name } of users) {
      for (const group of (pools.get(shape.messages) as Pool).groups.slice(0, shape.groups)) {
        await addMembers(world, group.name, [name]);
        group.members++;
      }
    }
    progress(`catch-up: filling ${allGroups.length} groups up to ${size} members`);
    for (const group of allGroups) {
      const extra = Math.max(0, size - group.members);
      await addMembers(world, group.name, names(`${group.name}f`, extra, group.fillers));
      group.fillers += extra;
      group.members += extra;
    }
    for (const { shape, name } of users) {
      const groups = (pools.get(shape.messages) as Pool).groups.slice(0, shape.groups);
      results.push(await catchUp(world, size, shape, name, groups, progress));
    }
  }
  return results;
}

async function catchUp(
  world: World,
  groupSize: number,
  shape: Shape,
  name: string,
  groups: Pool['groups'],
  progress: (what: string) => void,
): Promise<CatchUpResult> {
  const expected = groups.flatMap((g) => g.ids).sort();
  const client = await Watched.connect(world.runtime.url);
  await world.settle();
  const mark = world.recorder.mark();
  const failures: string[] = [];
  const t0 = performance.now();
  let answerMs = Number.NaN;
  let caughtUpMs = Number.NaN;
  try {
    expectOk(await client.request(`AUTH ${name} bench-password-1`), 'AUTH');
    answerMs = performance.now() - t0;
    caughtUpMs = (await client.arrival((f) => f.event === 'CAUGHT_UP', 900_000)).at - t0;
  } catch (error) {
    failures.push((error as Error).message);
  }
  await world.settle();
  const calls = world.recorder.since(mark);
  const messages = client.arrivals.filter((a) => a.frame.event === 'GROUP_MESSAGE');
  const got = messages.map((a) => String(a.frame.id));
  if (got.length !== expected.length || got.some((id, i) => id !== expected[i])) {
    const unique = new Set(got).size;
    failures.push(
      `${got.length} pushes (${unique} distinct) of ${expected.length} expected, in order: ${got.every((id, i) => i === 0 || id > (got[i - 1] as string))}`,
    );
  }
  const frames = client.frames.filter((f) => f.frame.event !== 'CAUGHT_UP');
  const counts = countCalls(calls);
  const result: CatchUpResult = {
    groupSize,
    shape,
    waiting: expected.length,
    counts,
    byOp: byOp(calls),
    answerMs,
    lastMs: (messages.at(-1)?.at ?? t0) - t0,
    caughtUpMs,
    frames: frames.length,
    largestFrame: frames.reduce((max, f) => Math.max(max, f.bytes), 0),
    failures,
  };
  progress(
    `AUTH ${label(shape)} in groups of ${groupSize}: answer ${answerMs.toFixed(0)} ms, CAUGHT_UP ${caughtUpMs.toFixed(0)} ms, ${counts.readUnits}/${counts.writeUnits} RRU/WRU${failures.length ? `, FAILURES: ${failures.join('; ')}` : ''}`,
  );
  await client.close();
  await world.settle();
  return result;
}
