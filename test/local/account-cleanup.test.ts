/**
 * DELETE_ACCOUNT of a user in many groups with a large inbox and sent files: the request answers after a bounded
 * part, and the worker's resumable `account-cleanup` job removes the rest — every membership (the groups' counts
 * too), every inbox pointer, every sent file's record and index entry. The memberships and the inbox are seeded
 * directly (test/support/seed.ts), in the shapes the commands write.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, expect, it } from 'vitest';
import { mapLimit } from '../../shared/concurrency.js';
import { keys } from '../../shared/data/keys.js';
import { newId } from '../../shared/ids.js';
import { PASSWORD, uniqueName } from '../support/endpoint.js';
import { useLocalRuntime } from '../support/runtime.js';
import { type Seeder, seeder } from '../support/seed.js';

const local = useLocalRuntime();
let seed: Seeder;
beforeAll(() => {
  seed = seeder();
});

const GROUPS = 350;
const WAITING = 2300;

async function count(pk: string): Promise<number> {
  const { Count } = await seed.db.send(
    new QueryCommand({
      TableName: seed.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      Select: 'COUNT',
    }),
  );
  return Count ?? 0;
}

async function eventually(check: () => Promise<boolean>, what: string) {
  for (let i = 0; i < 240; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

it('leaves 350 groups, drops 2,300 waiting pointers and the sent files, off the request path', async () => {
  const { alice, bob } = await local.pair();
  const user = alice.name.toLowerCase();
  const groups = Array.from({ length: GROUPS }, () => uniqueName('g').toLowerCase());
  await seed.put(groups.map((g) => ({ ...keys.group(g), name: g, owner: 'someone', members: 0 })));
  // Each group has one other member, who owns it: the group stays, one member fewer.
  await mapLimit(groups, 8, (g) => seed.members(g, g, [alice.name, 'someone']));
  const dm = keys.directMessage(user, bob.name.toLowerCase(), newId());
  await seed.put(
    Array.from({ length: WAITING }, () => ({ ...keys.inbox(user, newId()), ref: { pk: dm.pk, sk: dm.sk } })),
  );
  const file = await alice.client.request(
    `SEND_FILE ${bob.name} a.txt ${Buffer.from('isi').toString('base64')}`,
  );
  const fileId = String(file.id);
  expect(await seed.get(keys.file(fileId))).toBeDefined();
  expect(await count(`USER#${user}`)).toBeGreaterThan(GROUPS);

  expect(await alice.client.request(`DELETE_ACCOUNT ${PASSWORD}`)).toEqual({
    status: 'OK',
    data: 'hapus akun berhasil',
  });

  await eventually(async () => (await count(`INBOX#${user}`)) === 0, 'the inbox to empty');
  await eventually(async () => (await count(`UFILE#${user}`)) === 0, 'the file index to empty');
  // Only the tombstone is left of the user's partition; the groups count one member fewer.
  expect(await count(`USER#${user}`)).toBe(1);
  expect(await seed.get(keys.user(user))).toMatchObject({ deleted: true, username: alice.name });
  for (const g of [groups[0], groups[GROUPS - 1]] as string[]) {
    expect(await seed.get(keys.groupMember(g, user))).toBeUndefined();
    expect(await seed.get(keys.group(g))).toMatchObject({ members: 1, owner: 'someone' });
  }
  expect(await seed.get(keys.file(fileId))).toBeUndefined();
  expect(await bob.client.request(`FILE_URL ${fileId}`)).toMatchObject({ reason: 'unknown_file' });
}, 240_000);
