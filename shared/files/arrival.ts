/**
 * An upload landed in the bucket: deliver it exactly once. The file record says who sent it to whom; the object's
 * size is checked against the limit again (an engine that ignores the form's policy cannot smuggle a larger file);
 * the recipients get FILE / GROUP_FILE with a fresh link, and the sender's devices get FILE_SENT.
 */
import { config } from '../config.js';
import { type FileRecord, getFileRecord, markPending, markUploaded } from '../data/files.js';
import { readGroup } from '../data/groups.js';
import { readAccount } from '../data/users.js';
import { log } from '../log.js';
import { deliverDirect, deliverToGroup } from '../messaging.js';
import type { PushEvent } from '../protocol/replies.js';
import { pushToAll } from '../push/deliver.js';
import { uploadIdOf } from './names.js';
import { fileEvent } from './transfer.js';

export type Arrival = 'delivered' | 'ignored' | 'too_large';

export async function fileArrived(
  key: string,
  size: number,
  endpoint: string,
  now: number,
): Promise<Arrival> {
  const id = uploadIdOf(key);
  const record = id ? await getFileRecord(id) : undefined;
  if (!id || !record || record.objectKey !== key || record.status !== 'uploading') return 'ignored';
  if (size > config.maxUploadBytes) {
    log.warn('upload over the limit not delivered', { id, size });
    await tellSender(record, endpoint, { event: 'FILE_FAILED', id, reason: 'too_large' }, now);
    return 'too_large';
  }
  const sentAt = new Date(now).toISOString();
  if (!(await markUploaded(id, size, sentAt))) return 'ignored';
  const file: FileRecord = { ...record, status: 'ready', size, sentAt };
  try {
    await deliver(file, endpoint, now);
  } catch (error) {
    // Hand it back to S3's retry of this event, rather than lose it.
    await markPending(id);
    throw error;
  }
  const audience = file.group !== undefined ? { group: String(file.groupName) } : { to: String(file.toName) };
  await tellSender(
    file,
    endpoint,
    { event: 'FILE_SENT', id, ...audience, filename: file.filename, size, sentAt },
    now,
  );
  return 'delivered';
}

async function deliver(file: FileRecord, endpoint: string, now: number) {
  if (file.to !== undefined) {
    const recipient = await readAccount(file.to, now);
    await deliverDirect(endpoint, file.from, file.to, recipient.connections, fileEvent(file), now);
  } else if (file.group !== undefined) {
    const group = await readGroup(file.group, now);
    if (group) await deliverToGroup(endpoint, file.group, group, file.from, fileEvent(file), now);
  }
}

async function tellSender(file: FileRecord, endpoint: string, event: PushEvent, now: number) {
  const sender = await readAccount(file.from, now);
  await pushToAll(endpoint, sender.connections, event);
}
