import { describe, expect, it } from 'vitest';
import {
  type Answer,
  allMembers,
  DEFAULT_LIMITS,
  fileCommand,
  inlineFrameBytes,
  limitsOf,
  REQUEST_TAG_BYTES,
  sendsInline,
  toBase64,
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
  it('sends 1..24,000 bytes inline and everything else through the upload form', () => {
    const bob = { user: 'bob' };
    expect([0, 1, 24_000, 24_001].map((size) => sendsInline(bob, 'a.bin', size))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('counts the inline frame exactly: UTF-8 bytes of the command, the name and the base64', () => {
    for (const target of [{ user: 'bob' }, { group: 'kantor' }]) {
      for (const name of ['a.txt', 'é😀.bin']) {
        for (const size of [1, 2, 3, 4, 100, 24_000]) {
          const line = fileCommand(target, name, toBase64(new Uint8Array(size)));
          expect(inlineFrameBytes(target, name, size)).toBe(new TextEncoder().encode(line).length);
        }
      }
    }
  });

  it('goes through the upload form whenever the whole frame would be over the frame limit', () => {
    const group = { group: 'g'.repeat(64) };
    const longName = `${'é'.repeat(126)}.b`; // 255 bytes
    // With the longest names the inline bound still fits in 32 KB (docs/PROTOCOL.md).
    expect(inlineFrameBytes(group, longName, 24_000)).toBeLessThanOrEqual(32_768);
    expect(sendsInline(group, longName, 24_000)).toBe(true);
    // A server that advertises a larger inline bound: the frame decides.
    const generous = { maxFrameBytes: 32_768, maxInlineFileBytes: 90_000 };
    // The frame holds the request tag too (REQUEST_TAG_BYTES).
    const room = 32_768 - REQUEST_TAG_BYTES;
    const fits = Math.floor((room - inlineFrameBytes({ user: 'bob' }, 'a.bin', 0)) / 4) * 3;
    expect(sendsInline({ user: 'bob' }, 'a.bin', fits, generous)).toBe(true);
    expect(inlineFrameBytes({ user: 'bob' }, 'a.bin', fits + 1)).toBeGreaterThan(room);
    expect(sendsInline({ user: 'bob' }, 'a.bin', fits + 1, generous)).toBe(false);
    // A smaller advertised frame is kept to.
    expect(
      sendsInline({ user: 'bob' }, 'a.bin', 1000, { maxFrameBytes: 1000, maxInlineFileBytes: 24_000 }),
    ).toBe(false);
  });

  it('reads the limits HELP advertises, and falls back to 32,768 and 24,000', () => {
    expect(
      limitsOf({ status: 'OK', data: [], maxFrameBytes: 16_384, maxInlineFileBytes: 10_000 } as never),
    ).toEqual({
      maxFrameBytes: 16_384,
      maxInlineFileBytes: 10_000,
    });
    expect(limitsOf({ status: 'OK', data: [] })).toEqual(DEFAULT_LIMITS);
    expect(DEFAULT_LIMITS).toEqual({ maxFrameBytes: 32_768, maxInlineFileBytes: 24_000 });
    expect(limitsOf({ status: 'OK', data: [], maxFrameBytes: -1, maxInlineFileBytes: '9' } as never)).toEqual(
      DEFAULT_LIMITS,
    );
    expect(limitsOf({ status: 'ERROR', data: 'bantuan gagal', maxFrameBytes: 5 } as never)).toEqual(
      DEFAULT_LIMITS,
    );
  });

  it('builds the file commands', () => {
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
