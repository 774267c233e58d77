/**
 * A deleted account's clean-up (shared/account/cleanup.ts), step by step: which stage runs, where a budget of steps,
 * a deadline or a stop stage hands the rest back as a job, and what each stage removes (memberships, inbox pointers,
 * sent files with their objects), page by page.
 */
import { describe, expect, it, vi } from 'vitest';
import { type GroupKey, groupKeyOf, userKeyOf } from '../../shared/protocol/names.js';
import { useDispatcher } from '../support/dispatcher.js';
import { answered, intercept } from '../support/fakes.js';
import { attachFaults } from '../support/faults.js';
import { captureLogs } from '../support/logs.js';

const t = await useDispatcher();
const { cleanUpAccount, leaveAllGroups, PAGE } = await import('../../shared/account/cleanup.js');
const { keys } = await import('../../shared/data/keys.js');
const { batchWrite, queryAll } = await import('../../shared/data/table.js');
const { advanceProgress, readAccount } = await import('../../shared/data/users.js');
const { createGroup, readGroupMeta } = await import('../../shared/data/groups.js');
const { addMember } = await import('../../shared/groups/join.js');
const { s3 } = await import('../../shared/bucket/s3.js');
const { addBlock } = await import('../../shared/data/blocks.js');
const faults = await attachFaults();

/** Object keys S3 was asked to delete. */
const deleted: string[] = [];
intercept(s3, 'recording-bucket', (_next, context) => async (args) => {
  if (context.commandName === 'DeleteObjectCommand') deleted.push(String(args.input.Key));
  return answered();
});

const FAR = Number.MAX_SAFE_INTEGER;
/** What `left()` counts once the groups, the inbox and the files are gone. */
const emptied = { groups: 0, inbox: 0, files: 0 };

/** A user with `groups` groups of their own (each also has a member `other`), inbox pointers and sent files. */
async function account(options: {
  groups: number;
  inbox: number;
  files: number;
  blocks?: number;
  conversations?: number;
}) {
  const user = userKeyOf(t.fresh('gone'));
  const other = userKeyOf(t.fresh('stays'));
  const groupKeys: GroupKey[] = [];
  for (let i = 0; i < options.groups; i++) {
    const group = groupKeyOf(t.fresh(`${user}g`));
    await createGroup(group, group, user, Date.now());
    await addMember(group, group, user, user, [], Date.now());
    await addMember(group, group, other, other, [], Date.now());
    groupKeys.push(group);
  }
  const ids = Array.from({ length: options.inbox }, (_, i) => `01KB${String(i).padStart(22, '0')}`);
  const files = Array.from({ length: options.files }, (_, i) => `F${String(i).padStart(5, '0')}`);
  await batchWrite([
    ...ids.map((id) => ({ ...keys.inbox(user, id), ref: { pk: 'DM#x#y', sk: `MSG#${id}` } })),
    ...files.flatMap((id) => [
      { ...keys.file(id), from: user, objectKey: `files/${id}/a.txt` },
      { ...keys.userFile(user, id), objectKey: `files/${id}/a.txt` },
    ]),
  ]);
  await advanceProgress(user, new Map([[groupKeyOf('g'), 'id']]));
  for (let i = 0; i < (options.blocks ?? 0); i++)
    await addBlock(user, userKeyOf(`blocked${i}`), `Blocked${i}`, Date.now());
  // The user's list of conversations: a head and a listing entry per conversation (shared/data/conversations.ts).
  await batchWrite(
    Array.from({ length: options.conversations ?? 0 }, (_, i) => [
      { ...keys.conversation(user, `peer${i}`), bucket: '0001' },
      { ...keys.conversationEntry(user, '0001', `peer${i}`), username: `peer${i}` },
    ]).flat(),
  );
  const left = async () => ({
    groups: (await readAccount(user, Date.now(), true)).groups.length,
    inbox: (await queryAll(keys.inbox(user, '').pk)).length,
    files: (await queryAll(keys.userFile(user, '').pk)).length,
    progress: (await readAccount(user, Date.now(), true)).progress.size,
    /** The pairs and their counter. */
    blocks: (await queryAll(keys.blockCount(user).pk)).length,
    /** Heads and listing entries. */
    conversations: (await queryAll(keys.conversation(user, '').pk)).length,
  });
  return { user, other, groupKeys, files, left };
}

describe('account clean-up', () => {
  it('does nothing with no steps, a passed deadline or at the stop stage, and says where to go on', async () => {
    const a = await account({ groups: 1, inbox: 1, files: 1 });
    const job = { kind: 'account-cleanup' as const, user: a.user, stage: 'groups' as const };
    expect(await cleanUpAccount(job, { steps: 0, deadline: FAR })).toEqual(job);
    expect(await cleanUpAccount(job, { steps: 5, deadline: Date.now() - 1 })).toEqual(job);
    expect(await cleanUpAccount(job, { steps: 5, deadline: FAR, stopAt: 'groups' })).toEqual(job);
    expect(await a.left()).toEqual({
      groups: 1,
      inbox: 1,
      files: 1,
      progress: 1,
      blocks: 0,
      conversations: 0,
    });
  });

  it('runs one stage per step while each has one page, in order: groups, inbox, files, blocks, conversations', async () => {
    const a = await account({ groups: 2, inbox: 2, files: 2, blocks: 2, conversations: 2 });
    const job = { kind: 'account-cleanup' as const, user: a.user, stage: 'groups' as const };
    expect(await cleanUpAccount(job, { steps: 1, deadline: FAR })).toEqual({ ...job, stage: 'inbox' });
    expect(await a.left()).toEqual({
      groups: 0,
      inbox: 2,
      files: 2,
      progress: 1,
      blocks: 3,
      conversations: 4,
    });
    // The groups stay with their other member, who owns them now.
    for (const group of a.groupKeys) expect((await readGroupMeta(group, true))?.ownerName).toBe(a.other);
    expect(
      await cleanUpAccount({ ...job, stage: 'inbox' }, { steps: 5, deadline: FAR, stopAt: 'files' }),
    ).toEqual({
      ...job,
      stage: 'files',
    });
    expect(await a.left()).toEqual({
      groups: 0,
      inbox: 0,
      files: 2,
      progress: 1,
      blocks: 3,
      conversations: 4,
    });
    deleted.length = 0;
    expect(await cleanUpAccount({ ...job, stage: 'files' }, { steps: 1, deadline: FAR })).toEqual({
      ...job,
      stage: 'blocks',
    });
    expect(await a.left()).toEqual({ ...emptied, progress: 1, blocks: 3, conversations: 4 });
    expect(deleted.sort()).toEqual(a.files.map((id) => `files/${id}/a.txt`));
    expect(await queryAll(keys.file(a.files[0] as string).pk)).toEqual([]);
    // The name's next owner blocks nobody: the pairs go first, then (a step later) the counter.
    expect(await cleanUpAccount({ ...job, stage: 'blocks' }, { steps: 1, deadline: FAR })).toEqual({
      ...job,
      stage: 'blocks',
    });
    expect(await a.left()).toEqual({ ...emptied, progress: 1, blocks: 1, conversations: 4 });
    expect(await cleanUpAccount({ ...job, stage: 'blocks' }, { steps: 1, deadline: FAR })).toEqual({
      ...job,
      stage: 'conversations',
    });
    expect(await a.left()).toEqual({ ...emptied, progress: 1, blocks: 0, conversations: 4 });
    // Nor does it inherit a list of conversations: heads and entries go, then the clean-up is done.
    expect(
      await cleanUpAccount({ ...job, stage: 'conversations' }, { steps: 1, deadline: FAR }),
    ).toBeUndefined();
    expect(await a.left()).toEqual({ ...emptied, progress: 0, blocks: 0, conversations: 0 });
  });

  it('goes page by page: a stage with more than a page stays the stage', async () => {
    const a = await account({ groups: 2, inbox: PAGE.inbox + 1, files: PAGE.files + 1 });
    // A full page may be the last: DynamoDB says "more" whenever the limit was reached; the next page is empty.
    expect(await leaveAllGroups(a.user, 1)).toBe(true);
    expect((await a.left()).groups).toBe(1);
    expect(await leaveAllGroups(a.user, 1)).toBe(true);
    expect((await a.left()).groups).toBe(0);
    expect(await leaveAllGroups(a.user, 1)).toBe(false);
    const job = { kind: 'account-cleanup' as const, user: a.user, stage: 'inbox' as const };
    expect(await cleanUpAccount(job, { steps: 1, deadline: FAR })).toEqual(job);
    expect((await a.left()).inbox).toBe(1);
    expect(await cleanUpAccount(job, { steps: 1, deadline: FAR })).toEqual({ ...job, stage: 'files' });
    expect(await a.left()).toEqual({
      groups: 0,
      inbox: 0,
      files: PAGE.files + 1,
      progress: 1,
      blocks: 0,
      conversations: 0,
    });
    expect(await cleanUpAccount({ ...job, stage: 'files' }, { steps: 1, deadline: FAR })).toEqual({
      ...job,
      stage: 'files',
    });
    expect((await a.left()).files).toBe(1);
    expect(await cleanUpAccount({ ...job, stage: 'files' }, { steps: FAR, deadline: FAR })).toBeUndefined();
    expect(await a.left()).toEqual({ ...emptied, progress: 0, blocks: 0, conversations: 0 });
  });

  it('stops at the deadline itself, not only after it', async () => {
    const a = await account({ groups: 1, inbox: 0, files: 0 });
    const job = { kind: 'account-cleanup' as const, user: a.user, stage: 'groups' as const };
    const at = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(at);
    try {
      expect(await cleanUpAccount(job, { steps: 5, deadline: at })).toEqual(job);
    } finally {
      vi.restoreAllMocks();
    }
    expect((await a.left()).groups).toBe(1);
  });

  it('reads every page strongly (what it just removed must not come back) and logs the end', async () => {
    const a = await account({ groups: 1, inbox: 1, files: 0 });
    const lines: unknown[] = captureLogs('info', ['log']);
    faults.reset();
    try {
      const job = { kind: 'account-cleanup' as const, user: a.user, stage: 'groups' as const };
      expect(await cleanUpAccount(job, { steps: FAR, deadline: FAR })).toBeUndefined();
    } finally {
      vi.restoreAllMocks();
      vi.unstubAllEnvs();
    }
    const pages = faults
      .callsOf('dynamodb', 'Query')
      .filter((input) =>
        [`USER#${a.user}`, `INBOX#${a.user}`].includes(input.ExpressionAttributeValues[':pk']),
      );
    expect(pages.map((input) => input.ExpressionAttributeValues[':after'])).toEqual(
      expect.arrayContaining(['GROUP#', 'MSG#']),
    );
    expect(pages.every((input) => input.ConsistentRead === true)).toBe(true);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', message: 'account cleaned up', user: a.user }),
    ]);
  });
});
