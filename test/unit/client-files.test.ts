import { describe, expect, it } from 'vitest';
import {
  type Answer,
  allMembers,
  fileCommand,
  sendsInline,
  UploadError,
  type UploadRequest,
  upload,
  uploadFormOf,
} from '../../client/index.js';

const form = {
  id: '01M8',
  url: 'http://s3.local/bucket',
  fields: { 'Content-Type': 'application/pdf', key: 'uploads/01M8/a.pdf', Policy: 'p' },
  maxBytes: 1000,
  expiresAt: '2026-11-27T12:00:00.000Z',
};

describe('file helpers', () => {
  it('sends 1..92,160 bytes inline and everything else through the upload form', () => {
    expect([sendsInline(0), sendsInline(1), sendsInline(92_160), sendsInline(92_161)]).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect(fileCommand({ user: 'bob' }, 'a.txt', 'aGk=')).toBe('SEND_FILE bob a.txt aGk=');
    expect(fileCommand({ group: 'kantor' }, 'a.pdf')).toBe('SEND_GROUP_FILE kantor a.pdf');
  });

  it('reads the form of a `silakan unggah file` answer, and nothing from other answers', () => {
    expect(uploadFormOf({ status: 'OK', data: 'silakan unggah file', upload: form })).toEqual(form);
    expect(uploadFormOf({ status: 'OK', data: 'file terkirim' })).toBeUndefined();
    expect(
      uploadFormOf({ status: 'ERROR', data: 'file tidak terkirim', reason: 'too_large' }),
    ).toBeUndefined();
  });

  it('hands the transport every field, the content type and the body, and reports progress', async () => {
    const seen: UploadRequest[] = [];
    const progress: number[] = [];
    await upload(
      form,
      { filename: 'a.pdf', body: 'the-body', size: 10 },
      async (request) => {
        seen.push(request);
        request.onProgress(5, 10);
        request.onProgress(10, 10);
        return 204;
      },
      (sent) => progress.push(sent),
    );
    expect(seen[0]).toMatchObject({
      url: form.url,
      fields: form.fields,
      contentType: 'application/pdf',
      body: 'the-body',
    });
    expect(progress).toEqual([5, 10]);
  });

  it('fails on a refused upload, and refuses a body over maxBytes without sending it', async () => {
    await expect(upload(form, { filename: 'a.pdf', body: '', size: 10 }, async () => 403)).rejects.toEqual(
      new UploadError(403),
    );
    let called = false;
    const transport = async () => {
      called = true;
      return 204;
    };
    await expect(upload(form, { filename: 'a.pdf', body: '', size: 1001 }, transport)).rejects.toBeInstanceOf(
      UploadError,
    );
    expect(called).toBe(false);
  });

  it('allMembers follows next until the last page', async () => {
    const pages: Record<string, Answer> = {
      'GROUP_MEMBERS kantor': { status: 'OK', data: ['a', 'b'], next: 'b' },
      'GROUP_MEMBERS kantor b': { status: 'OK', data: ['c'] },
    };
    expect(await allMembers(async (line) => pages[line] as Answer, 'kantor')).toEqual(['a', 'b', 'c']);
  });
});
