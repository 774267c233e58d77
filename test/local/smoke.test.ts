/**
 * scripts/smoke.ts (`npm run smoke -- <WebSocketUrl>`) against the local runtime: GO on a working stack, with
 * everything it made deleted afterwards; NO-GO, still cleaning up, when file delivery is broken; NO-GO when nothing
 * answers at the URL.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runSmoke } from '../../scripts/smoke.js';
import { rule } from '../support/faults.js';
import { useLocalRuntime } from '../support/runtime.js';

const local = useLocalRuntime();

/** The deleted users cannot log in, and the group is gone. */
async function expectCleanedUp(result: Awaited<ReturnType<typeof runSmoke>>) {
  const probe = await local.connect();
  for (const user of result.users) {
    const answer = await probe.request(`AUTH ${user.name} ${user.password}`);
    expect(answer).toMatchObject({ status: 'ERROR', reason: 'invalid_credentials' });
  }
  const other = await local.user('probe');
  expect(await other.client.request(`GROUP_JOIN ${result.group}`)).toMatchObject({
    status: 'ERROR',
    reason: 'unknown_group',
  });
}

describe('the smoke test', () => {
  it('says GO against a working stack, having checked every part, and leaves nothing behind', async () => {
    const lines: string[] = [];
    const result = await runSmoke(local.runtime.url, { log: (line) => lines.push(line) });
    expect(result.steps.filter((s) => !s.ok)).toEqual([]);
    expect(result.go).toBe(true);
    expect(result.steps.map((s) => s.name)).toEqual([
      'connect',
      'register two throw-away users',
      'private message',
      'presence (WATCH, STATUS, PRESENCE on logout and login)',
      'group: create, join, message',
      'inline file: sent, pushed with a link, downloaded intact',
      'uploaded file: form, S3 POST, delivery, sealed copy downloaded intact',
      'clean up (GROUP_DELETE, DELETE_ACCOUNT)',
    ]);
    expect(lines).toHaveLength(result.steps.length);
    await expectCleanedUp(result);
  });

  it('says NO-GO, naming the step, when uploads cannot be sealed, and still cleans up', async () => {
    const faults = await local.faults();
    const armed = faults.inject(rule('s3', 'CopyObject', 'error'));
    try {
      const result = await runSmoke(local.runtime.url);
      expect(result.go).toBe(false);
      expect(result.steps.filter((s) => !s.ok).map((s) => s.name)).toEqual([
        'uploaded file: form, S3 POST, delivery, sealed copy downloaded intact',
      ]);
      expect(result.steps.find((s) => !s.ok)?.error).toMatch(/FILE_FAILED/);
      await expectCleanedUp(result);
    } finally {
      armed.disarm();
    }
  });

  it('runs no check once the time for the checks is up (NO-GO), and still cleans up', async () => {
    const result = await runSmoke(local.runtime.url, { checksTimeoutMs: 0 });
    expect(result.go).toBe(false);
    expect(result.steps).toEqual([
      expect.objectContaining({ name: 'connect', ok: false, error: expect.stringMatching(/not run/) }),
      expect.objectContaining({ name: 'clean up (GROUP_DELETE, DELETE_ACCOUNT)', ok: true }),
    ]);
  });

  it('says NO-GO when nothing answers at the URL', async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const result = await runSmoke(`ws://127.0.0.1:${port}`, { stepTimeoutMs: 1_000 });
    expect(result.go).toBe(false);
    expect(result.steps[0]).toMatchObject({ name: 'connect', ok: false });
  });
});
