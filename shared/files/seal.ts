/**
 * Sealing an upload: the browser's object under `uploads/<id>/…` stays writable for as long as its POST form is
 * valid (anyone holding the form may post it again), so on arrival it is copied once to `files/<id>/…`, a key no
 * form and no client can write. Every link and FILE_URL points at the sealed copy, and the size delivered is the
 * size of the bytes sealed, never the size an event claimed.
 */
import { CopyObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { bucket, s3 } from './s3.js';

export interface SealedUpload {
  /** The immutable object key links are signed for. */
  objectKey: string;
  /** The size in bytes of the sealed object. */
  size: number;
}

/** `uploads/<id>/<name>` → `files/<id>/<name>`: the key an upload is sealed under (the file record's key). */
export function sealedKeyOf(uploadKey: string): string {
  return uploadKey.replace(/^uploads\//, 'files/');
}

/** A copy source is `bucket/key`, URL-encoded (object keys hold `%` from the percent-encoded file name). */
function copySource(bucketName: string, key: string): string {
  return `${bucketName}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

function isPreconditionFailed(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 412 || (error as Error).name === 'PreconditionFailed';
}

/**
 * Copies the upload to its sealed key unless a sealed copy exists already (`If-None-Match: *`: the first seal
 * wins, so a form posted again, or an event delivered twice, never replaces sealed bytes), then reads the sealed
 * object's real size.
 */
export async function sealUpload(uploadKey: string): Promise<SealedUpload> {
  const Bucket = bucket();
  const objectKey = sealedKeyOf(uploadKey);
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
  } catch (error) {
    if (!isPreconditionFailed(error)) throw error;
  }
  const head = await s3.send(new HeadObjectCommand({ Bucket, Key: objectKey }));
  return { objectKey, size: head.ContentLength ?? 0 };
}
