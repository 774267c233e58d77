/**
 * The local S3 front door refuses what a private S3 bucket refuses, over real HTTP against the runtime: anonymous
 * requests of every method, tampered or expired links, forged SDK signatures, and POST forms that bend the policy
 * (duplicate or case-variant fields); valid links, signed SDK calls and forms still work.
 */
import { request } from 'node:http';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, describe, expect, it } from 'vitest';
import { download, randomFile, sha256, type UploadForm, upload } from '../support/files.js';
import { useLocalRuntime } from '../support/runtime.js';

const sdkClients: S3Client[] = [];

const local = useLocalRuntime();
afterAll(() => {
  for (const client of sdkClients) client.destroy();
});

function s3(overrides: Partial<S3ClientConfig> = {}): S3Client {
  const client = new S3Client({
    endpoint: local.runtime.s3Endpoint,
    region: process.env.AWS_REGION,
    forcePathStyle: true,
    maxAttempts: 1,
    ...overrides,
  });
  sdkClients.push(client);
  return client;
}

/** A delivered inline file: its pushed link and its object key. */
async function deliveredFile(content = 'rahasia') {
  const { alice, bob } = await local.pair();
  await alice.client.request(`SEND_FILE ${bob.name} note.txt ${Buffer.from(content).toString('base64')}`);
  const push = await bob.client.nextPush();
  const url = new URL(String(push.url));
  return {
    url: url.toString(),
    bare: `${url.origin}${url.pathname}`,
    key: `files/${push.id}/note.txt`,
    push,
  };
}

async function plain(method: string, url: string, body?: string) {
  const res = await fetch(url, { method, ...(body === undefined ? {} : { body }) });
  return { status: res.status, text: await res.text() };
}

function chunkedPut(url: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.write(body.subarray(0, 10));
    req.end(body.subarray(10));
  });
}

describe('anonymous requests', () => {
  it('refuses LIST, GET, HEAD, PUT and DELETE with 403 AccessDenied', async () => {
    const file = await deliveredFile();
    const bucketUrl = `${local.runtime.s3Endpoint}/${local.runtime.bucketName}`;
    const list = await plain('GET', `${bucketUrl}?list-type=2`);
    expect(list.status).toBe(403);
    expect(list.text).toContain('<Code>AccessDenied</Code>');
    expect((await plain('GET', bucketUrl)).status).toBe(403);
    expect((await plain('GET', file.bare)).status).toBe(403);
    expect((await plain('HEAD', file.bare)).status).toBe(403);
    expect((await plain('PUT', file.bare, 'swapped')).status).toBe(403);
    expect((await plain('DELETE', file.bare)).status).toBe(403);
    // Nothing changed: the signed link still serves the original bytes.
    expect((await download(file.url)).bytes.toString()).toBe('rahasia');
  });

  it('refuses a chunked anonymous PUT into a pending upload, which is then never delivered', async () => {
    const { alice, bob } = await local.pair();
    const form = (await alice.client.request(`SEND_FILE ${bob.name} page.html`)).upload as UploadForm;
    const target = `${local.runtime.s3Endpoint}/${local.runtime.bucketName}/${form.fields.key}`;
    expect(await chunkedPut(target, Buffer.from('<html><script>alert(1)</script></html>'))).toBe(403);
    expect((await plain('PUT', target, 'plain body')).status).toBe(403);
    await local.runtime.uploadsSettled();
    expect(await bob.client.request(`FILE_URL ${form.id}`)).toMatchObject({ reason: 'unknown_file' });
    expect(bob.client.pushes).toHaveLength(0);
  });
});

describe('presigned links', () => {
  it('serve the file when untouched', async () => {
    const file = await deliveredFile('utuh');
    const got = await download(file.url);
    expect(got.status).toBe(200);
    expect(got.bytes.toString()).toBe('utuh');
  });

  it('refuse a link whose signature, key or parameters were changed', async () => {
    const file = await deliveredFile();
    const other = await deliveredFile('lain');
    const url = new URL(file.url);
    const signature = String(url.searchParams.get('X-Amz-Signature'));
    const flipped = new URL(url);
    flipped.searchParams.set('X-Amz-Signature', `${signature[0] === 'a' ? 'b' : 'a'}${signature.slice(1)}`);
    expect((await download(flipped.toString())).status).toBe(403);
    // Another object's path with this link's signature.
    const moved = new URL(url);
    moved.pathname = new URL(other.url).pathname;
    expect((await download(moved.toString())).status).toBe(403);
    const longer = new URL(url);
    longer.searchParams.set('X-Amz-Expires', '604800');
    expect((await download(longer.toString())).status).toBe(403);
    const disposition = new URL(url);
    disposition.searchParams.set('response-content-disposition', 'inline');
    expect((await download(disposition.toString())).status).toBe(403);
    const unsigned = new URL(url);
    unsigned.searchParams.delete('X-Amz-Signature');
    expect((await download(unsigned.toString())).status).toBe(403);
  });

  it('refuse an expired link and one signed with another secret', async () => {
    const file = await deliveredFile();
    const command = new GetObjectCommand({ Bucket: local.runtime.bucketName, Key: file.key });
    const fresh = await getSignedUrl(s3(), command, { expiresIn: 60 });
    expect((await download(fresh)).status).toBe(200);
    const expired = await getSignedUrl(s3(), command, {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 120_000),
    });
    const answer = await plain('GET', expired);
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('expired');
    const forged = s3({
      credentials: { accessKeyId: String(process.env.AWS_ACCESS_KEY_ID), secretAccessKey: 'guess' },
    });
    expect((await download(await getSignedUrl(forged, command, { expiresIn: 60 }))).status).toBe(403);
  });
});

describe('SDK requests (SigV4 in the Authorization header)', () => {
  it('are served when signed with the runtime key, and refused when forged or stale', async () => {
    const file = await deliveredFile('sdk');
    const list = await s3().send(new ListObjectsV2Command({ Bucket: local.runtime.bucketName }));
    expect(list.Contents?.some((o) => o.Key === file.key)).toBe(true);

    const forged = s3({
      credentials: { accessKeyId: String(process.env.AWS_ACCESS_KEY_ID), secretAccessKey: 'guess' },
    });
    await expect(
      forged.send(new ListObjectsV2Command({ Bucket: local.runtime.bucketName })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
    const stranger = s3({ credentials: { accessKeyId: 'someone-else', secretAccessKey: 'x' } });
    await expect(
      stranger.send(new PutObjectCommand({ Bucket: local.runtime.bucketName, Key: file.key, Body: 'swap' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    const stale = s3({ systemClockOffset: -20 * 60 * 1000 });
    await expect(
      stale.send(new GetObjectCommand({ Bucket: local.runtime.bucketName, Key: file.key })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
    expect((await download(file.url)).bytes.toString()).toBe('sdk');
  });

  it('honours If-None-Match: * on PUT, as S3 conditional writes do', async () => {
    const client = s3();
    const Key = `files/CONDITIONAL/${Date.now()}.bin`;
    await client.send(
      new PutObjectCommand({ Bucket: local.runtime.bucketName, Key, Body: 'first', IfNoneMatch: '*' }),
    );
    await expect(
      client.send(
        new PutObjectCommand({ Bucket: local.runtime.bucketName, Key, Body: 'second', IfNoneMatch: '*' }),
      ),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    const got = await client.send(new GetObjectCommand({ Bucket: local.runtime.bucketName, Key }));
    expect(await got.Body?.transformToString()).toBe('first');
  });
});

/** Posts a form with these fields (in this order, duplicates allowed), then the file. */
async function post(
  url: string,
  fields: Array<[string, string]>,
  bytes: Uint8Array,
  after: Array<[string, string]> = [],
) {
  const body = new FormData();
  for (const [name, value] of fields) body.append(name, value);
  body.append('file', new Blob([bytes]), 'f.bin');
  for (const [name, value] of after) body.append(name, value);
  const res = await fetch(url, { method: 'POST', body });
  return { status: res.status, text: await res.text() };
}

describe('POST forms', () => {
  async function form() {
    const { alice, bob } = await local.pair();
    const upload = (await alice.client.request(`SEND_FILE ${bob.name} doc.txt`)).upload as UploadForm;
    return { upload, bob, fields: Object.entries(upload.fields) };
  }

  it('refuse a second key field, whatever its case, and deliver nothing', async () => {
    const { upload, bob, fields } = await form();
    const attackerKey = `uploads/${upload.id}/evil.html`;
    for (const name of ['KEY', 'Key', 'key']) {
      const answer = await post(upload.url, [[name, attackerKey], ...fields], randomFile(10));
      expect(answer.status).toBe(403);
      expect(answer.text).toContain('AccessDenied');
      expect((await post(upload.url, [...fields, [name, attackerKey]], randomFile(10))).status).toBe(403);
    }
    await local.runtime.uploadsSettled();
    expect(await bob.client.request(`FILE_URL ${upload.id}`)).toMatchObject({ reason: 'unknown_file' });
  });

  it('refuse any field the policy does not cover, a changed field, and a field after the file', async () => {
    const { upload, fields } = await form();
    const bytes = randomFile(10);
    expect((await post(upload.url, [...fields, ['x-amz-meta-owner', 'me']], bytes)).status).toBe(403);
    const changed = fields.map(([n, v]): [string, string] => [n, n === 'Content-Type' ? 'text/html' : v]);
    expect((await post(upload.url, changed, bytes)).status).toBe(403);
    const retyped = fields.map(([n, v]): [string, string] => [n, n === 'key' ? `${v}.html` : v]);
    expect((await post(upload.url, retyped, bytes)).status).toBe(403);
    expect((await post(upload.url, fields, bytes, [['key', 'uploads/x']])).status).toBe(400);
  });

  it('refuse an expired form and one signed with another secret', async () => {
    const Key = `uploads/01AAAAAAAAAAAAAAAAAAAAAAAA/late.bin`;
    const expired = await createPresignedPost(s3(), { Bucket: local.runtime.bucketName, Key, Expires: -60 });
    const late = await post(expired.url, Object.entries(expired.fields), randomFile(5));
    expect(late.status).toBe(403);
    expect(late.text).toContain('expired');
    const forged = s3({
      credentials: { accessKeyId: String(process.env.AWS_ACCESS_KEY_ID), secretAccessKey: 'guess' },
    });
    const other = await createPresignedPost(forged, { Bucket: local.runtime.bucketName, Key, Expires: 60 });
    expect((await post(other.url, Object.entries(other.fields), randomFile(5))).status).toBe(403);
  });

  it('still accept the form as given, and deliver the file', async () => {
    const { upload: given, bob } = await form();
    const bytes = randomFile(2048);
    expect(await upload(given, bytes)).toBe(204);
    const push = await bob.client.nextPush();
    expect(push).toMatchObject({ id: given.id, size: 2048 });
    expect(sha256((await download(String(push.url))).bytes)).toBe(sha256(bytes));
  });
});

/** A multipart body written by hand, each part's header lines as given (what a browser would never send). */
async function rawPost(url: string, parts: Array<{ headers: string[]; content: string | Buffer }>) {
  const boundary = `raw${Date.now()}`;
  const body = Buffer.concat([
    ...parts.flatMap(({ headers, content }) => [
      Buffer.from(`--${boundary}\r\n${headers.join('\r\n')}\r\n\r\n`),
      Buffer.from(content),
      Buffer.from('\r\n'),
    ]),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
  return { status: res.status, text: await res.text() };
}

const field = (name: string, value: string) => ({
  headers: [`Content-Disposition: form-data; name="${name}"`],
  content: value,
});
const filePart = (content: Buffer) => ({
  headers: ['Content-Disposition: form-data; name="file"; filename="f.bin"', 'Content-Type: text/plain'],
  content,
});

describe('POST forms read two ways (issue 22 item 8)', () => {
  it('refuse a part with two names, and the file already delivered to the group stays as it was', async () => {
    const { alice, bob } = await local.pair();
    const group = `g${Date.now().toString(36)}`;
    expect((await alice.client.request(`GROUP_CREATE ${group}`)).status).toBe('OK');
    expect((await bob.client.request(`GROUP_JOIN ${group}`)).status).toBe('OK');
    // bob sends a file to the group; alice gets its link.
    const original = Buffer.from('the minutes, as agreed').toString('base64');
    expect((await bob.client.request(`SEND_GROUP_FILE ${group} minutes.txt ${original}`)).status).toBe('OK');
    const delivered = await alice.client.nextPush();
    const deliveredKey = `files/${delivered.id}/minutes.txt`;
    // alice asks for an upload form of her own and smuggles the delivered file's key into it.
    const form = (await alice.client.request(`SEND_GROUP_FILE ${group} doc.txt`)).upload as UploadForm;
    const fields = Object.entries(form.fields).map(([n, v]) => field(n, v));
    const evil = Buffer.from('send the money to account 123');
    for (const smuggled of [
      'Content-Disposition: form-data; name="x-ignore-a"; name="key"',
      'Content-Disposition: form-data; name="x-ignore-a"; NAME="key"',
      'Content-Disposition: form-data; name="key"; name="x-ignore-a"',
      'Content-Disposition: form-data; name="x-ignore-a"; name*=UTF-8\'\'key',
      'Content-Disposition: form-data; name="x-ignore-\\"a"',
    ]) {
      const answer = await rawPost(form.url, [
        ...fields,
        { headers: [smuggled], content: deliveredKey },
        filePart(evil),
      ]);
      expect(answer.status, smuggled).toBe(400);
      expect(answer.text, smuggled).toContain('<Code>MalformedPOSTRequest</Code>');
    }
    // Two Content-Disposition headers in one part, read first by one parser and last by another.
    const twice = await rawPost(form.url, [
      ...fields,
      {
        headers: [
          'Content-Disposition: form-data; name="x-ignore-a"',
          'Content-Disposition: form-data; name="key"',
        ],
        content: deliveredKey,
      },
      filePart(evil),
    ]);
    expect(twice.status).toBe(400);
    expect(twice.text).toContain('<Code>MalformedPOSTRequest</Code>');
    await local.runtime.uploadsSettled();
    expect((await download(String(delivered.url))).bytes.toString()).toBe('the minutes, as agreed');
    // The same form, unambiguous, still works, and the engine stores exactly the key the policy allowed.
    const fine = await rawPost(form.url, [...fields, field('x-ignore-note', deliveredKey), filePart(evil)]);
    expect(fine.status).toBe(204);
    const push = await bob.client.nextPush();
    expect(push).toMatchObject({ event: 'GROUP_FILE', id: form.id, filename: 'doc.txt' });
    expect((await download(String(push.url))).bytes.toString()).toBe(evil.toString());
    expect((await download(String(delivered.url))).bytes.toString()).toBe('the minutes, as agreed');
    const listed = await s3().send(
      new ListObjectsV2Command({ Bucket: local.runtime.bucketName, Prefix: `uploads/${form.id}/` }),
    );
    expect(listed.Contents?.map((o) => o.Key)).toEqual([form.fields.key]);
  });

  it('refuse a body without its closing delimiter or with a header line that is not one', async () => {
    const { alice, bob } = await local.pair();
    const form = (await alice.client.request(`SEND_FILE ${bob.name} doc.txt`)).upload as UploadForm;
    const fields = Object.entries(form.fields).map(([n, v]) => field(n, v));
    const folded = await rawPost(form.url, [
      ...fields,
      { headers: ['Content-Disposition: form-data;', ' name="x-ignore-b"'], content: 'x' },
      filePart(Buffer.from('x')),
    ]);
    expect(folded.status).toBe(400);
    expect(folded.text).toContain('MalformedPOSTRequest');
    const res = await fetch(form.url, {
      method: 'POST',
      body: '--b\r\nContent-Disposition: form-data; name="key"\r\n\r\nuploads/x',
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('MalformedPOSTRequest');
    await local.runtime.uploadsSettled();
    expect(await bob.client.request(`FILE_URL ${form.id}`)).toMatchObject({ reason: 'unknown_file' });
  });
});

describe('sealing an upload (shared/files/seal.ts) through the front door', () => {
  it('keeps the first sealed bytes when the upload is replaced and sealed again', async () => {
    const { sealUpload } = await import('../../shared/files/seal.js');
    const client = s3();
    const Bucket = local.runtime.bucketName;
    const uploadKey = `uploads/01BBBBBBBBBBBBBBBBBBBBBBBB/${encodeURIComponent('spaß ü.bin')}`;
    const first = randomFile(700);
    await client.send(new PutObjectCommand({ Bucket, Key: uploadKey, Body: first }));
    expect(await sealUpload(uploadKey)).toEqual({
      objectKey: `files/01BBBBBBBBBBBBBBBBBBBBBBBB/${encodeURIComponent('spaß ü.bin')}`,
      size: 700,
    });
    await client.send(new PutObjectCommand({ Bucket, Key: uploadKey, Body: randomFile(900) }));
    const again = await sealUpload(uploadKey);
    expect(again.size).toBe(700);
    const sealed = await client.send(new GetObjectCommand({ Bucket, Key: again.objectKey }));
    expect(sha256(Buffer.from((await sealed.Body?.transformToByteArray()) ?? []))).toBe(sha256(first));
  });
});
