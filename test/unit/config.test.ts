import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';

process.env.AWS_REGION ??= 'us-east-1';
process.env.TABLE_NAME ??= 'unit';
delete process.env.QUEUE_URL;
const { ConfigError, loadConfig, queueUrl } = await import('../../shared/config.js');

describe('loadConfig', () => {
  it('reads the environment with documented defaults', () => {
    const config = loadConfig({ AWS_REGION: 'ap-southeast-3', TABLE_NAME: 't', BUCKET_NAME: 'b' });
    expect(config).toMatchObject({
      region: 'ap-southeast-3',
      tableName: 't',
      bucketName: 'b',
      callbackUrl: undefined,
      fileUrlTtlSeconds: 3600,
      uploadTtlSeconds: 900,
      maxUploadBytes: 100 * 1024 * 1024,
      s3PathStyle: false,
      queueUrl: undefined,
      maxGroupMembers: 1_000_000,
      maxGroupsPerUser: 500,
      authMaxFailures: 10,
      authMaxFailuresPerIp: 100,
      authWindowSeconds: 900,
      hashesInFlightPerIp: 16,
      hashLeaseSeconds: 30,
      hashConcurrency: Math.max(1, availableParallelism() - 1),
      budgets: {
        send: { rate: 10, burst: 100 },
        register: { rate: 0.1, burst: 10 },
        auth: { rate: 0.5, burst: 30 },
        create: { rate: 0.2, burst: 20 },
        typing: { rate: 5, burst: 20 },
        watch: { rate: 1, burst: 20 },
      },
    });
    expect(
      loadConfig({ AWS_REGION: 'r', TABLE_NAME: 't', AWS_ENDPOINT_URL: 'http://127.0.0.1:1' }).s3PathStyle,
    ).toBe(true);
  });

  it('reads every setting from its own variable, and an empty one as unset', () => {
    const config = loadConfig({
      AWS_REGION: 'r',
      TABLE_NAME: 't',
      CALLBACK_URL: 'http://cb',
      QUEUE_URL: 'http://q',
      FILE_URL_TTL_SECONDS: '11',
      UPLOAD_TTL_SECONDS: '12',
      MAX_UPLOAD_BYTES: '13',
      MAX_GROUP_MEMBERS: '14',
      MAX_GROUPS_PER_USER: '15',
      AUTH_MAX_FAILURES: '16',
      AUTH_MAX_FAILURES_PER_IP: '17',
      AUTH_WINDOW_SECONDS: '18',
      IP_INFLIGHT_HASHES: '24',
      IP_INFLIGHT_LEASE_SECONDS: '25',
      HASH_CONCURRENCY: '3',
      BUDGET_SENDS_PER_SECOND: '19',
      BUDGET_SENDS_BURST: '20',
      BUDGET_REGISTER_EVERY_SECONDS: '4',
      BUDGET_REGISTER_BURST: '21',
      BUDGET_AUTH_EVERY_SECONDS: '8',
      BUDGET_AUTH_BURST: '22',
      BUDGET_CREATE_EVERY_SECONDS: '10',
      BUDGET_CREATE_BURST: '23',
    });
    expect(config).toMatchObject({
      callbackUrl: 'http://cb',
      queueUrl: 'http://q',
      fileUrlTtlSeconds: 11,
      uploadTtlSeconds: 12,
      maxUploadBytes: 13,
      maxGroupMembers: 14,
      maxGroupsPerUser: 15,
      authMaxFailures: 16,
      authMaxFailuresPerIp: 17,
      authWindowSeconds: 18,
      hashesInFlightPerIp: 24,
      hashLeaseSeconds: 25,
      hashConcurrency: 3,
      budgets: {
        send: { rate: 19, burst: 20 },
        register: { rate: 0.25, burst: 21 },
        auth: { rate: 0.125, burst: 22 },
        create: { rate: 0.1, burst: 23 },
      },
    });
    expect(loadConfig({ AWS_REGION: 'r', TABLE_NAME: 't', UPLOAD_TTL_SECONDS: '' }).uploadTtlSeconds).toBe(
      900,
    );
    expect(new ConfigError('x').name).toBe('ConfigError');
  });

  it('fails fast, naming what is missing or malformed', () => {
    expect(() => loadConfig({ AWS_REGION: 'r' })).toThrow(
      new ConfigError('TABLE_NAME is not set: obrol needs it to start'),
    );
    expect(() => loadConfig({ TABLE_NAME: 't' })).toThrow(/AWS_REGION is not set/);
    expect(() => loadConfig({ AWS_REGION: 'r', TABLE_NAME: 't', MAX_UPLOAD_BYTES: '10MB' })).toThrow(
      /MAX_UPLOAD_BYTES must be a positive integer, got "10MB"/,
    );
    expect(() => loadConfig({ AWS_REGION: 'r', TABLE_NAME: 't', FILE_URL_TTL_SECONDS: '0' })).toThrow(
      ConfigError,
    );
  });

  it('reads the per-address budgets, an hour and high limits unless set', () => {
    const base = { AWS_REGION: 'r', TABLE_NAME: 't' };
    expect(loadConfig(base).addressBudgets).toEqual({
      windowSeconds: 3600,
      register: 1000,
      create: 1000,
      auth: 3000,
    });
    expect(
      loadConfig({
        ...base,
        IP_BUDGET_WINDOW_SECONDS: '60',
        IP_BUDGET_REGISTER: '1',
        IP_BUDGET_GROUP_CREATE: '2',
        IP_BUDGET_AUTH: '3',
      }).addressBudgets,
    ).toEqual({ windowSeconds: 60, register: 1, create: 2, auth: 3 });
    expect(() => loadConfig({ ...base, IP_BUDGET_AUTH: '0' })).toThrow(/IP_BUDGET_AUTH must be a positive/);
  });

  it("waits 2 s for a push's answer unless PUSH_TIMEOUT_MS (tests) says otherwise", () => {
    const base = { AWS_REGION: 'r', TABLE_NAME: 't' };
    expect(loadConfig(base).pushTimeoutMs).toBe(2000);
    expect(loadConfig({ ...base, PUSH_TIMEOUT_MS: '150' }).pushTimeoutMs).toBe(150);
    expect(() => loadConfig({ ...base, PUSH_TIMEOUT_MS: '0' })).toThrow(/PUSH_TIMEOUT_MS must be a positive/);
  });

  it("waits 2 s for an unfinished SEND_ID claim and polls 2 s for AUTH's answer unless tests say otherwise", () => {
    const base = { AWS_REGION: 'r', TABLE_NAME: 't' };
    expect(loadConfig(base)).toMatchObject({ sendIdWaitMs: 2000, catchUpAnswerPollMs: 2000 });
    expect(loadConfig({ ...base, SEND_ID_WAIT_MS: '40', CATCHUP_ANSWER_POLL_MS: '80' })).toMatchObject({
      sendIdWaitMs: 40,
      catchUpAnswerPollMs: 80,
    });
    expect(() => loadConfig({ ...base, SEND_ID_WAIT_MS: '0' })).toThrow(/SEND_ID_WAIT_MS must be a positive/);
    expect(() => loadConfig({ ...base, CATCHUP_ANSWER_POLL_MS: '2s' })).toThrow(
      /CATCHUP_ANSWER_POLL_MS must be a positive integer, got "2s"/,
    );
  });

  it('fences group pushes at 250 ms unless FENCE_MS (tests) says otherwise', () => {
    const base = { AWS_REGION: 'r', TABLE_NAME: 't' };
    expect(loadConfig(base).fenceMs).toBe(250);
    expect(loadConfig({ ...base, FENCE_MS: '40' }).fenceMs).toBe(40);
    expect(() => loadConfig({ ...base, FENCE_MS: '0' })).toThrow(/FENCE_MS must be a positive/);
  });

  it('hashes new passwords at scrypt N = 2^15 unless PASSWORD_HASH_N (tests) lowers it to a power of two', () => {
    const base = { AWS_REGION: 'r', TABLE_NAME: 't' };
    expect(loadConfig(base).passwordHashN).toBe(32768);
    expect(loadConfig({ ...base, PASSWORD_HASH_N: '1024' }).passwordHashN).toBe(1024);
    expect(loadConfig({ ...base, PASSWORD_HASH_N: '16384' }).passwordHashN).toBe(16384);
    for (const bad of ['512', '1000', '3072', '65536', '0']) {
      expect(() => loadConfig({ ...base, PASSWORD_HASH_N: bad })).toThrow(/PASSWORD_HASH_N must be/);
    }
    expect(() => loadConfig({ ...base, PASSWORD_HASH_N: '1025' })).toThrow(
      new ConfigError('PASSWORD_HASH_N must be a power of two from 1024 to 32768, got "1025"'),
    );
  });
});

describe('queueUrl', () => {
  it('fails loudly, naming the setting, in a handler that enqueues without a queue', () => {
    expect(() => queueUrl()).toThrow(
      new ConfigError('QUEUE_URL is not set: fan-out and offline delivery need it'),
    );
  });
});
