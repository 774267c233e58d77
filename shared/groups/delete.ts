/**
 * Deleting a group (GROUP_DELETE, or its last member leaving). The group item is marked first, so the group is gone
 * for everyone at once (every group command reads it); then the worker takes the rest apart page by page, off the
 * request path: it tells the online members (GROUP_DELETED, through the group's connections), drops every item of the
 * group's partition and each member's own membership item, the messages and their files, and last the group item —
 * only then is the name free again. Every page checks the mark first, so a job SQS delivers twice (or late, after
 * the name was taken again) touches nothing but its own deletion; every delete is idempotent, so a run stopped
 * anywhere continues where it stopped.
 */

import { deleteFile } from '../bucket/s3.js';
import { mapLimit } from '../concurrency.js';
import { config } from '../config.js';
import {
  deleteGroupItemsPage,
  deleteGroupMeta,
  forgetGroupLogPage,
  groupConnectionsPage,
  groupLogPage,
  markDeleting,
  readDeletion,
  removeGroupConnections,
} from '../data/groups.js';
import { newId } from '../ids.js';
import type { GroupKey } from '../protocol/names.js';
import { pushToAll } from '../push/deliver.js';
import { enqueue, type GroupDeleteJob } from '../queue/jobs.js';

/** Items read per page of a phase. */
export const DELETE_PAGE = 100;
/** A deletion left unfinished this long (a lost job) is started again by the next GROUP_CREATE of its name. */
export const STALE_DELETION_MS = 15 * 60 * 1000;

/**
 * Marks the group deleted and hands the clean-up to the worker. `ownerName`: only if they own it (GROUP_DELETE);
 * undefined: only if it has no members (the last one left). False when the condition does not hold.
 */
export async function deleteGroup(
  groupKey: GroupKey,
  ownerName: string | undefined,
  now: number,
): Promise<boolean> {
  const token = newId(now);
  if (!(await markDeleting(groupKey, token, ownerName, now))) return false;
  await enqueue({ kind: 'groupdelete', group: groupKey, token, phase: 'presence', after: '' });
  return true;
}

/** Starts a deletion again whose job was lost (the queue refused it, or it was parked in the dead-letter queue). */
export async function resumeStaleDeletion(groupKey: GroupKey, now: number): Promise<void> {
  const deletion = await readDeletion(groupKey);
  if (!deletion || now - deletion.since < STALE_DELETION_MS) return;
  await enqueue({
    kind: 'groupdelete',
    group: groupKey,
    token: deletion.token,
    phase: 'presence',
    after: '',
  });
}

/** One page of a deletion; the job that continues it, or undefined when it is done (or not this job's to do). */
export async function deletionStep(
  endpoint: string,
  job: GroupDeleteJob,
  now: number,
): Promise<GroupDeleteJob | undefined> {
  const deletion = await readDeletion(job.group);
  if (deletion?.token !== job.token) return undefined;
  const after = job.after || undefined;
  switch (job.phase) {
    case 'presence': {
      // The group's connections (the phase keeps its old name on the queue).
      const page = await groupConnectionsPage(job.group, after, DELETE_PAGE, now);
      await pushToAll(endpoint, page.connections, {
        event: 'GROUP_DELETED',
        id: job.token,
        group: deletion.name,
      });
      await removeGroupConnections(job.group, page.connections);
      return page.next ? { ...job, after: page.next } : { ...job, phase: 'items', after: '' };
    }
    case 'items': {
      const next = await deleteGroupItemsPage(job.group, after, DELETE_PAGE);
      return next ? { ...job, after: next } : { ...job, phase: 'messages', after: '' };
    }
    case 'messages': {
      const page = await groupLogPage(job.group, after, DELETE_PAGE);
      if (config.bucketName !== undefined)
        await mapLimit(page.files, 16, (file) => deleteFile(file.objectKey));
      await forgetGroupLogPage(page);
      return page.next ? { ...job, after: page.next } : { ...job, phase: 'meta', after: '' };
    }
    case 'meta':
      await deleteGroupMeta(job.group, job.token);
      return undefined;
  }
}

/**
 * Runs a deletion's pages until it is done or the deadline (ms) comes; the job to enqueue to continue, if any.
 */
export async function continueGroupDeletion(
  endpoint: string,
  job: GroupDeleteJob,
  deadline: number,
): Promise<GroupDeleteJob | undefined> {
  let current: GroupDeleteJob | undefined = job;
  while (current && Date.now() < deadline) current = await deletionStep(endpoint, current, Date.now());
  return current;
}
