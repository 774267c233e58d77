/**
 * The fan-out settings docs/CAPACITY.md's plan depends on: the worker gets a full vCPU (pushes are CPU-bound in the
 * SDK) and its event source mapping a concurrency cap, so the last of 50,000 online devices has a message within 5 s
 * on AWS by the model in bench/capacity-model.ts, within the account's default concurrency.
 */
import { describe, expect, it } from 'vitest';
import { AWS_LATENCY, fanOutOnAws, QUOTAS } from '../../bench/capacity-model.js';
import { JOB_WORKER_MAX_CONCURRENCY, JOB_WORKER_MEMORY_MB } from '../../infra/stack.js';
import { build, functionId, functionProps } from './app.js';

const { template } = build();
const jobWorker = functionId(template, 'obrol job worker');

describe('fan-out capacity settings', () => {
  it('gives the worker one full vCPU (1769 MB)', () => {
    expect(functionProps(template, jobWorker).MemorySize).toBe(1769);
    expect(JOB_WORKER_MEMORY_MB).toBe(1769);
  });

  it('caps the job queue event source mapping at 100 concurrent batches, well inside 1,000', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: jobWorker },
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: JOB_WORKER_MAX_CONCURRENCY },
    });
    expect(JOB_WORKER_MAX_CONCURRENCY).toBe(100);
    expect(JOB_WORKER_MAX_CONCURRENCY).toBeLessThan(
      QUOTAS.lambdaAccountConcurrency - QUOTAS.lambdaUnreservedMinimum,
    );
  });

  it('meets 5 s for 50,000 online devices by the model with these settings, and missed it at 256 MB', () => {
    const common = {
      devices: 50_000,
      pageSize: 1000,
      pushConcurrency: 64,
      pushCpuMs: 0.7,
      latency: AWS_LATENCY,
    };
    const now = fanOutOnAws({
      ...common,
      workerMemoryMb: JOB_WORKER_MEMORY_MB,
      maxConcurrency: JOB_WORKER_MAX_CONCURRENCY,
    });
    expect(now.lastDeviceS).toBeLessThanOrEqual(5);
    expect(now.peakConcurrency).toBeLessThanOrEqual(JOB_WORKER_MAX_CONCURRENCY);
    expect(fanOutOnAws({ ...common, workerMemoryMb: 256 }).lastDeviceS).toBeGreaterThan(5);
  });
});
