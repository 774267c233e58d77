/**
 * The service's log lines as a test sees them: shared/log.ts writes one JSON line per entry with console.log
 * (debug, info) or console.error (warn, error), and nothing while OBROL_LOG is 'silent'. Captures them, parsed,
 * from now until the test's `vi.restoreAllMocks()` and `vi.unstubAllEnvs()`.
 */
import { vi } from 'vitest';

export type LogLine = Record<string, unknown>;

/**
 * Log lines written from now on at `level` and above, parsed, in the returned array (read it after the code ran).
 * `streams`: which console methods to capture (both by default; 'error' alone for warnings). `onLine` sees each
 * line as it is written.
 */
export function captureLogs(
  level: 'debug' | 'info' | 'warn' | 'error',
  streams: ReadonlyArray<'log' | 'error'> = ['log', 'error'],
  onLine?: (line: LogLine) => void,
): LogLine[] {
  const lines: LogLine[] = [];
  for (const stream of streams)
    vi.spyOn(console, stream).mockImplementation((line: unknown) => {
      const parsed = JSON.parse(String(line)) as LogLine;
      lines.push(parsed);
      onLine?.(parsed);
    });
  vi.stubEnv('OBROL_LOG', '');
  vi.stubEnv('LOG_LEVEL', level);
  return lines;
}
