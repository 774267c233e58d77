/**
 * Every file name the protocol allows (1–255 bytes of UTF-8) is stored and delivered by the local runtime, inline
 * and through the upload form, and no request ends the process (issue 23: a name of 241–255 bytes made s3rver fail
 * to write the object, and its unhandled stream error ended `npm start`). The runtime here is in this process, so
 * an uncaught exception from it fails the run.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { ChatClient } from '../support/client.js';
import { PASSWORD, uniqueName } from '../support/endpoint.js';
import { download, sha256, type UploadForm, upload } from '../support/files.js';
import { useLocalRuntime } from '../support/runtime.js';

const local = useLocalRuntime();

const bytes = (name: string) => Buffer.byteLength(name);
const NAMES = [
  '文'.repeat(83), // 249 bytes
  `${'文'.repeat(83)}.md`, // 252
  '文'.repeat(85), // 255
  `${'a'.repeat(251)}.txt`, // 255
  `${'é'.repeat(127)}x`, // 255
  `${'😀'.repeat(63)}.md`, // 255
  `${'ß'.repeat(120)}${'a'.repeat(15)}`, // 255
  '+plus.txt',
  '=equals.txt',
  `+${'文'.repeat(84)}`, // 253, escaped and split
];

describe('long file names on the local runtime', () => {
  it('every name is within the protocol’s bound', () => {
    for (const name of NAMES) expect(bytes(name)).toBeLessThanOrEqual(255);
    expect(NAMES.filter((name) => bytes(name) === 255)).toHaveLength(5);
  });

  it('sends each name inline, delivers it, and serves the same bytes by its link', async () => {
    const { alice, bob } = await local.pair();
    for (const name of NAMES) {
      const content = Buffer.from(`isi ${name}`);
      const answer = await alice.client.request(
        `SEND_FILE ${bob.name} ${name} ${content.toString('base64')}`,
      );
      expect(answer, name).toMatchObject({ status: 'OK' });
      const push = await bob.client.nextPush((p) => p.event === 'FILE' && p.filename === name);
      const got = await download(String(push.url));
      expect(got.status, name).toBe(200);
      expect(sha256(got.bytes), name).toBe(sha256(content));
    }
    expect(await alice.client.request('PING')).toMatchObject({ status: 'OK' });
  });

  it('sends each name through the upload form, delivers it, and serves the same bytes by its link', async () => {
    const { alice, bob } = await local.pair();
    for (const name of NAMES) {
      const answer = await alice.client.request(`SEND_FILE ${bob.name} ${name}`);
      expect(answer, name).toMatchObject({ status: 'OK' });
      const form = answer.upload as UploadForm;
      const content = Buffer.from(`unggahan ${name}`);
      expect(await upload(form, content, 'x.bin'), name).toBe(204);
      const push = await bob.client.nextPush((p) => p.event === 'FILE' && p.id === form.id);
      expect(push.filename).toBe(name);
      const got = await download(String(push.url));
      expect(sha256(got.bytes), name).toBe(sha256(content));
    }
    await local.runtime.uploadsSettled();
    expect(alice.client.pushes.filter((p) => p.event === 'FILE_FAILED')).toEqual([]);
    expect(await bob.client.request('PING')).toMatchObject({ status: 'OK' });
  });
});

/** This process's environment without what the runtime in it set (its engines, table, bucket, queue, keys). */
function ownEnv(): NodeJS.ProcessEnv {
  const set =
    /^(AWS_ENDPOINT_URL.*|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|TABLE_NAME|BUCKET_NAME|QUEUE_URL|CALLBACK_URL)$/;
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !set.test(name)));
}

describe('npm start with long file names', () => {
  it('stores and delivers them, and is still running afterwards', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const child = spawn(`${root}node_modules/.bin/tsx`, ['local/main.ts'], {
      cwd: root,
      env: { ...ownEnv(), PORT: '0', OBROL_LOG: 'silent' },
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      out += String(chunk);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const clients: ChatClient[] = [];
    try {
      await vi.waitFor(() => expect(out).toMatch(/listening on ws:\/\/127\.0\.0\.1:\d+/), {
        timeout: 60_000,
      });
      const url = /listening on (ws:\/\/\S+)/.exec(out)?.[1] as string;
      const login = async (prefix: string) => {
        const name = uniqueName(prefix);
        const client = await ChatClient.connect(url);
        clients.push(client);
        expect((await client.request(`REGISTER ${name} ${PASSWORD} ID ${prefix}`)).status).toBe('OK');
        expect((await client.request(`AUTH ${name} ${PASSWORD}`)).status).toBe('OK');
        return { name, client };
      };
      const alice = await login('alice');
      const bob = await login('bob');
      for (const name of NAMES) {
        const content = Buffer.from(name);
        const answer = await alice.client.request(
          `SEND_FILE ${bob.name} ${name} ${content.toString('base64')}`,
        );
        expect(answer, name).toMatchObject({ status: 'OK' });
        const push = await bob.client.nextPush((p) => p.event === 'FILE' && p.filename === name);
        expect(sha256((await download(String(push.url))).bytes), name).toBe(sha256(content));
      }
      const longest = NAMES[2] as string;
      const form = (await alice.client.request(`SEND_FILE ${bob.name} ${longest}`)).upload as UploadForm;
      expect(await upload(form, Buffer.from('lewat formulir'))).toBe(204);
      const push = await bob.client.nextPush((p) => p.event === 'FILE' && p.id === form.id);
      expect((await download(String(push.url))).bytes.toString()).toBe('lewat formulir');
      expect(await alice.client.request('PING')).toMatchObject({ status: 'OK' });
      expect(child.exitCode).toBeNull();
      expect(out).not.toContain('an error no request handled');
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
