/** File records: what FILE_URL and the upload handler need to know about a file, keyed by its id. */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { GroupKey, UserKey } from '../protocol/names.js';
import { db, TABLE } from './client.js';
import { keys } from './keys.js';
import { batchWrite, conditionally, epochSeconds, queryRange } from './table.js';

export interface FileRecord {
  id: string;
  objectKey: string;
  filename: string;
  contentType: string;
  /** Sender's key and name. */
  from: UserKey;
  fromName: string;
  /** A private file's recipient (key and name)… */
  to?: UserKey;
  toName?: string;
  /** …or a group file's group (key and name). */
  group?: GroupKey;
  groupName?: string;
  status: 'uploading' | 'ready';
  size?: number;
  sentAt?: string;
}

/**
 * An upload that never arrives is forgotten by TTL shortly after its form expires. Beside the record, the sender's
 * file index gets an entry (`UFILE#<user>`), so DELETE_ACCOUNT finds the objects a user sent in O(their files).
 */
export async function putFileRecord(record: FileRecord, forgetAfterMs?: number): Promise<void> {
  await Promise.all([
    db.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          ...keys.file(record.id),
          ...record,
          ...(forgetAfterMs ? { expiresAt: epochSeconds(forgetAfterMs) } : {}),
        },
      }),
    ),
    db.send(
      new PutCommand({
        TableName: TABLE,
        Item: { ...keys.userFile(record.from, record.id), objectKey: record.objectKey },
      }),
    ),
  ]);
}

/** One page of the files a user sent (their index entries): ids and object keys. */
export async function userFilesPage(userKey: UserKey, limit: number) {
  const pk = keys.userFile(userKey, '').pk;
  const page = await queryRange(pk, { after: 'FILE#', upTo: 'FILE#\uffff' }, { limit, consistent: true });
  return {
    files: page.items.map((item) => ({
      id: item.sk.slice('FILE#'.length),
      objectKey: String(item.objectKey),
    })),
    more: page.next !== undefined,
  };
}

/** Forgets files: their records and index entries (the objects are deleted by the caller first). */
export async function forgetFiles(userKey: UserKey, ids: readonly string[]): Promise<void> {
  await batchWrite(
    [],
    ids.flatMap((id) => [keys.file(id), keys.userFile(userKey, id)]),
  );
}

export async function getFileRecord(id: string): Promise<FileRecord | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName: TABLE, Key: keys.file(id) }));
  return Item as FileRecord | undefined;
}

/**
 * Marks an upload as arrived, once: S3 may deliver its event twice; only the first caller gets true. The update
 * carries a token of this call: when the SDK retried it after it had in fact succeeded (the answer was lost), the
 * retry's condition fails on this call's own mark, and the token shows it — the upload is delivered, not dropped.
 */
export async function markUploaded(id: string, size: number, sentAt: string): Promise<boolean> {
  const token = randomUUID();
  const marked = await conditionally(
    db.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: keys.file(id),
        UpdateExpression:
          'SET #status = :ready, #size = :size, sentAt = :sentAt, markToken = :token REMOVE expiresAt',
        ConditionExpression: '#status = :uploading',
        ExpressionAttributeNames: { '#status': 'status', '#size': 'size' },
        ExpressionAttributeValues: {
          ':ready': 'ready',
          ':uploading': 'uploading',
          ':size': size,
          ':sentAt': sentAt,
          ':token': token,
        },
      }),
    ),
  );
  if (marked) return true;
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.file(id), ConsistentRead: true }),
  );
  return Item?.status === 'ready' && Item.markToken === token;
}

/**
 * Undoes markUploaded when delivery failed, so the retried S3 event delivers the file. Returns how many deliveries
 * of this upload have failed so far.
 */
export async function markPending(id: string): Promise<number> {
  const { Attributes } = await db.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: keys.file(id),
      UpdateExpression: 'SET #status = :uploading ADD failures :one',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':uploading': 'uploading', ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Number(Attributes?.failures ?? 1);
}

/**
 * An upload refused on arrival (its recipient is gone or blocked the sender) is forgotten, only while it is still
 * `uploading`. True when no record is left (this call forgot it, or an earlier refusal did: a retried delete whose
 * first attempt applied), false when a concurrent arrival of the same upload delivered it meanwhile: that one keeps
 * its record (and its links), and its sender was told FILE_SENT.
 */
export async function forgetUpload(id: string): Promise<boolean> {
  const forgotten = await conditionally(
    db.send(
      new DeleteCommand({
        TableName: TABLE,
        Key: keys.file(id),
        ConditionExpression: '#status = :uploading',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':uploading': 'uploading' },
      }),
    ),
  );
  if (forgotten) return true;
  const { Item } = await db.send(
    new GetCommand({ TableName: TABLE, Key: keys.file(id), ConsistentRead: true }),
  );
  return Item === undefined;
}

/** A deleted file message's record goes with it: FILE_URL then answers `unknown_file`. */
export async function deleteFileRecord(id: string): Promise<void> {
  await db.send(new DeleteCommand({ TableName: TABLE, Key: keys.file(id) }));
}
