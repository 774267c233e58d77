/**
 * A delivered file is immutable: its upload form stays valid for minutes after delivery, and posting it again (with
 * other bytes) must change nothing that the recipient's link or FILE_URL serves.
 */
import { describe, expect, it } from 'vitest';
import { useEndpoint } from '../support/endpoint.js';
import { download, randomFile, sha256, type UploadForm, upload } from '../support/files.js';

const env = useEndpoint();

describe('a delivered upload', () => {
  it('serves exactly the delivered bytes and size after its form is posted again', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const form = (await alice.client.request(`SEND_FILE ${bob.name} kontrak.pdf`)).upload as UploadForm;
    const original = randomFile(3000);
    expect(await upload(form, original)).toBe(204);
    const push = await bob.client.nextPush();
    expect(push).toMatchObject({ event: 'FILE', id: form.id, size: original.length });
    expect(sha256((await download(String(push.url))).bytes)).toBe(sha256(original));

    // The same form, still valid, posted again with other bytes of another size.
    const swapped = randomFile(5000);
    expect(await upload(form, swapped)).toBe(204);

    const pushed = await download(String(push.url));
    expect(pushed.status).toBe(200);
    expect(sha256(pushed.bytes)).toBe(sha256(original));
    for (const user of [bob, alice]) {
      const answer = await user.client.request(`FILE_URL ${form.id}`);
      const data = answer.data as { size: number; url: string };
      expect(data.size).toBe(original.length);
      expect(sha256((await download(data.url)).bytes)).toBe(sha256(original));
    }
  });
});
