/**
 * Faults in every AWS call of SEND_FILE / SEND_GROUP_FILE (inline, and the upload's arrival in
 * lambdas/file-uploaded.ts, which S3 invokes up to three times) and FILE_URL. Each row checks: the answer is honest,
 * a file acknowledged (`file terkirim`, or FILE_SENT after an upload) reaches its recipient and its link serves the
 * bytes sent, a file that failed reaches nobody, and an upload that cannot be delivered is answered FILE_FAILED to
 * its sender — never silence.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Frame } from '../support/client.js';
import { type User, uniqueName } from '../support/endpoint.js';
import { arm, deliveries, expectHonest, pairInGroup } from '../support/fault-checks.js';
import { db, type Faults, type Input, once, pkStarts, type Rule, rule, skStarts } from '../support/faults.js';
import { download, randomFile, sha256, type UploadForm, upload } from '../support/files.js';
import { useLocalRuntime } from '../support/runtime.js';

const local = useLocalRuntime({ env: { BUDGET_SENDS_BURST: '10000' } });
let faults: Faults;
let alice: User;
let bob: User;
let group: string;

beforeAll(async () => {
  ({ faults, alice, bob, group } = await pairInGroup(local));
});

const isFileRecord = (input: Input) => pkStarts('FILE#')(input);
/** The block (recipient, sender) the arrival of a private upload reads (issue 22). */
const isBlockPair = (input: Input) => pkStarts('BLOCKS#')(input) && skStarts('USER#')(input);
const isUpload = (input: Input) =>
  String(input?.Key).startsWith('files/') || String(input?.CopySource).includes('uploads/');

type FileRow = { name: string; rules: Rule[]; expect: 'delivered' | 'failed' };

/** Bob's pushes of this file (by its name), live and at a new login; the first one's link must serve `bytes`. */
async function reachedBob(filename: string, bytes: Buffer, enough?: number): Promise<number> {
  const n = await deliveries(() => local.connect(), bob, filename, { enough });
  const push = bob.client.pushes.find((p) => p.filename === filename);
  if (push) expect(sha256((await download(String(push.url))).bytes)).toBe(sha256(bytes));
  return n;
}

describe('an inline file with a fault', () => {
  const rows = (store: string): FileRow[] => [
    { name: 'the object cannot be written', rules: [rule('s3', 'PutObject', 'error')], expect: 'failed' },
    {
      name: 'the object write is throttled throughout',
      rules: [rule('s3', 'PutObject', 'throttle')],
      expect: 'failed',
    },
    {
      name: 'the object is written, its answer lost',
      rules: [rule('s3', 'PutObject', 'lie', undefined, once)],
      expect: 'delivered',
    },
    {
      name: 'the object write times out once',
      rules: [rule('s3', 'PutObject', 'timeout', undefined, once)],
      expect: 'delivered',
    },
    {
      name: 'the file record cannot be written',
      rules: [db('PutItem', 'error', isFileRecord)],
      expect: 'failed',
    },
    {
      name: 'the message cannot be stored',
      rules: [db('PutItem', 'error', pkStarts(store))],
      expect: 'failed',
    },
    { name: 'the push fails', rules: [rule('push', 'PostToConnection', 'error')], expect: 'delivered' },
  ];
  for (const [command, target, store] of [
    ['SEND_FILE', () => bob.name, 'DM#'],
    ['SEND_GROUP_FILE', () => group, 'GMSG#'],
  ] as const) {
    // SEND_GROUP_FILE shares storeInline with SEND_FILE: only its own store and push are tried again.
    for (const row of rows(store).filter(
      (r) => command === 'SEND_FILE' || r.name.startsWith('the message') || r.name.startsWith('the push'),
    )) {
      it(`${command} when ${row.name}: honest, and the file reaches bob exactly when acknowledged`, async () => {
        const filename = `${uniqueName('f')}.bin`;
        const bytes = randomFile(2048);
        const armed = arm(faults, row.rules);
        const answer = await alice.client.request(
          `${command} ${target()} ${filename} ${bytes.toString('base64')}`,
        );
        armed.done();
        expectHonest(answer, 'file tidak terkirim');
        expect(answer).toEqual(
          row.expect === 'delivered'
            ? { status: 'OK', data: 'file terkirim', id: expect.any(String) }
            : { status: 'ERROR', data: 'file tidak terkirim', reason: 'internal_error' },
        );
        if (row.expect === 'delivered')
          expect(await reachedBob(filename, bytes, 1)).toBeGreaterThanOrEqual(1);
        else expect(await reachedBob(filename, bytes)).toBe(0);
      });
    }
  }
});

describe('an upload with a fault on its arrival', () => {
  /** Starts an upload to bob (or the group), uploads it with `rules` armed, and waits for every S3 attempt. */
  async function uploadWith(rules: Rule[], to: 'bob' | 'group' = 'bob') {
    const filename = `${uniqueName('u')}.bin`;
    const bytes = randomFile(4096);
    const request =
      to === 'bob' ? `SEND_FILE ${bob.name} ${filename}` : `SEND_GROUP_FILE ${group} ${filename}`;
    const answer = await alice.client.request(request);
    expect(answer).toMatchObject({ status: 'OK', data: 'silakan unggah file' });
    const form = answer.upload as UploadForm & { id: string };
    const armed = arm(faults, rules);
    expect(await upload(form, bytes)).toBe(204);
    await local.runtime.uploadsSettled();
    armed.done();
    const told = await alice.client.nextPush((p: Frame) => p.id === form.id);
    return { filename, bytes, form, told };
  }

  const delivered: Array<{ name: string; rules: Rule[] }> = [
    // The SDK tries each call three times: failing three attempts fails one invocation, which S3 invokes again.
    {
      name: 'the file record cannot be read on the first invocation',
      rules: [db('GetItem', 'error', isFileRecord, { first: 3 })],
    },
    {
      name: 'the seal copy fails on the first invocation',
      rules: [rule('s3', 'CopyObject', 'error', isUpload, { first: 3 })],
    },
    {
      name: 'the seal copy succeeds, its answer lost',
      rules: [rule('s3', 'CopyObject', 'lie', isUpload, once)],
    },
    {
      name: "the sealed object's size cannot be read on the first invocation",
      rules: [rule('s3', 'HeadObject', 'error', undefined, { first: 3 })],
    },
    {
      name: 'the block cannot be read on the first invocation',
      rules: [db('GetItem', 'error', isBlockPair, { first: 3 })],
    },
    {
      name: 'the upload is marked arrived, its answer lost',
      rules: [db('UpdateItem', 'lie', isFileRecord, once)],
    },
    {
      name: 'the message store fails on the first invocation',
      rules: [db('PutItem', 'error', pkStarts('DM#'), { first: 3 })],
    },
    {
      name: 'the push to bob fails',
      rules: [rule('push', 'PostToConnection', 'error', () => true, { first: 2 })],
    },
  ];
  for (const row of delivered) {
    it(`is delivered, and FILE_SENT told, when ${row.name}`, async () => {
      const { filename, bytes, form, told } = await uploadWith(row.rules);
      expect(told).toMatchObject({ event: 'FILE_SENT', id: form.id, filename, size: bytes.length });
      expect(await reachedBob(filename, bytes, 1)).toBeGreaterThanOrEqual(1);
      const link = await bob.client.request(`FILE_URL ${form.id}`);
      expect(link).toMatchObject({ status: 'OK', data: { id: form.id, size: bytes.length } });
      expect(sha256((await download(String((link.data as { url: string }).url))).bytes)).toBe(sha256(bytes));
    });
  }

  const failed: Array<{ name: string; rules: Rule[]; to?: 'group' }> = [
    { name: 'the seal copy always fails', rules: [rule('s3', 'CopyObject', 'error', isUpload)] },
    { name: "the sealed object's size can never be read", rules: [rule('s3', 'HeadObject', 'error')] },
    { name: 'the message can never be stored', rules: [db('PutItem', 'error', pkStarts('DM#'))] },
    // Not knowing whether the recipient blocked the sender, the arrival delivers nothing (S3 retries, then gives up).
    { name: 'the block can never be read', rules: [db('GetItem', 'error', isBlockPair)] },
    {
      name: 'the group message can never be stored',
      rules: [db('PutItem', 'error', pkStarts('GMSG#'))],
      to: 'group',
    },
  ];
  for (const row of failed) {
    it(`is answered FILE_FAILED, and reaches nobody, when ${row.name}`, async () => {
      const { filename, form, told } = await uploadWith(row.rules, row.to);
      expect(told).toEqual({ event: 'FILE_FAILED', id: form.id, reason: 'internal_error' });
      expect(await deliveries(() => local.connect(), bob, filename)).toBe(0);
      expect(await bob.client.request(`FILE_URL ${form.id}`)).toMatchObject({ reason: 'unknown_file' });
    });
  }

  it('SEND_FILE answers internal_error, with no form, when the file record cannot be written', async () => {
    const armed = arm(faults, [db('PutItem', 'error', isFileRecord)]);
    expect(await alice.client.request(`SEND_FILE ${bob.name} x.bin`)).toEqual({
      status: 'ERROR',
      data: 'file tidak terkirim',
      reason: 'internal_error',
    });
    armed.done();
  });
});

describe('FILE_URL with a fault', () => {
  it('answers internal_error when the record or the membership cannot be read, and a link after a throttle', async () => {
    const filename = `${uniqueName('g')}.bin`;
    const bytes = randomFile(512);
    expect(
      await alice.client.request(`SEND_GROUP_FILE ${group} ${filename} ${bytes.toString('base64')}`),
    ).toMatchObject({
      status: 'OK',
    });
    const push = await bob.client.nextPush((p) => p.filename === filename);
    const request = `FILE_URL ${String(push.id)}`;
    const failure = { status: 'ERROR', data: 'link file gagal', reason: 'internal_error' };
    const carol = await local.user('carol');
    expect(await carol.client.request(`GROUP_JOIN ${group}`)).toMatchObject({ status: 'OK' });
    const isMembership = (input: Input) => String(input?.Key?.sk).startsWith('GROUP#');
    for (const failing of [db('GetItem', 'error', isFileRecord), db('GetItem', 'error', isMembership)]) {
      let armed = arm(faults, [failing]);
      // carol is neither sender nor recipient: her link depends on her membership.
      expect(await carol.client.request(request)).toEqual(failure);
      armed.done();
      armed = arm(faults, [{ ...failing, fault: 'throttle', when: once }]);
      const link = await carol.client.request(request);
      armed.done();
      expect(sha256((await download(String((link.data as { url: string }).url))).bytes)).toBe(sha256(bytes));
    }
  });
});
