/**
 * An upload landed in the bucket: deliver it exactly once. The file record says who sent it to whom; the recipient is
 * checked again as SEND checks it (still there, and no block against the sender since the form was given); the
 * object's size is checked against the limit again (an engine that ignores the form's policy cannot smuggle a larger
 * file); the recipients get FILE / GROUP_FILE with a fresh link, and the sender's devices get FILE_SENT.
 */
import { config } from '../config.js';
import { isBlocked } from '../data/blocks.js';
import { type FileRecord, forgetUpload, getFileRecord, markPending, markUploaded } from '../data/files.js';
import { readGroupMeta, readMembership } from '../data/groups.js';
import { type Account, readAccount } from '../data/users.js';
import { deliverToUser } from '../delivery/direct.js';
import { deliverToGroup } from '../delivery/group.js';
import { startFrom } from '../delivery/name-reuse.js';
import { log } from '../log.js';
import { metrics } from '../metrics.js';
import type { PushEvent } from '../protocol/replies.js';
import { pushToAll } from '../push/deliver.js';
import { uploadIdOf } from './names.js';
import { sealedKeyOf, sealUpload } from './seal.js';
import { fileEvent } from './transfer.js';

export type Arrival = 'delivered' | 'ignored' | 'too_large';

/** How often S3 invokes the function for one event (once, and two retries), and so the local front door too. */
export const S3_EVENT_ATTEMPTS = 3;

/** Counts every upload that lands (docs/OPERATIONS.md): delivered, refused as too large, or failed (S3 retries). */
export async function fileArrived(
  key: string,
  _eventSize: number,
  endpoint: string,
  now: number,
): Promise<Arrival> {
  try {
    const outcome = await arrive(key, endpoint, now);
    if (outcome === 'delivered') metrics.count('UploadsArrived');
    else if (outcome === 'too_large') metrics.count('UploadsFailed', 1, { reason: 'too_large' });
    else metrics.count('UploadsIgnored');
    return outcome;
  } catch (error) {
    metrics.count('UploadsFailed', 1, { reason: 'error' });
    throw error;
  }
}

async function arrive(key: string, endpoint: string, now: number): Promise<Arrival> {
  const id = uploadIdOf(key);
  const record = id ? await getFileRecord(id) : undefined;
  if (!id || !record || record.objectKey !== sealedKeyOf(key) || record.status !== 'uploading')
    return 'ignored';
  let sender: Account | undefined;
  let file: FileRecord;
  try {
    // A private upload whose recipient no longer exists for the sender is not delivered, nor even sealed: an account
    // deleted since the form was given (or deleted and registered again: the file was meant for the name's earlier
    // owner), or one that blocked the sender since (checked as SEND checks it). The sender is told so rather than
    // FILE_SENT, the same for both, and the record goes, so the form posted again (after an UNBLOCK too) delivers
    // nothing. Forgotten first, then told, and told only when no concurrent arrival of the same upload delivered it
    // meanwhile (then its sender heard FILE_SENT, and that stands): the sender never hears both.
    if (record.to !== undefined) {
      const to = record.to;
      const [target, blocked] = await Promise.all([
        readAccount(to, now, false, true),
        to !== record.from && isBlocked(to, record.from),
      ]);
      if (blocked || !target.profile || id < startFrom([target.profile.createdAt])) {
        if (await forgetUpload(id)) {
          const { connections } = await readAccount(record.from, now);
          await pushToAll(endpoint, connections, { event: 'FILE_FAILED', id, reason: 'unknown_recipient' });
        }
        return 'ignored';
      }
    }
    // What is delivered is the sealed copy and its real size, whatever the event said (./seal.ts).
    const { size } = await sealUpload(key);
    if (size > config.maxUploadBytes) {
      log.warn('upload over the limit not delivered', { id, size });
      const { connections } = await readAccount(record.from, now);
      await pushToAll(endpoint, connections, { event: 'FILE_FAILED', id, reason: 'too_large' });
      return 'too_large';
    }
    // A group upload from someone no longer in the group (kicked, left, or the group deleted) is not delivered.
    if (record.group !== undefined) {
      const [membership, meta] = await Promise.all([
        readMembership(record.from, record.group, true),
        readGroupMeta(record.group),
      ]);
      if (!membership || !meta) return 'ignored';
    }
    const sentAt = new Date(now).toISOString();
    // Marking the upload and reading who gets it are independent: one round, not three.
    const [marked, recipient, from] = await Promise.all([
      markUploaded(id, size, sentAt),
      record.to === undefined ? undefined : readAccount(record.to, now),
      readAccount(record.from, now),
    ]);
    if (!marked) return 'ignored';
    sender = from;
    file = { ...record, status: 'ready', size, sentAt };
    // Stored before anything is pushed: a store that fails pushes nothing and hands the event back to S3's retry.
    if (file.group !== undefined) {
      await deliverToGroup(endpoint, file.group, file.from, fileEvent(file), now);
    } else if (recipient && file.to !== undefined) {
      await deliverToUser({
        endpoint,
        fromKey: file.from,
        toKey: file.to,
        connections: recipient.connections,
        event: fileEvent(file),
        now,
      });
    }
  } catch (error) {
    // Hand it back to S3's retry of this event, rather than lose it (the record is `uploading` again, whether the
    // failure came before or after it was marked). S3 tries an event three times: after the last, the sender is
    // told the file did not go (they may send it again).
    if ((await markPending(id)) >= S3_EVENT_ATTEMPTS) {
      const { connections } = sender ?? (await readAccount(record.from, now));
      await pushToAll(endpoint, connections, { event: 'FILE_FAILED', id, reason: 'internal_error' });
    }
    throw error;
  }
  const { size, sentAt } = file;
  const to = file.group !== undefined ? { group: String(file.groupName) } : { to: String(file.toName) };
  const sent: PushEvent = { event: 'FILE_SENT', id, ...to, filename: file.filename, size, sentAt };
  await pushToAll(endpoint, sender.connections, sent);
  return 'delivered';
}
