import { describe, expect, it } from 'vitest';
import {
  type Answer,
  fileCommand,
  ObrolClient,
  sendsInline,
  toBase64,
  type UploadTransport,
  uploadFormOf,
  upload as uploadWith,
} from '../../client/index.js';
import { PASSWORD, uniqueName, useEndpoint } from '../support/endpoint.js';
import { download, INLINE_MAX_BYTES, randomFile, sha256, type UploadForm, upload } from '../support/files.js';

const env = useEndpoint();

const b64 = (bytes: Buffer) => bytes.toString('base64');

describe('SEND_FILE inline', () => {
  it.each([1, 1000, 20 * 1024, INLINE_MAX_BYTES])(
    'delivers a random %i-byte file byte for byte',
    async (size) => {
      const alice = await env.user('alice');
      const bob = await env.user('bob');
      const file = randomFile(size);
      expect(await alice.client.request(`SEND_FILE ${bob.name} data.bin ${b64(file)}`)).toEqual({
        status: 'OK',
        data: 'file terkirim',
        id: expect.stringMatching(/^[0-9A-Z]{26}$/),
      });
      const push = await bob.client.nextPush();
      expect(push).toMatchObject({
        event: 'FILE',
        from: alice.name,
        to: bob.name,
        filename: 'data.bin',
        size,
        contentType: 'application/octet-stream',
      });
      expect(Date.parse(String(push.expiresAt))).toBeGreaterThan(Date.now());
      const got = await download(String(push.url));
      expect(got.status).toBe(200);
      expect(sha256(got.bytes)).toBe(sha256(file));
    },
  );

  it('refuses a file one byte over the inline bound as too_large', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    expect(
      await alice.client.request(`SEND_FILE ${bob.name} big.bin ${b64(randomFile(INLINE_MAX_BYTES + 1))}`),
    ).toEqual({
      status: 'ERROR',
      data: 'file tidak terkirim',
      reason: 'too_large',
    });
    expect(bob.client.pushes).toHaveLength(0);
  });

  it('closes the connection (1009) for an inline file whose frame is over 32 KB', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    alice.client.socket.send(`SEND_FILE ${bob.name} big.bin ${b64(randomFile(30_000))}`);
    expect(await alice.client.closed()).toBe(1009);
    expect(bob.client.pushes).toHaveLength(0);
  });

  it('accepts base64 without padding', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const file = Buffer.from('ab');
    expect(
      await alice.client.request(`SEND_FILE ${bob.name} two.txt ${b64(file).replace(/=+$/, '')}`),
    ).toMatchObject({
      status: 'OK',
    });
    const push = await bob.client.nextPush();
    expect(push.contentType).toBe('text/plain');
    expect((await download(String(push.url))).bytes).toEqual(file);
  });

  it.each([
    ['bad base64', 'ok.bin', 'not*base64!'],
    ['a lone base64 character', 'ok.bin', 'QUJD='.slice(0, 1)],
    ['a parent-directory name', '..', 'QUJD'],
    ['a traversal name', '../../etc/passwd', 'QUJD'],
    ['a backslash name', '..\\..\\win.ini', 'QUJD'],
    ['a control character', 'a\u0001b.txt', 'QUJD'],
    ['a name over 255 bytes', `${'é'.repeat(128)}.txt`, 'QUJD'],
  ])('refuses %s as bad_request', async (_label, filename, content) => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    expect(await alice.client.request(`SEND_FILE ${bob.name} ${filename} ${content}`)).toEqual({
      status: 'ERROR',
      data: 'file tidak terkirim',
      reason: 'bad_request',
    });
    expect(await bob.client.request('PING')).toMatchObject({ data: 'pong' });
    expect(bob.client.pushes).toHaveLength(0);
  });

  it('answers unknown recipients and unauthenticated senders', async () => {
    const alice = await env.user('alice');
    expect(await alice.client.request(`SEND_FILE ${uniqueName('ghost')} a.txt QUJD`)).toMatchObject({
      reason: 'unknown_recipient',
    });
    const anon = await env.connect();
    expect(await anon.request(`SEND_FILE ${alice.name} a.txt QUJD`)).toMatchObject({
      reason: 'not_authenticated',
    });
  });
});

describe('SEND_GROUP_FILE', () => {
  it('reaches every member but the sender', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const carol = await env.user('carol');
    const group = uniqueName('grp');
    await alice.client.request(`GROUP_CREATE ${group}`);
    await bob.client.request(`GROUP_JOIN ${group}`);
    await carol.client.request(`GROUP_JOIN ${group}`);
    const file = randomFile(5000);
    expect(await alice.client.request(`SEND_GROUP_FILE ${group} notes.pdf ${b64(file)}`)).toEqual({
      status: 'OK',
      data: 'file terkirim',
      id: expect.stringMatching(/^[0-9A-Z]{26}$/),
    });
    for (const member of [bob, carol]) {
      const push = await member.client.nextPush();
      expect(push).toMatchObject({
        event: 'GROUP_FILE',
        group,
        from: alice.name,
        filename: 'notes.pdf',
        size: 5000,
      });
      expect(push.contentType).toBe('application/pdf');
      expect(sha256((await download(String(push.url))).bytes)).toBe(sha256(file));
    }
    expect(alice.client.pushes).toHaveLength(0);
    const outsider = await env.user('dave');
    expect(await outsider.client.request(`SEND_GROUP_FILE ${group} x.txt QUJD`)).toMatchObject({
      reason: 'not_a_member',
    });
  });
});

describe('offline recipients and FILE_URL', () => {
  it('gives an offline recipient a freshly signed working link at AUTH', async () => {
    const alice = await env.user('alice');
    const bob = uniqueName('bob');
    const setup = await env.connect();
    await setup.request(`REGISTER ${bob} ${PASSWORD} ID Bob`);
    const file = randomFile(2048);
    await alice.client.request(`SEND_FILE ${bob} later.bin ${b64(file)}`);

    const authAt = Date.now();
    const back = await env.connect();
    await back.request(`AUTH ${bob} ${PASSWORD}`);
    const push = await back.nextPush();
    expect(push).toMatchObject({ event: 'FILE', filename: 'later.bin', size: 2048 });
    expect(Date.parse(String(push?.expiresAt))).toBeGreaterThanOrEqual(authAt);
    expect(sha256((await download(String(push?.url))).bytes)).toBe(sha256(file));
  });

  it('re-issues links to the sender and the recipient, and to nobody else', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const eve = await env.user('eve');
    const file = randomFile(300);
    await alice.client.request(`SEND_FILE ${bob.name} secret.bin ${b64(file)}`);
    const { id } = await bob.client.nextPush();
    for (const who of [alice, bob]) {
      const answer = await who.client.request(`FILE_URL ${id}`);
      expect(answer).toMatchObject({ status: 'OK', data: { id, filename: 'secret.bin', size: 300 } });
      const url = (answer.data as { url: string }).url;
      expect(sha256((await download(url)).bytes)).toBe(sha256(file));
    }
    const refused = await eve.client.request(`FILE_URL ${id}`);
    expect(refused).toEqual({ status: 'ERROR', data: 'link file gagal', reason: 'unknown_file' });
    expect(await eve.client.request('FILE_URL 01ARZ3NDEKTSV4RRFFQ69G5FAV')).toEqual(refused);
    expect(await eve.client.request('FILE_URL nope')).toMatchObject({ reason: 'bad_request' });
  });
});

describe('large files by signed upload', () => {
  it('delivers an uploaded file to the recipient and tells the sender', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const answer = await alice.client.request(`SEND_FILE ${bob.name} video.mp4`);
    expect(answer).toMatchObject({ status: 'OK', data: 'silakan unggah file' });
    const form = answer.upload as UploadForm;
    expect(form.fields.key).toMatch(new RegExp(`^uploads/${form.id}/video.mp4$`));
    expect(bob.client.pushes).toHaveLength(0);

    const file = randomFile(300 * 1024);
    expect(await upload(form, file, 'video.mp4')).toBe(204);
    const push = await bob.client.nextPush();
    expect(push).toMatchObject({
      event: 'FILE',
      id: form.id,
      from: alice.name,
      filename: 'video.mp4',
      size: file.length,
    });
    expect(push.contentType).toBe('video/mp4');
    expect(sha256((await download(String(push.url))).bytes)).toBe(sha256(file));
    expect(await alice.client.nextPush()).toMatchObject({
      event: 'FILE_SENT',
      id: form.id,
      to: bob.name,
      size: file.length,
    });
  });

  it('delivers an empty file, which has no inline form, through the upload', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const form = (await alice.client.request(`SEND_FILE ${bob.name} empty.txt`)).upload as UploadForm;
    expect(await upload(form, Buffer.alloc(0), 'empty.txt')).toBe(204);
    const push = await bob.client.nextPush();
    expect(push).toMatchObject({ event: 'FILE', filename: 'empty.txt', size: 0 });
    const got = await download(String(push.url));
    expect(got.status).toBe(200);
    expect(got.bytes.length).toBe(0);
  });

  it('delivers an uploaded group file to every other member', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const group = uniqueName('grp');
    await alice.client.request(`GROUP_CREATE ${group}`);
    await bob.client.request(`GROUP_JOIN ${group}`);
    const form = (await alice.client.request(`SEND_GROUP_FILE ${group} slides.pdf`)).upload as UploadForm;
    const file = randomFile(150 * 1024);
    expect(await upload(form, file, 'slides.pdf')).toBe(204);
    const push = await bob.client.nextPush();
    expect(push).toMatchObject({ event: 'GROUP_FILE', group, filename: 'slides.pdf', size: file.length });
    expect(sha256((await download(String(push.url))).bytes)).toBe(sha256(file));
    expect(await alice.client.nextPush()).toMatchObject({ event: 'FILE_SENT', id: form.id, group });
  });

  it('refuses a form whose fields were tampered with', async () => {
    const alice = await env.user('alice');
    const bob = await env.user('bob');
    const form = (await alice.client.request(`SEND_FILE ${bob.name} a.txt`)).upload as UploadForm;
    const status = await upload(
      { ...form, fields: { ...form.fields, key: 'files/elsewhere.txt' } },
      Buffer.from('x'),
    );
    expect(status).toBe(403);
  });
});

/** What the terminal client and the web page do with a file, with fetch as the upload transport. */
const fetchTransport: UploadTransport = async (request) => {
  const body = new FormData();
  for (const [name, value] of Object.entries(request.fields)) body.append(name, value);
  body.append('file', new Blob([request.body as Uint8Array]), request.filename);
  const res = await fetch(request.url, { method: 'POST', body });
  await res.arrayBuffer();
  return res.status;
};

async function sendThroughClient(
  client: ObrolClient,
  to: string,
  filename: string,
  bytes: Uint8Array,
): Promise<{ inline: boolean; answer: Answer }> {
  const target = { user: to };
  if (sendsInline(target, filename, bytes.length, await client.limits())) {
    return { inline: true, answer: await client.request(fileCommand(target, filename, toBase64(bytes))) };
  }
  const answer = await client.request(fileCommand(target, filename));
  const form = uploadFormOf(answer);
  if (!form) throw new Error(`no upload form: ${JSON.stringify(answer)}`);
  await uploadWith(form, { filename, body: bytes, size: bytes.length }, fetchTransport);
  return { inline: false, answer };
}

describe('files from the protocol client', () => {
  it.each([
    [20 * 1024, true],
    [30 * 1024, false],
  ])('sends a %i-byte file (inline: %s) that arrives byte for byte', async (size, inline) => {
    const bob = await env.user('bob');
    const name = uniqueName('alice');
    const client = new ObrolClient(env.url).open();
    try {
      expect(await client.request(`REGISTER ${name} ${PASSWORD} ID Alice`)).toMatchObject({ status: 'OK' });
      expect(await client.login(name, PASSWORD)).toMatchObject({ status: 'OK' });
      expect(await client.limits()).toEqual({ maxFrameBytes: 32_768, maxInlineFileBytes: INLINE_MAX_BYTES });
      const file = randomFile(size);
      const sent = await sendThroughClient(client, bob.name, 'data.bin', file);
      expect(sent.inline).toBe(inline);
      expect(sent.answer).toMatchObject({
        status: 'OK',
        data: inline ? 'file terkirim' : 'silakan unggah file',
      });
      expect(client.state).toBe('online');
      const push = await bob.client.nextPush((p) => p.event === 'FILE');
      expect(push).toMatchObject({ from: name, filename: 'data.bin', size, id: sent.answer.id });
      const got = await download(String(push.url));
      expect(sha256(got.bytes)).toBe(sha256(file));
    } finally {
      client.close();
    }
  });
});
