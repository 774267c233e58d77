/** The machine a run was taken on, for every report's header. */
import { readFileSync } from 'node:fs';
import { availableParallelism, platform, release } from 'node:os';
import type { Machine } from './report.js';

export function machine(): Machine {
  const cpuinfo = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return '';
    }
  })();
  return {
    cores: availableParallelism(),
    cpu: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? 'unknown CPU',
    node: process.version,
    platform: `${platform()} ${release()}`,
  };
}
