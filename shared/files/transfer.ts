/**
 * The two ways a file travels: inline (the bytes came in the frame; they are written to `files/<id>/…` now) and by
 * upload (the answer carries a signed POST form for `uploads/<id>/…`; on arrival the upload handler seals it to
 * `files/<id>/…` and delivers that).
 */
import { putFile, signUpload } from '../bucket/s3.js';
import type { FileRecord } from '../data/files.js';
import { putFileRecord } from '../data/files.js';
import type { StoredEvent } from '../data/messages.js';
import { newId } from '../ids.js';
import type { UserKey } from '../protocol/names.js';
import { ok, type Reply } from '../protocol/replies.js';
import { contentTypeOf, type ObjectArea, objectKey } from './names.js';

export type Audience = Pick<FileRecord, 'to' | 'toName'> | Pick<FileRecord, 'group' | 'groupName'>;
type Sender = { key: UserKey; name: string };

/** The push a file becomes: FILE to a user, GROUP_FILE to a group; the link is signed when it is sent. */
export function fileEvent(file: FileRecord): StoredEvent {
  const common = { id: file.id, from: file.fromName };
  const body = {
    filename: file.filename,
    size: file.size ?? 0,
    contentType: file.contentType,
    sentAt: file.sentAt ?? new Date().toISOString(),
    objectKey: file.objectKey,
  };
  return file.group !== undefined
    ? { event: 'GROUP_FILE', ...common, group: String(file.groupName), ...body }
    : { event: 'FILE', ...common, to: String(file.toName), ...body };
}

function newFile(area: ObjectArea, sender: Sender, audience: Audience, filename: string, now: number) {
  const id = newId(now);
  return {
    id,
    objectKey: objectKey(area, id, filename),
    filename,
    contentType: contentTypeOf(filename),
    from: sender.key,
    fromName: sender.name,
    ...audience,
  };
}

export async function storeInline(
  sender: Sender,
  audience: Audience,
  filename: string,
  bytes: Buffer,
  now: number,
): Promise<FileRecord> {
  const file: FileRecord = {
    ...newFile('files', sender, audience, filename, now),
    status: 'ready',
    size: bytes.length,
    sentAt: new Date(now).toISOString(),
  };
  // Independent writes: if the object write fails the command fails, and the record names a file nobody was told of.
  await Promise.all([putFile(file.objectKey, bytes, file.contentType), putFileRecord(file)]);
  return file;
}

/**
 * Answers with a signed upload form for `uploads/<id>/…`; when it lands, lambdas/file-uploaded.ts seals it to the
 * record's `files/<id>/…` (./seal.ts) and delivers it.
 */
export async function startUpload(
  sender: Sender,
  audience: Audience,
  filename: string,
  now: number,
): Promise<Reply> {
  // The record names the sealed key from the start: the form writes uploads/…, links only ever read files/….
  const file: FileRecord = { ...newFile('files', sender, audience, filename, now), status: 'uploading' };
  const [upload] = await Promise.all([
    signUpload(objectKey('uploads', file.id, filename), file.contentType, now),
    putFileRecord(file, now + 24 * 3600 * 1000),
  ]);
  // The FILE / GROUP_FILE push that follows the upload carries this id too.
  return ok('silakan unggah file', { id: file.id, upload: { id: file.id, ...upload } });
}
