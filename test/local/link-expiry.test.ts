/**
 * Download links with a two-second lifetime: the expiry a push announces is never later than the one S3
 * enforces, an expired link is refused, and FILE_URL hands out a fresh one. Its own file (and runtime)
 * because the lifetime is read once per process, and other file tests must not race such short links.
 */
import { describe, expect, it } from 'vitest';
import { download } from '../support/files.js';
import { useLocalRuntime } from '../support/runtime.js';

const TTL_SECONDS = 2;

const local = useLocalRuntime({ env: { FILE_URL_TTL_SECONDS: String(TTL_SECONDS) } });

async function sentFile() {
  const { alice, bob } = await local.pair();
  await alice.client.request(
    `SEND_FILE ${bob.name} short.txt ${Buffer.from('soon gone').toString('base64')}`,
  );
  return { bob, push: await bob.client.nextPush() };
}

/** When S3 stops honouring the link: its signing second plus its lifetime, read from the URL itself. */
function realExpiry(url: string): number {
  const query = new URL(url).searchParams;
  const date = String(query.get('X-Amz-Date')).replace(
    /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
    '$1-$2-$3T$4:$5:$6Z',
  );
  return Date.parse(date) + Number(query.get('X-Amz-Expires')) * 1000;
}

describe('links', () => {
  it('announces an expiry no later than the link really expires', async () => {
    const { push } = await sentFile();
    const announced = Date.parse(String(push.expiresAt));
    expect(Number(new URL(String(push.url)).searchParams.get('X-Amz-Expires'))).toBe(TTL_SECONDS);
    expect(announced).toBeLessThanOrEqual(realExpiry(String(push.url)));
    expect(announced).toBeGreaterThan(Date.parse(String(push.sentAt)));
  });

  it('refuses a link once it has expired, and FILE_URL gives a fresh one', async () => {
    const { bob, push } = await sentFile();
    const expiresAt = Date.parse(String(push.expiresAt));
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 1100));
    expect((await download(String(push.url))).status).toBe(403);

    // A fresh link lives 1–2 s (S3 counts from its signing second); on a loaded machine the download may
    // miss that window, so a refused fresh link is asked for again, a few times at most.
    let status = 0;
    let text = '';
    for (let attempt = 0; attempt < 5 && status !== 200; attempt++) {
      const again = await bob.client.request(`FILE_URL ${push.id}`);
      expect(again.status).toBe('OK');
      const got = await download((again.data as { url: string }).url);
      status = got.status;
      text = got.bytes.toString();
      if (status !== 200) expect(status).toBe(403);
    }
    expect(status).toBe(200);
    expect(text).toBe('soon gone');
  });
});
