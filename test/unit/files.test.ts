/**
 * Files (shared/files/, SEND_FILE / SEND_GROUP_FILE, the upload's arrival) against dynalite, a recording
 * @connections stand-in and a faked S3 client (an in-memory bucket behind the SDK's middleware stack, which answers
 * PutObject, CopyObject with If-None-Match and HeadObject; links and forms are still signed by the real SDK).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupKeyOf, userKeyOf } from '../../shared/protocol/names.js';
import { useConnectionsApi } from '../support/connections-api.js';
import { answered, fakeQueue, intercept } from '../support/fakes.js';
import { useTable } from '../support/table.js';

await useTable();
Object.assign(process.env, {
  QUEUE_URL: 'http://127.0.0.1:9/queue/unit',
  BUCKET_NAME: 'unit-bucket',
  MAX_UPLOAD_BYTES: '100',
  BUDGET_REGISTER_BURST: '10000',
  BUDGET_AUTH_BURST: '10000',
});
const api = await useConnectionsApi();
const { dispatch } = await import('../../shared/commands/index.js');
const { createContext } = await import('../../shared/commands/context.js');
const { openConnection } = await import('../../shared/data/connections.js');
const { getFileRecord, userFilesPage } = await import('../../shared/data/files.js');
const { s3, linkExpiry } = await import('../../shared/bucket/s3.js');
const { sealedKeyOf, sealUpload } = await import('../../shared/files/seal.js');
const { fileArrived, S3_EVENT_ATTEMPTS } = await import('../../shared/files/arrival.js');
const { fileEvent } = await import('../../shared/files/transfer.js');
const { sqs } = await import('../../shared/queue/jobs.js');
const { newId } = await import('../../shared/ids.js');

/** The in-memory bucket: key → bytes and type. */
const bucket = new Map<string, { body: Buffer; type: string | undefined }>();
const failCopies = new Set<string>();
intercept(s3, 'memory-bucket', (next, context) => async (args) => {
  const input = args.input;
  switch (context.commandName) {
    case 'PutObjectCommand':
      bucket.set(String(input.Key), { body: Buffer.from(input.Body as Uint8Array), type: input.ContentType });
      return answered();
    case 'CopyObjectCommand': {
      const source = decodeURIComponent(String(input.CopySource).replace(/^unit-bucket\//, ''));
      if (failCopies.has(source)) throw Object.assign(new Error('boom'), { name: 'InternalError' });
      if (input.IfNoneMatch === '*' && bucket.has(String(input.Key)))
        throw Object.assign(new Error('PreconditionFailed'), {
          name: 'PreconditionFailed',
          $metadata: { httpStatusCode: 412 },
        });
      const found = bucket.get(source);
      if (!found) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
      bucket.set(String(input.Key), found);
      return answered();
    }
    case 'HeadObjectCommand':
      return answered({ ContentLength: bucket.get(String(input.Key))?.body.length });
    default:
      return next(args);
  }
});
fakeQueue(sqs);

let unique = 0;
const fresh = (prefix: string) => `${prefix}${++unique}`;

async function user() {
  const name = fresh('file');
  const id = fresh('conn');
  await openConnection(id, Date.now(), undefined);
  const ask = (frame: string) => dispatch(frame, createContext(id, api.endpoint, Date.now()));
  await ask(`REGISTER ${name} password1 ID ${name}`);
  expect(await ask(`AUTH ${name} password1`)).toMatchObject({ status: 'OK' });
  const pushes = (event: string) =>
    (api.frames.get(id) ?? [])
      .map((f) => JSON.parse(f.slice(0, -4)) as Record<string, unknown>)
      .filter((p) => p.event === event);
  return { name, id, ask, pushes };
}

describe('inline files', () => {
  it('SEND_FILE stores the bytes under files/<id>/ and pushes FILE with a link', async () => {
    const a = await user();
    const b = await user();
    const reply = await a.ask(`SEND_FILE ${b.name} hello.txt ${Buffer.from('hello').toString('base64')}`);
    const [push] = b.pushes('FILE');
    // The answer carries the message's id: the one the recipient's push has.
    expect(reply).toEqual({ status: 'OK', data: 'file terkirim', id: push?.id });
    expect(typeof push?.id).toBe('string');
    expect(push).toMatchObject({ event: 'FILE', from: a.name, to: b.name, filename: 'hello.txt', size: 5 });
    expect(push?.contentType).toBe('text/plain');
    expect(push).not.toHaveProperty('objectKey');
    const id = String(push?.id);
    expect(bucket.get(`files/${id}/hello.txt`)?.body.toString()).toBe('hello');
    expect(String(push?.url)).toContain(`files/${id}/hello.txt`);
    expect(String(push?.url)).toContain('attachment');
    expect(await getFileRecord(id)).toMatchObject({ status: 'ready', from: a.name, to: b.name, size: 5 });
    // The sender's file index, by which DELETE_ACCOUNT finds their objects.
    expect(await userFilesPage(userKeyOf(a.name), 10)).toEqual({
      files: [{ id, objectKey: `files/${id}/hello.txt` }],
      more: false,
    });
  });

  it('SEND_GROUP_FILE pushes GROUP_FILE to the other members', async () => {
    const a = await user();
    const b = await user();
    const g = fresh('fg');
    await a.ask(`GROUP_CREATE ${g}`);
    await b.ask(`GROUP_JOIN ${g}`);
    const reply = await a.ask(`SEND_GROUP_FILE ${g} x.png ${Buffer.from([1, 2, 3]).toString('base64')}`);
    const [push] = b.pushes('GROUP_FILE');
    expect(reply).toEqual({ status: 'OK', data: 'file terkirim', id: push?.id });
    expect(typeof push?.id).toBe('string');
    expect(push).toMatchObject({ group: g, from: a.name, filename: 'x.png', size: 3 });
    expect(a.pushes('GROUP_FILE')).toEqual([]);
  });

  it('answers bad names, bad base64 and unknown recipients with their reasons', async () => {
    const a = await user();
    const F = 'file tidak terkirim';
    expect(await a.ask(`SEND_FILE ${a.name} a/b aGk=`)).toEqual({
      status: 'ERROR',
      data: F,
      reason: 'bad_request',
    });
    expect(await a.ask(`SEND_FILE ${a.name} a.txt a`)).toEqual({
      status: 'ERROR',
      data: F,
      reason: 'bad_request',
    });
    expect(await a.ask(`SEND_FILE ${a.name}`)).toEqual({ status: 'ERROR', data: F, reason: 'bad_request' });
    expect(await a.ask(`SEND_FILE nobody${a.name} a.txt aGk=`)).toEqual({
      status: 'ERROR',
      data: F,
      reason: 'unknown_recipient',
    });
    const big = Buffer.alloc(24_000 + 1).toString('base64');
    expect(await a.ask(`SEND_FILE ${a.name} a.bin ${big}`)).toEqual({
      status: 'ERROR',
      data: F,
      reason: 'too_large',
    });
    expect(await a.ask(`SEND_GROUP_FILE nogroup${a.name} a.txt aGk=`)).toEqual({
      status: 'ERROR',
      data: F,
      reason: 'unknown_group',
    });
  });
});

describe('uploads', () => {
  async function upload(a: Awaited<ReturnType<typeof user>>, target: string, word = 'SEND_FILE') {
    const reply = (await a.ask(`${word} ${target} report.pdf`)) as {
      status: string;
      data: string;
      upload: {
        id: string;
        url: string;
        fields: Record<string, string>;
        maxBytes: number;
        expiresAt: string;
      };
    };
    expect(reply.status).toBe('OK');
    expect(reply.data).toBe('silakan unggah file');
    return reply.upload;
  }

  it('answer a form for uploads/<id>/ and deliver the sealed copy once it lands', async () => {
    const a = await user();
    const b = await user();
    const before = Date.now();
    const form = await upload(a, b.name);
    expect(form.fields.key).toBe(`uploads/${form.id}/report.pdf`);
    expect(form.fields['Content-Type']).toBe('application/pdf');
    expect(form.maxBytes).toBe(100);
    const expires = Date.parse(form.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 900_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 900_000);
    const record = await getFileRecord(form.id);
    expect(record).toMatchObject({ status: 'uploading', objectKey: `files/${form.id}/report.pdf` });

    bucket.set(form.fields.key as string, { body: Buffer.from('pdf!'), type: 'application/pdf' });
    expect(await fileArrived(form.fields.key as string, 4, api.endpoint, Date.now())).toBe('delivered');
    expect(b.pushes('FILE')[0]).toMatchObject({ id: form.id, filename: 'report.pdf', size: 4 });
    expect(a.pushes('FILE_SENT')[0]).toMatchObject({
      id: form.id,
      to: b.name,
      filename: 'report.pdf',
      size: 4,
    });
    expect(await getFileRecord(form.id)).toMatchObject({ status: 'ready', size: 4 });
    // Delivered once: a second event is ignored, and a second post of the form cannot replace the sealed bytes.
    bucket.set(form.fields.key as string, { body: Buffer.from('evil bytes'), type: 'application/pdf' });
    expect(await fileArrived(form.fields.key as string, 10, api.endpoint, Date.now())).toBe('ignored');
    expect(bucket.get(`files/${form.id}/report.pdf`)?.body.toString()).toBe('pdf!');
    expect(b.pushes('FILE')).toHaveLength(1);
  });

  it('deliver a group upload to the group', async () => {
    const a = await user();
    const b = await user();
    const g = fresh('ug');
    await a.ask(`GROUP_CREATE ${g}`);
    await b.ask(`GROUP_JOIN ${g}`);
    const form = await upload(a, g, 'SEND_GROUP_FILE');
    bucket.set(form.fields.key as string, { body: Buffer.from('x'), type: 'application/pdf' });
    expect(await fileArrived(form.fields.key as string, 1, api.endpoint, Date.now())).toBe('delivered');
    expect(b.pushes('GROUP_FILE')[0]).toMatchObject({ id: form.id, group: g, size: 1 });
    expect(a.pushes('FILE_SENT')[0]).toMatchObject({ id: form.id, group: g });
  });

  it('refuse an upload over the limit, telling the sender', async () => {
    const a = await user();
    const b = await user();
    const form = await upload(a, b.name);
    bucket.set(form.fields.key as string, { body: Buffer.alloc(101), type: 'application/pdf' });
    expect(await fileArrived(form.fields.key as string, 1, api.endpoint, Date.now())).toBe('too_large');
    expect(a.pushes('FILE_FAILED')).toEqual([{ event: 'FILE_FAILED', id: form.id, reason: 'too_large' }]);
    expect(b.pushes('FILE')).toEqual([]);
    const exact = await upload(a, b.name);
    bucket.set(exact.fields.key as string, { body: Buffer.alloc(100), type: 'application/pdf' });
    expect(await fileArrived(exact.fields.key as string, 100, api.endpoint, Date.now())).toBe('delivered');
  });

  it('do not deliver an upload whose recipient blocked the sender after the form was given (issue 22)', async () => {
    const a = await user();
    const b = await user();
    const form = await upload(a, b.name);
    expect(await b.ask(`BLOCK ${a.name}`)).toEqual({ status: 'OK', data: 'pengguna diblokir' });
    const key = form.fields.key as string;
    bucket.set(key, { body: Buffer.from('x'), type: 'application/pdf' });
    expect(await fileArrived(key, 1, api.endpoint, Date.now())).toBe('ignored');
    // The sender is told as for a recipient who no longer exists; the recipient gets nothing, and nothing is sealed.
    expect(a.pushes('FILE_FAILED')).toEqual([
      { event: 'FILE_FAILED', id: form.id, reason: 'unknown_recipient' },
    ]);
    expect(a.pushes('FILE_SENT')).toEqual([]);
    expect(b.pushes('FILE')).toEqual([]);
    expect(bucket.has(sealedKeyOf(key))).toBe(false);
    expect((await getFileRecord(form.id))?.status).not.toBe('ready');
    expect(await b.ask(`HISTORY ${a.name}`)).toEqual({ status: 'OK', data: [] });
    // After UNBLOCK a new form delivers again (the refused one stays refused).
    expect(await b.ask(`UNBLOCK ${a.name}`)).toEqual({ status: 'OK', data: 'blokir dibuka' });
    expect(await fileArrived(key, 1, api.endpoint, Date.now())).toBe('ignored');
    expect(b.pushes('FILE')).toEqual([]);
    const again = await upload(a, b.name);
    bucket.set(again.fields.key as string, { body: Buffer.from('x'), type: 'application/pdf' });
    expect(await fileArrived(again.fields.key as string, 1, api.endpoint, Date.now())).toBe('delivered');
    expect(b.pushes('FILE')).toHaveLength(1);
  });

  it('deliver an upload racing a BLOCK either wholly or not at all, and never once BLOCK answered (issue 22)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 0, max: 6 }),
        async (landAfter, blockAfter) => {
          const a = await user();
          const b = await user();
          const form = await upload(a, b.name);
          const key = form.fields.key as string;
          bucket.set(key, { body: Buffer.from('x'), type: 'application/pdf' });
          const later = <T>(ms: number, run: () => Promise<T>) =>
            new Promise((resolve) => setTimeout(resolve, ms)).then(run);
          let answered = false;
          let startedAfterAnswer = false;
          const [arrival] = await Promise.all([
            later(landAfter, () => {
              startedAfterAnswer = answered;
              return fileArrived(key, 1, api.endpoint, Date.now());
            }),
            later(blockAfter, async () => {
              expect(await b.ask(`BLOCK ${a.name}`)).toEqual({ status: 'OK', data: 'pengguna diblokir' });
              answered = true;
            }),
          ]);
          // An upload that lands after BLOCK's answer is never delivered.
          if (startedAfterAnswer) expect(arrival).toBe('ignored');
          // Delivered: the recipient has it and the sender is told FILE_SENT; refused: neither, and FILE_FAILED.
          const delivered = arrival === 'delivered';
          expect(['delivered', 'ignored']).toContain(arrival);
          expect(b.pushes('FILE')).toHaveLength(delivered ? 1 : 0);
          expect(a.pushes('FILE_SENT')).toHaveLength(delivered ? 1 : 0);
          expect(a.pushes('FILE_FAILED')).toEqual(
            delivered ? [] : [{ event: 'FILE_FAILED', id: form.id, reason: 'unknown_recipient' }],
          );
          expect(bucket.has(sealedKeyOf(key))).toBe(delivered);
          // The same upload landing again after BLOCK's answer delivers nothing more.
          expect(await fileArrived(key, 1, api.endpoint, Date.now())).toBe('ignored');
          expect(b.pushes('FILE')).toHaveLength(delivered ? 1 : 0);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('keep the record of an upload another arrival delivered while this one refused it (issue 22)', async () => {
    const a = await user();
    const b = await user();
    const form = await upload(a, b.name);
    expect(await b.ask(`BLOCK ${a.name}`)).toEqual({ status: 'OK', data: 'pengguna diblokir' });
    const key = form.fields.key as string;
    bucket.set(key, { body: Buffer.from('x'), type: 'application/pdf' });
    // While this arrival reads the block, an earlier arrival of the same upload (before the block) marks it delivered.
    const { db } = await import('../../shared/data/client.js');
    const { markUploaded } = await import('../../shared/data/files.js');
    let raced = false;
    intercept(db, 'race-a-delivery', (next) => async (args) => {
      if (!raced && String(args.input.Key?.pk ?? '').startsWith('BLOCKS#')) {
        raced = true;
        expect(await markUploaded(form.id, 1, new Date().toISOString())).toBe(true);
      }
      return next(args);
    });
    try {
      expect(await fileArrived(key, 1, api.endpoint, Date.now())).toBe('ignored');
    } finally {
      db.middlewareStack.remove('race-a-delivery');
    }
    expect(raced).toBe(true);
    // The refusal forgets only an upload still `uploading`: the delivered one keeps its record, and its sender is not
    // told FILE_FAILED after (or besides) the FILE_SENT of the arrival that delivered it.
    expect(await getFileRecord(form.id)).toMatchObject({ status: 'ready' });
    expect(a.pushes('FILE_FAILED')).toEqual([]);
  });

  it('ignore keys obrol did not make, and records that do not match', async () => {
    expect(await fileArrived('uploads/x/y', 1, api.endpoint, Date.now())).toBe('ignored');
    expect(await fileArrived(`uploads/${newId()}/y`, 1, api.endpoint, Date.now())).toBe('ignored');
    const a = await user();
    const form = await upload(a, a.name);
    bucket.set(`uploads/${form.id}/other.pdf`, { body: Buffer.from('x'), type: undefined });
    expect(await fileArrived(`uploads/${form.id}/other.pdf`, 1, api.endpoint, Date.now())).toBe('ignored');
  });

  it('hand a failed delivery back to S3’s retry, and tell the sender after the last attempt', async () => {
    const a = await user();
    const b = await user();
    const form = await upload(a, b.name);
    const key = form.fields.key as string;
    bucket.set(key, { body: Buffer.from('x'), type: undefined });
    api.gone.clear();
    // Storing the message fails: the arrival is undone, and S3 retries the event.
    const { db } = await import('../../shared/data/client.js');
    intercept(db, 'fail-dm-store', (next) => async (args) => {
      if (String(args.input.Item?.pk ?? '').startsWith('DM#')) throw new Error('store failed');
      return next(args);
    });
    try {
      for (let attempt = 1; attempt <= S3_EVENT_ATTEMPTS; attempt++) {
        await expect(fileArrived(key, 1, api.endpoint, Date.now())).rejects.toThrow('store failed');
        expect((await getFileRecord(form.id))?.status).toBe('uploading');
        expect(a.pushes('FILE_FAILED')).toHaveLength(attempt === S3_EVENT_ATTEMPTS ? 1 : 0);
      }
    } finally {
      db.middlewareStack.remove('fail-dm-store');
    }
    expect(a.pushes('FILE_FAILED')[0]).toEqual({
      event: 'FILE_FAILED',
      id: form.id,
      reason: 'internal_error',
    });
  });
});

describe('sealing and links', () => {
  it('seals uploads/ to files/, first copy wins, and fails loudly on other errors', async () => {
    expect(sealedKeyOf('uploads/ID/a%20b.txt')).toBe('files/ID/a%20b.txt');
    expect(sealedKeyOf('x/uploads/ID/a')).toBe('x/uploads/ID/a');
    bucket.set('uploads/S1/a%25.txt', { body: Buffer.from('one'), type: undefined });
    expect(await sealUpload('uploads/S1/a%25.txt')).toEqual({ objectKey: 'files/S1/a%25.txt', size: 3 });
    bucket.set('uploads/S1/a%25.txt', { body: Buffer.from('second'), type: undefined });
    expect(await sealUpload('uploads/S1/a%25.txt')).toEqual({ objectKey: 'files/S1/a%25.txt', size: 3 });
    failCopies.add('uploads/S2/b');
    await expect(sealUpload('uploads/S2/b')).rejects.toThrow('boom');
  });

  it('file events carry the object key to sign at push time, and the audience', () => {
    const base = {
      id: 'I',
      objectKey: 'files/I/a',
      filename: 'a',
      contentType: 't',
      from: userKeyOf('u'),
      fromName: 'U',
      status: 'ready' as const,
      size: 3,
      sentAt: 'S',
    };
    expect(fileEvent({ ...base, to: userKeyOf('v'), toName: 'V' })).toEqual({
      event: 'FILE',
      id: 'I',
      from: 'U',
      to: 'V',
      filename: 'a',
      size: 3,
      contentType: 't',
      sentAt: 'S',
      objectKey: 'files/I/a',
    });
    expect(fileEvent({ ...base, group: groupKeyOf('g'), groupName: 'G', size: undefined })).toMatchObject({
      event: 'GROUP_FILE',
      group: 'G',
      size: 0,
    });
  });

  it('link expiry never exceeds the lifetime asked for', () => {
    const url = 'http://h/b/k?X-Amz-Date=20260101T000000Z&X-Amz-Expires=7200';
    expect(linkExpiry(url, 0, 3600)).toBe(Date.parse('2026-01-01T00:00:00Z') + 3600_000);
    expect(linkExpiry('http://h/b/k?X-Amz-Date=20260101T000000Z&X-Amz-Expires=60', 0, 3600)).toBe(
      Date.parse('2026-01-01T00:00:00Z') + 60_000,
    );
    expect(linkExpiry('http://h/b/k?X-Amz-Date=20260101T000000Z&X-Amz-Expires=zz', 0, 3600)).toBe(
      Date.parse('2026-01-01T00:00:00Z') + 3600_000,
    );
  });
});
