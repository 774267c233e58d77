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
import { sealedKeyOf, sealUpload } from './seal.js';
import { fileEvent } from './transfer.js';

export type Arrival = 'delivered' | 'ignored' | 'too_large';

export async function fileArrived(
  key: string,
  _eventSize: number,
  endpoint: string,
  now: number,
): Promise<Arrival> {
  const id = uploadIdOf(key);
  const record = id ? await getFileRecord(id) : undefined;
  if (!id || !record || record.objectKey !== sealedKeyOf(key) || record.status !== 'uploading')
    return 'ignored';
  // What is delivered is the sealed copy and its real size, whatever the event said (./seal.ts).
  const { size } = await sealUpload(key);
  if (size > config.maxUploadBytes) {
    log.warn('upload over the limit not delivered', { id, size });
    const sender = await readAccount(record.from, now);
    await pushToAll(endpoint, sender.connections, { event: 'FILE_FAILED', id, reason: 'too_large' });
    return 'too_large';
  }
  const sentAt = new Date(now).toISOString();
  // Marking the upload and reading who gets it are independent: one round, not three.
  const [marked, audience, sender] = await Promise.all([
    markUploaded(id, size, sentAt),
    readAudience(record, now),
    readAccount(record.from, now),
  ]);
  if (!marked) return 'ignored';
  const file: FileRecord = { ...record, status: 'ready', size, sentAt };
  try {
    if (audience.kind === 'user') {
      await deliverDirect(endpoint, file.from, audience.key, audience.connections, fileEvent(file), now);
    } else if (audience.group) {
      await deliverToGroup(endpoint, audience.key, audience.group, file.from, fileEvent(file), now);
    }
  } catch (error) {
    // Hand it back to S3's retry of this event, rather than lose it.
    await markPending(id);
    throw error;
  }
  const to = file.group !== undefined ? { group: String(file.groupName) } : { to: String(file.toName) };
  const sent: PushEvent = { event: 'FILE_SENT', id, ...to, filename: file.filename, size, sentAt };
  await pushToAll(endpoint, sender.connections, sent);
  return 'delivered';
}

async function readAudience(file: FileRecord, now: number) {
  if (file.group !== undefined) {
    return { kind: 'group' as const, key: file.group, group: await readGroup(file.group, now) };
  }
  const key = String(file.to);
  return { kind: 'user' as const, key, connections: (await readAccount(key, now)).connections };
}
