/**
 * Seeding at scale, straight into the local table with the seeder's own client (never counted), in the item shapes
 * the commands write: groups (GROUP_CREATE), members on both sides (GROUP_JOIN), accounts (REGISTER), stored group
 * messages (SEND_GROUP), and online devices as AUTH's bindConnection leaves them: the connection item, its copy
 * under the user and its group connection in each group, all with an `expiresAt` two hours ahead.
 */
import { keys } from '../../shared/data/keys.js';
import { newId } from '../../shared/ids.js';
import { SIMULATED } from './sinks.js';
import type { World } from './world.js';

const TWO_HOURS_S = 2 * 3600;

export async function seedGroup(
  world: World,
  group: string,
  members: readonly string[],
  from = '',
): Promise<void> {
  await world.seed.put([
    {
      ...keys.group(group),
      name: group,
      owner: (members[0] ?? 'nobody').toLowerCase(),
      members: 0,
      createdAt: new Date().toISOString(),
    },
  ]);
  await addMembers(world, group, members, from);
}

export async function addMembers(
  world: World,
  group: string,
  members: readonly string[],
  from = '',
): Promise<void> {
  if (members.length > 0) await world.seed.members(group, group, members, from);
}

export async function seedAccounts(world: World, names: readonly string[]): Promise<void> {
  await world.seed.users(names, world.passwordHash);
}

/** Online devices for `users` (one each) in `group`, as AUTH writes them; their pushes are simulated. */
export async function seedDevices(world: World, group: string, users: readonly string[]): Promise<void> {
  const expiresAt = Math.floor(Date.now() / 1000) + TWO_HOURS_S;
  const boundary = newId();
  await world.seed.put(
    users.flatMap((username) => {
      const user = username.toLowerCase();
      const connectionId = `${SIMULATED}${group}-${user}`;
      return [
        {
          ...keys.connection(connectionId),
          connectedAt: new Date().toISOString(),
          expiresAt,
          user,
          username,
          boundary,
          caughtUp: true,
        },
        { ...keys.userConnection(user, connectionId), expiresAt },
        { ...keys.groupConnection(group, user, connectionId), user, connectionId, expiresAt },
      ];
    }),
  );
}

/** `count` ids of messages made at random moments of the past hour, oldest first. */
export function pastIds(count: number): string[] {
  const base = Date.now() - 3_600_000;
  return Array.from({ length: count }, () => newId(base + Math.floor(Math.random() * 3_000_000))).sort();
}

/** Names `prefix000001`…, zero-padded so key order is number order. */
export function names(prefix: string, count: number, start = 0): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(start + i).padStart(6, '0')}`);
}
