/**
 * File limits that need the runtime configured for the test: a small upload limit. The S3 side is inspected
 * through the S3 API of the local engine. Short-lived links have their own file (link-expiry.test.ts): a
 * one-second link here made the download of the file at the limit race the clock.
 */
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { download, randomFile, sha256, type UploadForm, upload } from '../support/files.js';
import { useLocalRuntime } from '../support/runtime.js';

const LIMIT = 256 * 1024;

const local = useLocalRuntime({ env: { MAX_UPLOAD_BYTES: String(LIMIT) } });

describe('upload limits', () => {
  it('refuses an upload over the limit at the bucket, and delivers one at the limit', async () => {
    const { alice, bob } = await local.pair();
    const over = (await alice.client.request(`SEND_FILE ${bob.name} over.bin`)).upload as UploadForm;
    expect(over.maxBytes).toBe(LIMIT);
    expect(await upload(over, randomFile(LIMIT + 1))).toBe(400);

    const exact = (await alice.client.request(`SEND_FILE ${bob.name} exact.bin`)).upload as UploadForm;
    const file = randomFile(LIMIT);
    expect(await upload(exact, file)).toBe(204);
    const push = await bob.client.nextPush();
    expect(push).toMatchObject({ id: exact.id, size: LIMIT });
    expect(bob.client.pushes.filter((p) => p.id === over.id)).toHaveLength(0);
    const got = await download(String(push.url));
    expect(got.status).toBe(200);
    expect(sha256(got.bytes)).toBe(sha256(file));
  });
});

describe('object keys', () => {
  it('keeps every object under its own files/<id>/ or uploads/<id>/ folder, whatever the names sent', async () => {
    const { alice, bob } = await local.pair();
    for (const name of ['../../escape.txt', '..', 'a/b.txt', 'x\\..\\y', '%2e%2e%2fz.txt', 'spaß_ü.txt']) {
      await alice.client.request(`SEND_FILE ${bob.name} ${name} QUJD`);
    }
    const s3 = new S3Client({
      endpoint: local.runtime.s3Endpoint,
      region: process.env.AWS_REGION,
      forcePathStyle: true,
    });
    const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: local.runtime.bucketName }));
    expect(Contents.length).toBeGreaterThan(0);
    for (const object of Contents) expect(object.Key).toMatch(/^(files|uploads)\/[0-9A-Z]{26}\/[^/]+$/);
    expect(Contents.some((o) => o.Key?.endsWith('/%252e%252e%252fz.txt'))).toBe(true);
    s3.destroy();
  });
});
