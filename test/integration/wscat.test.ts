import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Endpoint, PASSWORD, startEndpoint, uniqueName } from '../support/endpoint.js';

let endpoint: Endpoint;
const children: ChildProcessWithoutNullStreams[] = [];
beforeAll(async () => {
  endpoint = await startEndpoint();
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await endpoint.stop();
});

const wscatBin = join(dirname(createRequire(import.meta.url).resolve('wscat/package.json')), 'bin', 'wscat');

/** The real wscat CLI as a person uses it: lines typed in, answers printed out. */
class Wscat {
  private out = '';
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(url: string) {
    this.child = spawn(process.execPath, [wscatBin, '-c', url], { stdio: 'pipe' });
    children.push(this.child);
    this.child.stdout.on('data', (chunk) => {
      this.out += chunk;
    });
  }

  /** wscat drops lines typed before it has connected, so keep saying PING until it answers. */
  async ready(): Promise<void> {
    for (let i = 0; i < 100 && !this.out.includes('pong'); i++) {
      this.child.stdin.write('PING\n');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Types a line and waits until the output shows `expected` after everything printed so far. */
  async type(line: string, expected: string): Promise<void> {
    const from = this.out.length;
    this.child.stdin.write(`${line}\n`);
    for (let i = 0; i < 100 && !this.out.slice(from).includes(expected); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(this.out.slice(from)).toContain(expected);
  }

  /** Waits until `expected` has been printed (a push needs no line typed). */
  async waitFor(expected: string): Promise<void> {
    for (let i = 0; i < 100 && !this.out.includes(expected); i++) await new Promise((r) => setTimeout(r, 50));
    expect(this.out).toContain(expected);
  }
}

it('carries a conversation between two real wscat CLIs', async () => {
  const alice = uniqueName('alice');
  const bob = uniqueName('bob');
  const a = new Wscat(endpoint.url);
  const b = new Wscat(endpoint.url);
  await Promise.all([a.ready(), b.ready()]);

  await a.type(
    `REGISTER ${alice} ${PASSWORD} Indonesia Alice A`,
    '{"status":"OK","data":"registrasi berhasil"}',
  );
  await b.type(`REGISTER ${bob} ${PASSWORD} Indonesia Bob B`, '{"status":"OK","data":"registrasi berhasil"}');
  await a.type(`AUTH ${alice} ${PASSWORD}`, '{"status":"OK","data":"autentikasi berhasil"}');
  await b.type(`AUTH ${bob} ${PASSWORD}`, '{"status":"OK","data":"autentikasi berhasil"}');
  await a.type(`SEND ${bob} halo dari wscat`, '{"status":"OK","data":"pesan terkirim","id":"');
  await b.waitFor(`"from":"${alice}","to":"${bob}","message":"halo dari wscat"`);
  await b.type('WHAT', '{"status":"ERROR","data":"request tidak dikenali","reason":"unknown_request"}');
});
