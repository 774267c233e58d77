/**
 * The S3 client, created once per container, and the ways obrol touches the bucket: write an inline file,
 * sign a download link, sign an upload form, delete a deleted message's file. The bucket is private: signed links are the only way to read a file.
 * Checksums only when required: otherwise the SDK streams uploads as aws-chunked with CRC trailers, which some
 * S3-compatible engines store verbatim, corrupting the file. This is the bucket's storage floor, beside
 * shared/data/: it knows no rules, so every room above may use it (delivery signs links; files/, groups/, account/
 * write and delete).
 */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { config } from '../config.js';
import { CommandError } from '../protocol/replies.js';

export const s3 = new S3Client({
  region: config.region,
  forcePathStyle: config.s3PathStyle,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});

export function bucket(): string {
  if (!config.bucketName) throw new CommandError('not_available');
  return config.bucketName;
}

export async function putFile(key: string, body: Uint8Array, contentType: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket(), Key: key, Body: body, ContentType: contentType }));
}

/**
 * Removes a stored file (a deleted message's, a deleted group's, a deleted account's): links already signed for it stop working (S3
 * answers 404). Deleting a key that is already gone succeeds.
 */
export async function deleteFile(key: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: bucket(), Key: key }));
}

export interface SignedLink {
  url: string;
  expiresAt: string;
}

/** A GET link that expires, served as an attachment under the file's own name. */
export async function signDownload(key: string, filename: string, now: number): Promise<SignedLink> {
  const expiresIn = config.fileUrlTtlSeconds;
  const url = await getSignedUrl(
    s3,
    new GetObjectCommand({
      Bucket: bucket(),
      Key: key,
      ResponseContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(filename)}`,
    }),
    { expiresIn },
  );
  return { url, expiresAt: new Date(linkExpiry(url, now, expiresIn)).toISOString() };
}

/**
 * When a presigned URL really stops working: its X-Amz-Date (whole seconds, taken when it was signed, so up to
 * a second before `now` plus the signing time) plus X-Amz-Expires. Announcing `now + ttl` instead could promise
 * a client up to a second that the link does not have. Falls back to `now` rounded down to the second.
 */
export function linkExpiry(url: string, now: number, expiresIn: number): number {
  const query = new URL(url).searchParams;
  // 20261127T113552Z → 2026-11-27T11:35:52Z
  const signed = Date.parse(
    (query.get('X-Amz-Date') ?? '').replace(
      /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
      '$1-$2-$3T$4:$5:$6Z',
    ),
  );
  const seconds = Number(query.get('X-Amz-Expires') ?? expiresIn);
  const start = Number.isNaN(signed) ? Math.floor(now / 1000) * 1000 : signed;
  return start + Math.min(Number.isFinite(seconds) ? seconds : expiresIn, expiresIn) * 1000;
}

export interface SignedUpload {
  url: string;
  fields: Record<string, string>;
  maxBytes: number;
  expiresAt: string;
}

/** A POST form for exactly this key and content type, limited in size, expiring. */
export async function signUpload(key: string, contentType: string, now: number): Promise<SignedUpload> {
  const { url, fields } = await createPresignedPost(s3, {
    Bucket: bucket(),
    Key: key,
    Conditions: [
      ['content-length-range', 0, config.maxUploadBytes],
      ['eq', '$Content-Type', contentType],
    ],
    Fields: { 'Content-Type': contentType },
    Expires: config.uploadTtlSeconds,
  });
  return {
    url,
    fields,
    maxBytes: config.maxUploadBytes,
    expiresAt: new Date(now + config.uploadTtlSeconds * 1000).toISOString(),
  };
}
