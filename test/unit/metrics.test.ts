/**
 * The Embedded Metric Format emitter and the log levels: what a flush writes (the exact EMF shape CloudWatch
 * parses), when it writes nothing, and what dispatch and pushOne record.
 */

import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { log, logEnabled, threshold } from '../../shared/log.js';
import {
  emfDocuments,
  flushMetrics,
  type MetricEntry,
  metrics,
  NAMESPACE,
  pendingMetrics,
} from '../../shared/metrics.js';
import { userKeyOf } from '../../shared/protocol/names.js';
import { offlineDispatcher } from '../support/offline.js';

let dispatch: Awaited<ReturnType<typeof offlineDispatcher>>['dispatch'];
let createContext: Awaited<ReturnType<typeof offlineDispatcher>>['createContext'];

beforeAll(async () => {
  ({ dispatch, createContext } = await offlineDispatcher());
});

/** Flushes as a Lambda would and returns the parsed lines written to stdout. */
function flushOnLambda(properties?: Record<string, string | undefined>): Record<string, unknown>[] {
  const lines: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'obrol-default');
  try {
    flushMetrics(properties);
  } finally {
    write.mockRestore();
    vi.unstubAllEnvs();
  }
  for (const line of lines) expect(line.endsWith('\n')).toBe(true);
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

afterEach(() => {
  flushMetrics(); // drop anything a test left behind (written nowhere: not on Lambda, not at debug)
  vi.unstubAllEnvs();
});

describe('EMF documents', () => {
  it('writes one line with every metric, its unit, its dimensions and the properties', () => {
    metrics.count('Commands', 1, { command: 'SEND' });
    metrics.count('Commands', 1, { command: 'SEND' });
    metrics.duration('CommandDuration', 12.5, { command: 'SEND' });
    metrics.duration('CommandDuration', 3, { command: 'SEND' });
    metrics.count('PushesDelivered', 3);
    const [doc, ...more] = flushOnLambda({ requestId: 'req-1', connectionId: 'conn-1' });
    expect(more).toEqual([]);
    expect(doc).toMatchObject({
      Commands: 2,
      CommandDuration: [12.5, 3],
      PushesDelivered: 3,
      command: 'SEND',
      requestId: 'req-1',
      connectionId: 'conn-1',
    });
    const aws = (doc as { _aws: { Timestamp: number; CloudWatchMetrics: unknown[] } })._aws;
    expect(Math.abs(aws.Timestamp - Date.now())).toBeLessThan(60_000);
    expect(aws.CloudWatchMetrics).toEqual([
      {
        Namespace: NAMESPACE,
        Dimensions: [['command']],
        Metrics: [
          { Name: 'Commands', Unit: 'Count' },
          { Name: 'CommandDuration', Unit: 'Milliseconds' },
        ],
      },
      { Namespace: 'obrol', Dimensions: [[]], Metrics: [{ Name: 'PushesDelivered', Unit: 'Count' }] },
    ]);
    expect(pendingMetrics()).toEqual([]);
  });

  it('splits into a second document only when one dimension takes two values', () => {
    const entries: MetricEntry[] = [
      { name: 'Commands', unit: 'Count', dims: { command: 'SEND' }, values: [1] },
      { name: 'Commands', unit: 'Count', dims: { command: 'AUTH' }, values: [1] },
      { name: 'PushesFailed', unit: 'Count', dims: {}, values: [2] },
    ];
    const docs = emfDocuments(entries, 0);
    expect(docs).toHaveLength(2);
    expect(docs[0]).toMatchObject({ command: 'SEND', Commands: 1, PushesFailed: 2 });
    expect(docs[1]).toMatchObject({ command: 'AUTH', Commands: 1 });
    expect(docs[1]).not.toHaveProperty('PushesFailed');
  });

  it('keeps samples apart (a distribution) while counters add up', () => {
    metrics.sample('FanOutSize', 3);
    metrics.sample('FanOutSize', 40);
    metrics.count('MessagesQueued', 2);
    metrics.count('MessagesQueued', 5);
    const [doc] = flushOnLambda();
    expect(doc).toMatchObject({ FanOutSize: [3, 40], MessagesQueued: 7 });
    expect(JSON.stringify(doc)).toContain('{"Name":"FanOutSize","Unit":"Count"}');
  });

  it('keeps at most 100 samples of one duration, as EMF allows', () => {
    for (let i = 0; i < 150; i++) metrics.duration('CommandDuration', i, { command: 'PING' });
    const [doc] = flushOnLambda();
    expect((doc as { CommandDuration: number[] }).CommandDuration).toHaveLength(100);
  });

  it('writes nothing when nothing was recorded, and ignores non-finite values', () => {
    metrics.duration('CommandDuration', Number.NaN);
    expect(flushOnLambda()).toEqual([]);
  });

  it('stays off stdout locally unless LOG_LEVEL=debug', () => {
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      vi.stubEnv('OBROL_LOG', '');
      metrics.count('PushesDelivered');
      flushMetrics();
      expect(lines).toEqual([]);
      vi.stubEnv('LOG_LEVEL', 'debug');
      metrics.count('PushesDelivered');
      flushMetrics();
    } finally {
      write.mockRestore();
    }
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ PushesDelivered: 1 });
  });
});

describe('log levels', () => {
  it('is quiet locally (warn), follows the function on Lambda, and LOG_LEVEL overrides both', () => {
    expect(threshold({})).toBe('warn');
    expect(threshold({ AWS_LAMBDA_FUNCTION_NAME: 'f' })).toBe('info');
    expect(threshold({ AWS_LAMBDA_FUNCTION_NAME: 'f', AWS_LAMBDA_LOG_LEVEL: 'ERROR' })).toBe('error');
    expect(threshold({ LOG_LEVEL: 'DEBUG', AWS_LAMBDA_LOG_LEVEL: 'ERROR' })).toBe('debug');
    expect(threshold({ LOG_LEVEL: 'nonsense' })).toBe('warn');
    expect(threshold({ LOG_LEVEL: 'debug', OBROL_LOG: 'silent' })).toBe('silent');
    expect(logEnabled('info', {})).toBe(false);
    expect(logEnabled('error', {})).toBe(true);
    expect(logEnabled('info', { LOG_LEVEL: 'info' })).toBe(true);
  });
});

describe('log lines', () => {
  it("hand Lambda's JSON log format an object, so the fields stay fields beside its requestId", () => {
    const calls: unknown[][] = [];
    const info = vi.spyOn(console, 'info').mockImplementation((...args: unknown[]) => {
      calls.push(args);
    });
    try {
      vi.stubEnv('OBROL_LOG', '');
      vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'obrol-default');
      vi.stubEnv('AWS_LAMBDA_LOG_FORMAT', 'JSON');
      log.info('signed in', { connectionId: 'c1', user: 'bob', error: new Error('x') });
      log.debug('not at info');
    } finally {
      info.mockRestore();
    }
    expect(calls).toEqual([
      [{ message: 'signed in', connectionId: 'c1', user: 'bob', error: { name: 'Error', message: 'x' } }],
    ]);
  });
});

describe('what the handlers record', () => {
  const ctx = () => createContext('conn', 'http://127.0.0.1:9', Date.now());

  it('counts each command by word, times it, and counts errors by reason', async () => {
    await dispatch('PING', ctx());
    await dispatch('ping', ctx());
    await dispatch('SEND bob hello', ctx()); // the table is unreachable: internal_error
    await dispatch('PING extra', ctx()); // bad_request
    await dispatch('HELLO world', ctx()); // unknown words share one name
    const [first, second, third] = flushOnLambda();
    expect(first).toMatchObject({ command: 'PING', Commands: 3, CommandErrors: 1, reason: 'bad_request' });
    expect((first as { CommandDuration: number[] }).CommandDuration).toHaveLength(3);
    expect(first).toMatchObject({ InternalErrors: 1 });
    expect(second).toMatchObject({
      command: 'SEND',
      Commands: 1,
      CommandErrors: 1,
      reason: 'internal_error',
    });
    expect(third).toMatchObject({ command: 'UNKNOWN', Commands: 1, reason: 'unknown_request' });
    expect(JSON.stringify([first, second, third])).not.toContain('HELLO');
  });

  it('counts a push that could not be posted as failed', async () => {
    const { pushOne } = await import('../../shared/push/deliver.js');
    const outcome = await pushOne('http://127.0.0.1:9', { connectionId: 'c1', user: userKeyOf('bob') }, '{}');
    expect(outcome).toBe('failed');
    const [doc] = flushOnLambda();
    expect(doc).toMatchObject({ PushesFailed: 1 });
    expect(doc).not.toHaveProperty('PushesDelivered');
  });
});

describe('EMF dimension sets', () => {
  it('puts one metric name twice in separate documents, even when the dimensions do not disagree', () => {
    const entries: MetricEntry[] = [
      { name: 'Commands', unit: 'Count', dims: {}, values: [5] },
      { name: 'Commands', unit: 'Count', dims: { command: 'SEND' }, values: [2] },
    ];
    const docs = emfDocuments(entries, 0);
    expect(docs.map((doc) => doc.Commands)).toEqual([5, 2]);
  });

  it('groups metrics by their set of dimension names, whatever order they came in, and never confuses two sets', () => {
    const entries: MetricEntry[] = [
      { name: 'A', unit: 'Count', dims: { b: '1', a: '2' }, values: [1] },
      { name: 'B', unit: 'Count', dims: { a: '2', b: '1' }, values: [1] },
      { name: 'C', unit: 'Count', dims: { ab: '3' }, values: [1] },
    ];
    const [doc, ...more] = emfDocuments(entries, 0);
    expect(more).toEqual([]);
    expect((doc as { _aws: { CloudWatchMetrics: unknown[] } })._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: NAMESPACE,
        Dimensions: [['a', 'b']],
        Metrics: [
          { Name: 'A', Unit: 'Count' },
          { Name: 'B', Unit: 'Count' },
        ],
      },
      { Namespace: NAMESPACE, Dimensions: [['ab']], Metrics: [{ Name: 'C', Unit: 'Count' }] },
    ]);
  });

  it('leaves a property without a value out of the line', () => {
    metrics.count('PushesDelivered');
    const [doc] = flushOnLambda({ requestId: 'req-2', connectionId: undefined });
    expect(doc).toHaveProperty('requestId', 'req-2');
    expect(doc).not.toHaveProperty('connectionId');
  });

  it('adds up one counter whatever order its dimensions were given in', () => {
    metrics.count('Commands', 1, { command: 'SEND', reason: 'x' });
    metrics.count('Commands', 2, { reason: 'x', command: 'SEND' });
    expect(pendingMetrics()).toEqual([expect.objectContaining({ name: 'Commands', values: [3] })]);
  });
});
