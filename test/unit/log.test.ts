/**
 * Log lines (shared/log.ts): the line's shape with and without Lambda's JSON format, errors reduced to name and
 * message (no stack), where each level goes, and nothing below the threshold (test/unit/metrics.test.ts has how the
 * threshold is chosen). Console output is captured, not shown.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { log } from '../../shared/log.js';

const saved = { ...process.env };
let lines: { stream: string; line: unknown }[];

beforeEach(() => {
  lines = [];
  for (const stream of ['log', 'debug', 'info', 'warn', 'error'] as const)
    vi.spyOn(console, stream).mockImplementation((line: unknown) => {
      lines.push({ stream, line });
    });
  delete process.env.OBROL_LOG;
  delete process.env.AWS_LAMBDA_LOG_FORMAT;
  delete process.env.AWS_LAMBDA_LOG_LEVEL;
  delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  process.env.LOG_LEVEL = 'debug';
});

afterEach(() => {
  vi.restoreAllMocks();
  process.env = { ...saved };
});

describe('log', () => {
  it('writes one JSON line per call: info and debug to stdout, warn and error to stderr', () => {
    const error = Object.assign(new Error('boom'), { name: 'Oops' });
    log.debug('d', { a: 1 });
    log.info('i');
    log.warn('w', { error });
    log.error('e');
    expect(lines.map((l) => l.stream)).toEqual(['log', 'log', 'error', 'error']);
    const parsed = lines.map((l) => JSON.parse(String(l.line)) as Record<string, unknown>);
    expect(parsed.map((p) => [p.level, p.message])).toEqual([
      ['debug', 'd'],
      ['info', 'i'],
      ['warn', 'w'],
      ['error', 'e'],
    ]);
    expect(parsed[0]?.a).toBe(1);
    expect(parsed[2]?.error).toEqual({ name: 'Oops', message: 'boom' });
    expect(String(lines[2]?.line)).not.toContain('stack');
    expect(Date.parse(String(parsed[1]?.time))).toBeGreaterThan(0);
  });

  it("hands Lambda's JSON format an object per level, which Lambda stamps itself", () => {
    process.env.AWS_LAMBDA_LOG_FORMAT = 'json';
    log.debug('d');
    log.info('i', { user: 'u' });
    log.warn('w', { error: new TypeError('bad') });
    log.error('e');
    expect(lines).toEqual([
      { stream: 'debug', line: { message: 'd' } },
      { stream: 'info', line: { message: 'i', user: 'u' } },
      { stream: 'warn', line: { message: 'w', error: { name: 'TypeError', message: 'bad' } } },
      { stream: 'error', line: { message: 'e' } },
    ]);
  });

  it('writes nothing below the threshold, and nothing at all when silenced', () => {
    process.env.LOG_LEVEL = 'warn';
    log.info('no');
    log.debug('no');
    log.warn('yes');
    expect(lines).toHaveLength(1);
    process.env.OBROL_LOG = 'silent';
    log.error('no');
    expect(lines).toHaveLength(1);
  });
});
