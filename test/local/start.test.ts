/** `npm start` (local/main.ts) as a user runs it: on a port that is taken it says which, and how to pick another. */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let taken: Server;
let port: number;

beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  port = (taken.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

describe('npm start', () => {
  it('names the taken port and the way out, without a stack trace, and exits 1', async () => {
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      const child = execFile(
        `${ROOT}node_modules/.bin/tsx`,
        ['local/main.ts'],
        { cwd: ROOT, env: { ...process.env, PORT: String(port) }, timeout: 60_000 },
        (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
      );
    });
    expect(code).toBe(1);
    expect(stderr).toContain(`127.0.0.1:${port}: the port is already in use`);
    expect(stderr).toContain(`PORT=${port + 1} npm start`);
    expect(stderr).not.toMatch(/EADDRINUSE|\n\s+at /);
    expect(stdout).not.toContain('listening');
  });
});
