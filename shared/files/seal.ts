/**
 * Sealing an upload: the browser's object under `uploads/<id>/…` stays writable for as long as its POST form is
 * valid (anyone holding the form may post it again), so on arrival it is copied once to `files/<id>/…`, a key no
 * form and no client can write. Every link and FILE_URL points at the sealed copy, and the size delivered is the
 * size of the bytes sealed, never the size an event claimed.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { CopyObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { bucket, s3 } from '../bucket/s3.js';
import { FILES_PREFIX, UPLOADS_PREFIX } from './prefixes.js';

export interface SealedUpload {
  /** The immutable object key links are signed for. */
  objectKey: string;
  /** The size in bytes of the sealed object. */
  size: number;
}

/** `uploads/<id>/<name>` → `files/<id>/<name>`: the key an upload is sealed under (the file record's key). */
export function sealedKeyOf(uploadKey: string): string {
  return uploadKey.startsWith(UPLOADS_PREFIX)
    ? `${FILES_PREFIX}${uploadKey.slice(UPLOADS_PREFIX.length)}`
    : uploadKey;
}

/**
 * Copies tried when S3 answers 409 ConditionalRequestConflict. S3 documents that answer for a conditional
 * CopyObject (If-None-Match) racing another write to the same key, and says to retry: the retry copies if the
 * other write failed, or gets 412 if it landed. Past these, the error goes up and the S3 event is retried later.
 */
export const SEAL_COPY_ATTEMPTS = 4;

/** A copy source is `bucket/key`, URL-encoded (object keys hold `%` from the percent-encoded file name). */
function copySource(bucketName: string, key: string): string {
  return `${bucketName}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

const statusOf = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/** 412: the sealed key exists already, so this copy must not (and need not) happen. */
function isPreconditionFailed(error: unknown): boolean {
  return statusOf(error) === 412 || (error as Error).name === 'PreconditionFailed';
}

/** 409: another write to the sealed key was in flight; whether it landed is unknown until a retry asks. */
function isConditionalConflict(error: unknown): boolean {
  return statusOf(error) === 409 || (error as Error).name === 'ConditionalRequestConflict';
}

/**
 * Copies the upload to its sealed key unless a sealed copy exists already (`If-None-Match: *`: the first seal
 * wins, so a form posted again, or an event delivered twice, never replaces sealed bytes), retrying the copy on a
 * 409 conflict (after 50, 100, 200 ms: `retryBaseMs` doubling), then reads the sealed object's real size.
 */
export async function sealUpload(
  uploadKey: string,
  options: { retryBaseMs?: number } = {},
): Promise<SealedUpload> {
  const retryBaseMs = options.retryBaseMs ?? 50;
  const Bucket = bucket();
  const objectKey = sealedKeyOf(uploadKey);
  for (let attempt = 1; ; attempt++) {
    try {
      await s3.send(
        new CopyObjectCommand({
          Bucket,
          Key: objectKey,
          CopySource: copySource(Bucket, uploadKey),
          MetadataDirective: 'COPY',
          IfNoneMatch: '*',
        }),
      );
      break;
    } catch (error) {
      if (isPreconditionFailed(error)) break;
      // A conflict is not "already sealed": the other write may yet fail, leaving no sealed copy at all.
      if (!isConditionalConflict(error) || attempt >= SEAL_COPY_ATTEMPTS) throw error;
      await sleep(retryBaseMs * 2 ** (attempt - 1));
    }
  }
  const head = await s3.send(new HeadObjectCommand({ Bucket, Key: objectKey }));
  return { objectKey, size: head.ContentLength ?? 0 };
}
