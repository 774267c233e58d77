/**
 * What DELETE_ACCOUNT leaves to do after the request (the profile is a tombstone and every device is logged out by
 * then): leave every group, empty the inbox (pointers only: the messages are others' history), delete the files
 * the user sent (objects, records, index), forget whom the user blocked and the user's list of conversations (the
 * name's next owner starts afresh). Each step handles one page and deletes what it read, so the next page
 * is again the first: the work resumes anywhere, twice is harmless, and nothing is read that is not deleted. The
 * request runs a few steps itself; the rest is the `account-cleanup` job on the worker (lambdas/job-worker.ts).
 */

import { deleteFile } from '../bucket/s3.js';
import { mapLimit } from '../concurrency.js';
import { forgetBlocksPage } from '../data/blocks.js';
import { forgetConversationsPage } from '../data/conversations.js';
import { forgetFiles, userFilesPage } from '../data/files.js';
import { userGroupsPage } from '../data/groups.js';
import { forgetInboxPage } from '../data/messages.js';
import { clearProgress } from '../data/users.js';
import { leaveGroup } from '../groups/leave.js';
import { log } from '../log.js';
import type { UserKey } from '../protocol/names.js';
import type { AccountCleanupJob } from '../queue/jobs.js';

export type CleanupStage = AccountCleanupJob['stage'];

/** Memberships left per step (each a few writes), inbox pointers and files deleted per step. */
export const PAGE = { groups: 100, inbox: 1000, files: 200, blocks: 1000, conversations: 1000 } as const;

/**
 * Leaves one page of the user's groups; true while more remain. The one place account deletion leaves groups, so
 * leaving (ownership passing, last member deleting the group) is whatever GROUP_LEAVE does (shared/groups/leave.ts).
 */
export async function leaveAllGroups(userKey: UserKey, limit: number = PAGE.groups): Promise<boolean> {
  const { groupKeys, more } = await userGroupsPage(userKey, limit);
  // Every device was logged out first, so no group connections are left to withdraw. Leaving as GROUP_LEAVE does:
  // an owner's group passes to its longest member, and a group the user was the last member of is deleted.
  const now = Date.now();
  await mapLimit(groupKeys, 16, (groupKey) => leaveGroup(groupKey, userKey, [], now));
  return more;
}

async function deleteSentFiles(userKey: UserKey): Promise<boolean> {
  const { files, more } = await userFilesPage(userKey, PAGE.files);
  await mapLimit(files, 16, (file) => deleteFile(file.objectKey));
  await forgetFiles(
    userKey,
    files.map((file) => file.id),
  );
  return more;
}

const STEPS: Record<CleanupStage, (userKey: UserKey) => Promise<boolean>> = {
  groups: (userKey) => leaveAllGroups(userKey),
  inbox: (userKey) => forgetInboxPage(userKey, PAGE.inbox),
  files: deleteSentFiles,
  blocks: (userKey) => forgetBlocksPage(userKey, PAGE.blocks),
  conversations: (userKey) => forgetConversationsPage(userKey, PAGE.conversations),
};
const NEXT: Record<CleanupStage, CleanupStage | undefined> = {
  groups: 'inbox',
  inbox: 'files',
  files: 'blocks',
  blocks: 'conversations',
  conversations: undefined,
};

/**
 * Runs steps until the clean-up is done (undefined), or `steps` are spent, `deadline` (epoch ms) passes or stage
 * `stopAt` is reached: then the job that continues it is returned, for the caller to enqueue.
 */
export async function cleanUpAccount(
  job: AccountCleanupJob,
  budget: { steps: number; deadline: number; stopAt?: CleanupStage },
): Promise<AccountCleanupJob | undefined> {
  let stage: CleanupStage | undefined = job.stage;
  for (let step = 0; stage !== undefined; step++) {
    if (step >= budget.steps || Date.now() >= budget.deadline || stage === budget.stopAt)
      return { ...job, stage };
    if (!(await STEPS[stage](job.user))) stage = NEXT[stage];
  }
  await clearProgress(job.user);
  log.info('account cleaned up', { user: job.user });
  return undefined;
}
