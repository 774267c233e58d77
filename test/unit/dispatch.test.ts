/**
 * The dispatcher with every AWS call failing at once: whatever the frame, the answer is one well-formed
 * protocol frame (never a throw, never a stack trace).
 */

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { offlineDispatcher } from '../support/offline.js';

let dispatch: Awaited<ReturnType<typeof offlineDispatcher>>['dispatch'];
let createContext: Awaited<ReturnType<typeof offlineDispatcher>>['createContext'];

beforeAll(async () => {
  ({ dispatch, createContext } = await offlineDispatcher());
});

const words = [
  'AUTH',
  'LOGOUT',
  'REGISTER',
  'SEND',
  'SEND_GROUP',
  'SEND_FILE',
  'GROUP_JOIN',
  'GROUPS',
  'INBOX',
  'PING',
  'X',
];

describe('dispatch', () => {
  it('answers any frame with one protocol reply, even with every AWS call failing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.tuple(fc.constantFrom(...words), fc.string()).map(([w, rest]) => `${w} ${rest}`),
        ),
        async (frame) => {
          const reply = await dispatch(frame, createContext('conn', 'http://127.0.0.1:9', Date.now()));
          expect(['OK', 'ERROR']).toContain(reply.status);
          expect(reply).not.toHaveProperty('event');
          if (reply.status === 'ERROR') expect(typeof reply.reason).toBe('string');
          expect(JSON.stringify(reply)).not.toContain('engine unreachable');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('turns an AWS failure into internal_error with the command failure string', async () => {
    expect(await dispatch('SEND bob hello', createContext('conn', 'http://127.0.0.1:9', Date.now()))).toEqual(
      {
        status: 'ERROR',
        data: 'pesan tidak terkirim',
        reason: 'internal_error',
      },
    );
  });
});

describe('unknown requests', () => {
  it("answers an unknown word with the protocol's own failure, without touching AWS", async () => {
    expect(await dispatch('HELLO world', createContext('conn', 'http://127.0.0.1:9', Date.now()))).toEqual({
      status: 'ERROR',
      data: 'request tidak dikenali',
      reason: 'unknown_request',
    });
  });
});
