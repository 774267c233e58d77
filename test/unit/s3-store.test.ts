/**
 * local/s3-store.ts: the mapping of object keys to s3rver's file paths is one-to-one and keeps every file and
 * folder name short enough to write, and a write that fails answers 500 instead of ending the process.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBucket, startS3rver } from '../../local/engines.js';
import { decodeKeyPath, encodeKeyPath, SEGMENT_BYTES } from '../../local/s3-store.js';

const key = fc.array(
  fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 300 }),
    fc.constantFrom('+', '=', '++x', '=+', '文'.repeat(90), 'a'.repeat(250)),
  ),
  { minLength: 1, maxLength: 4 },
);

describe('the key mapping', () => {
  it('is one-to-one, and no file or folder name in it is longer than a segment (plus its mark)', () => {
    fc.assert(
      fc.property(key, (segments) => {
        const k = segments.join('/');
        const path = encodeKeyPath(k);
        expect(decodeKeyPath(path)).toBe(k);
        for (const part of path.split('/'))
          expect(Buffer.byteLength(part)).toBeLessThanOrEqual(SEGMENT_BYTES + 1);
      }),
    );
  });

  it('leaves short keys as they are, and marks only what it split or escaped', () => {
    expect(encodeKeyPath('files/01A/report.pdf')).toBe('files/01A/report.pdf');
    expect(encodeKeyPath('files/+x/=y')).toBe('files/=+x/==y');
    const long = `files/01A/${'%E6%96%87'.repeat(30)}`;
    const parts = encodeKeyPath(long).split('/');
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.slice(3).every((p) => p.startsWith('+'))).toBe(true);
  });
});

describe('s3rver with the repaired store', () => {
  let dir: string;
  let stop: () => Promise<void>;
  let s3: S3Client;
  const Bucket = 'store-test';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'obrol-store-'));
    const engine = await startS3rver('127.0.0.1', dir);
    stop = engine.stop;
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    await ensureBucket(engine.endpoint, 'us-east-1', Bucket);
    s3 = new S3Client({
      endpoint: engine.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    s3?.destroy();
    await stop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores, lists and reads a key whose last segment is 765 bytes', async () => {
    const Key = `files/01A/${encodeURIComponent('文'.repeat(85))}`;
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'isi' }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
    expect(await got.Body?.transformToString()).toBe('isi');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'files/01A/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual([Key]);
  });

  it('answers 500 when the object cannot be written, and goes on serving', async () => {
    // A folder where the object's file would go: opening it for writing fails (EISDIR).
    mkdirSync(join(dir, Bucket, 'files', '01B', 'blocked._S3rver_object'), { recursive: true });
    const failed = await s3.send(new PutObjectCommand({ Bucket, Key: 'files/01B/blocked', Body: 'x' })).then(
      () => undefined,
      (error: { $metadata?: { httpStatusCode?: number } }) => error,
    );
    expect(failed?.$metadata?.httpStatusCode).toBe(500);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'files/01B/fine', Body: 'ok' }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'files/01B/fine' }));
    expect(await got.Body?.transformToString()).toBe('ok');
  });
});
