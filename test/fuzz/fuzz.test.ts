/**
 * A small, seeded run of the fuzzer (the full one is `npm run fuzz`), and the oracle's own tests: it must flag
 * every kind of bad answer, or the run proves nothing.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../local/runtime.js';
import { docSeeds, type Frame, nextFrame, readDocSeeds } from './frames.js';
import { describeInput, runFuzz } from './fuzz.js';
import { judgeFrame } from './oracle.js';
import { Random } from './random.js';
import { buildWorld, watchForCrashes } from './world.js';

const PROTOCOL = join(import.meta.dirname, '..', '..', 'docs', 'PROTOCOL.md');

describe('the oracle', () => {
  it.each([
    ['{"status":"OK","data":"pong"}\r\n\r\n'],
    ['{"status":"ERROR","data":"request tidak dikenali","reason":"unknown_request"}\r\n\r\n'],
    ['{"event":"MESSAGE","id":"01ARZ3NDEKTSV4RRFFQ69G5FAV","from":"a","message":"x\\r\\ny"}\r\n\r\n'],
    ['{"event":"BATCH","id":"1","events":[{"event":"MESSAGE","id":"1"}]}\r\n\r\n'],
  ])('accepts the protocol frame %j', (text) => {
    expect(judgeFrame(text).problem).toBeUndefined();
  });

  it.each([
    ['{"message": "Internal server error", "connectionId":"x", "requestId":"y"}', 'Internal server error'],
    [
      '{"status":"ERROR","data":"request tidak dikenali","reason":"internal_error"}\r\n\r\n',
      'internal_error',
    ],
    ['{"status":"OK","data":"pong"}', 'does not end'],
    ['{"status":"OK","data":"pong"}\r\n', 'does not end'],
    ['{"status":"OK","data":"a\nb"}\r\n\r\n', 'raw CR or LF'],
    ['{"status":"ERROR","data":"x"}\r\n\r\n', 'without reason'],
    ['{"status":"FINE","data":"x"}\r\n\r\n', 'status'],
    ['{"status":"OK"}\r\n\r\n', 'without data'],
    ['not json\r\n\r\n', 'not JSON'],
    ['[1,2]\r\n\r\n', 'not a JSON object'],
    ['{"event":"MESSAGE"}\r\n\r\n', 'without event or id'],
    ['{"event":"BATCH","id":"1","events":[{"status":"OK"}]}\r\n\r\n', 'in BATCH'],
  ])('flags %j', (text, problem) => {
    expect(judgeFrame(text).problem).toContain(problem);
  });

  it('checks the request tag when it knows the request', () => {
    const tagged = '{"status":"OK","data":"pong","tag":"p1"}\r\n\r\n';
    const plain = '{"status":"OK","data":"pong"}\r\n\r\n';
    expect(judgeFrame(tagged, '#p1 PING').problem).toBeUndefined();
    expect(judgeFrame(tagged).problem).toBeUndefined();
    expect(judgeFrame(plain, 'PING').problem).toBeUndefined();
    expect(judgeFrame(plain, '#a.b PING').problem).toBeUndefined();
    expect(judgeFrame(plain, '#p1 PING').problem).toContain("request's tag");
    expect(judgeFrame('{"status":"OK","data":"pong","tag":"p2"}\r\n\r\n', '#p1 PING').problem).toContain(
      'p1',
    );
    expect(judgeFrame(tagged, 'PING').problem).toContain('untagged');
    expect(judgeFrame('{"event":"MESSAGE","id":"1","tag":"x"}\r\n\r\n').problem).toContain('push with a tag');
  });
});

describe('the frames', () => {
  it('takes its seeds from every command in docs/PROTOCOL.md', () => {
    const seeds = readDocSeeds(PROTOCOL);
    const words = new Set([...seeds.cheap, ...seeds.costly].map((s) => s.split(' ')[0]));
    for (const word of [
      'AUTH',
      'REGISTER',
      'LOGOUT',
      'SEND',
      'SEND_GROUP',
      'SEND_FILE',
      'FILE_URL',
      'GROUP_JOIN',
      'HISTORY',
      'PING',
    ]) {
      expect(words).toContain(word);
    }
    expect(docSeeds('`GROUP_JOIN nama` and\n### AUTH username password\n')).toEqual([
      'GROUP_JOIN nama',
      'AUTH username password',
    ]);
  });

  it('are the same for the same seed, stay within the frame limit unless meant to, and are varied', () => {
    const world = { users: ['u1', 'u2'], password: 'p', groups: ['g'], fileIds: [], messageIds: [] };
    const seeds = readDocSeeds(PROTOCOL);
    const run = (seed: number) => {
      const r = new Random(seed);
      return Array.from({ length: 3000 }, () => nextFrame(r, world, seeds));
    };
    const a = run(7);
    // Long enough to meet the rare mutations that multiply a frame's length.
    expect(() => run(11).concat(run(12), run(13), run(14))).not.toThrow();
    expect(run(7).map(describeInput)).toEqual(a.map(describeInput));
    expect(run(8).map(describeInput)).not.toEqual(a.map(describeInput));
    const within = (f: Frame) => f.oversize || f.data.length <= 32 * 1024;
    expect(a.every(within)).toBe(true);
    expect(a.some((f) => f.binary)).toBe(true);
    expect(a.some((f) => !Buffer.from(f.data.toString('utf8'), 'utf8').equals(f.data))).toBe(true);
    expect(a.some((f) => f.data.length > 20_000)).toBe(true);
    expect(a.some((f) => f.data.includes('\t'))).toBe(true);
  });
});

describe('a seeded run against the local runtime', () => {
  let runtime: Runtime;
  beforeAll(async () => {
    process.env.OBROL_LOG = 'silent';
    const { startRuntime } = await import('../../local/runtime.js');
    runtime = await startRuntime({ port: 0 });
  });
  afterAll(async () => {
    await runtime.stop();
  });

  it('answers 3,000 random and mutated frames with protocol frames only, and nothing crashes', async () => {
    const world = await buildWorld(runtime.url);
    const watch = watchForCrashes();
    let result: Awaited<ReturnType<typeof runFuzz>>;
    try {
      result = await runFuzz({
        url: runtime.url,
        world,
        docSeeds: readDocSeeds(PROTOCOL),
        frames: 3000,
        seconds: 120,
        seed: 20261127,
        connections: 6,
        loggedIn: 3,
      });
      await runtime.uploadsSettled();
    } finally {
      watch.stop();
    }
    expect(result.findings).toEqual([]);
    expect(watch.problems).toEqual([]);
    expect(result.sent).toBe(3000);
    expect(result.answers + result.oversizeCloses).toBe(3000);
  }, 180_000);
});
