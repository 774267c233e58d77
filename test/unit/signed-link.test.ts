/** The expiry announced with a download link is the one S3 enforces: signing second + lifetime. */
import { beforeAll, describe, expect, it } from 'vitest';

process.env.AWS_REGION ??= 'us-east-1';
process.env.TABLE_NAME ??= 'unit';

let linkExpiry: typeof import('../../shared/bucket/s3.js').linkExpiry;
beforeAll(async () => {
  ({ linkExpiry } = await import('../../shared/bucket/s3.js'));
});

const url = (date: string, expires: string) =>
  `http://127.0.0.1:1/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=${date}&X-Amz-Expires=${expires}&X-Amz-Signature=ab`;

describe('linkExpiry', () => {
  it('counts from the signing second, not from the request time within it', () => {
    const now = Date.parse('2026-11-27T11:35:52.900Z');
    expect(new Date(linkExpiry(url('20261127T113552Z', '3600'), now, 3600)).toISOString()).toBe(
      '2026-11-27T12:35:52.000Z',
    );
  });

  it('uses the signing time even when signing finished a second after the request', () => {
    const now = Date.parse('2026-11-27T11:35:52.999Z');
    expect(linkExpiry(url('20261127T113553Z', '1'), now, 1)).toBe(Date.parse('2026-11-27T11:35:54.000Z'));
  });

  it('falls back to the request second when the URL has no signing date', () => {
    const now = Date.parse('2026-11-27T11:35:52.900Z');
    expect(linkExpiry('http://127.0.0.1:1/b/k', now, 60)).toBe(Date.parse('2026-11-27T11:36:52.000Z'));
  });
});
