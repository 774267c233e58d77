/**
 * The real handlers behind the local gateway, seen frame by frame: an answer over API Gateway's 32 KB frame limit
 * reaches the client as frames of at most 32 KB (continuation frames after the first), and joins into one
 * protocol frame.
 */
import { describe, expect, it } from 'vitest';
import { PASSWORD, uniqueName } from '../support/endpoint.js';
import { OP_CONTINUATION, OP_TEXT, RawSocket } from '../support/raw-socket.js';
import { useLocalRuntime } from '../support/runtime.js';

const env = useLocalRuntime();

describe('answers over 32 KB from the real handlers', () => {
  it('arrive as frames of at most 32 KB that join into one answer', async () => {
    const alice = await env.user('alice');
    const bob = uniqueName('bob');
    const raw = await RawSocket.open(env.runtime.url);
    try {
      const answers = () => raw.messages().filter((m) => m.includes('"status"'));
      const ask = async (line: string) => {
        const before = answers().length;
        raw.sendFrame(line);
        return raw.until(() => answers()[before], line.slice(0, 30));
      };
      expect(await ask(`REGISTER ${bob} ${PASSWORD} ID Bob`)).toContain('"OK"');
      expect(await ask(`AUTH ${bob} ${PASSWORD}`)).toContain('"OK"');
      // Six messages of 4,096 four-byte emoji: a HISTORY page of about 96 KB.
      for (let i = 0; i < 6; i++)
        expect(await alice.client.request(`SEND ${bob} ${i}${'😀'.repeat(4095)}`)).toMatchObject({
          status: 'OK',
        });
      const framesBefore = raw.frames.length;
      const page = await ask(`HISTORY ${alice.name}`);
      expect(Buffer.byteLength(page)).toBeGreaterThan(64 * 1024);
      expect(page.endsWith('\r\n\r\n')).toBe(true);
      expect(JSON.parse(page)).toMatchObject({ status: 'OK' });
      expect((JSON.parse(page).data as unknown[]).length).toBe(6);
      const frames = raw.frames
        .slice(framesBefore)
        .filter((f) => f.opcode === OP_TEXT || f.opcode === OP_CONTINUATION);
      const answerFrames = frames.slice(
        frames.findIndex((f) => f.opcode === OP_TEXT && f.payload.includes('"status"')),
      );
      expect(answerFrames.length).toBeGreaterThanOrEqual(3);
      for (const frame of answerFrames) expect(frame.payload.length).toBeLessThanOrEqual(32 * 1024);
      expect(answerFrames[0]?.fin).toBe(false);
    } finally {
      raw.end();
    }
  });
});
