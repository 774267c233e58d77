/**
 * CloudWatch metrics through the Embedded Metric Format (EMF): the handlers record counts and durations while
 * they work, and `flushMetrics()` at the end of each invocation writes them as one JSON line on stdout, which
 * CloudWatch Logs turns into metrics in the `obrol` namespace. No SDK call, no extra dependency: a few hundred
 * bytes of bundle. The metric names are listed in docs/OPERATIONS.md; alarms and the dashboard depend on them.
 *
 * The line is written to stdout directly, not through `console`: Lambda's JSON log format wraps `console` output
 * in its own envelope (EMF would no longer be at the top level) and filters it by log level. Locally (outside
 * Lambda) it is written only at LOG_LEVEL=debug, so `npm start` and the tests stay quiet.
 */
import { logEnabled } from './log.js';

export const NAMESPACE = 'obrol';

type Unit = 'Count' | 'Milliseconds';
export type Dimensions = Readonly<Record<string, string>>;

export interface MetricEntry {
  readonly name: string;
  readonly unit: Unit;
  readonly dims: Dimensions;
  readonly values: number[];
  /** Counters add up into one value; durations and samples keep each value (a distribution). */
  readonly summed?: boolean;
}

/** EMF allows at most 100 values per metric in one document; counts are summed, so only durations grow. */
const MAX_VALUES = 100;

const pending = new Map<string, MetricEntry>();

function keyOf(name: string, dims: Dimensions): string {
  return JSON.stringify([name, ...Object.entries(dims).sort(([a], [b]) => (a < b ? -1 : 1))]);
}

function record(name: string, unit: Unit, value: number, dims: Dimensions, summed: boolean): void {
  if (!Number.isFinite(value)) return;
  const key = keyOf(name, dims);
  const entry = pending.get(key);
  if (!entry) {
    pending.set(key, { name, unit, dims, values: [value], summed });
  } else if (entry.summed) {
    entry.values[0] = (entry.values[0] ?? 0) + value;
  } else if (entry.values.length < MAX_VALUES) {
    entry.values.push(value);
  }
}

export const metrics = {
  /** Adds `value` (default 1) to a counter, e.g. `metrics.count('PushesDelivered')`. */
  count(name: string, value = 1, dims: Dimensions = {}): void {
    record(name, 'Count', value, dims, true);
  },
  /**
   * Records one sample of a size (unit Count) without adding it to the others, so CloudWatch keeps the
   * distribution: `metrics.sample('FanOutSize', recipients)` gives p99 fan-out, and its Sum is still the total.
   */
  sample(name: string, value: number, dims: Dimensions = {}): void {
    record(name, 'Count', value, dims, false);
  },
  /** Records one duration sample, in milliseconds; CloudWatch keeps the distribution (p50, p99). */
  duration(name: string, ms: number, dims: Dimensions = {}): void {
    record(name, 'Milliseconds', Math.round(ms * 1000) / 1000, dims, false);
  },
};

/** What the next flush would write, without clearing it (for tests). */
export function pendingMetrics(): readonly MetricEntry[] {
  return [...pending.values()];
}

/**
 * Two entries fit in one document when their names differ and their dimensions do not disagree: dimension
 * values and metric values are top-level keys of the document.
 */
function fits(doc: MetricEntry[], entry: MetricEntry): boolean {
  return doc.every(
    (other) =>
      other.name !== entry.name &&
      Object.entries(entry.dims).every(([k, v]) => other.dims[k] === undefined || other.dims[k] === v),
  );
}

/** The EMF documents for `entries`: normally one; more only when a dimension takes two values. */
export function emfDocuments(
  entries: readonly MetricEntry[],
  timestamp: number,
  properties: Readonly<Record<string, string | undefined>> = {},
): Record<string, unknown>[] {
  const docs: MetricEntry[][] = [];
  for (const entry of entries) {
    const doc = docs.find((d) => fits(d, entry));
    if (doc) doc.push(entry);
    else docs.push([entry]);
  }
  return docs.map((doc) => {
    const bySet = new Map<string, { keys: string[]; metrics: { Name: string; Unit: Unit }[] }>();
    const body: Record<string, unknown> = { ...properties };
    for (const entry of doc) {
      const keys = Object.keys(entry.dims).sort();
      const setKey = keys.join('\u0000');
      const set = bySet.get(setKey) ?? { keys, metrics: [] };
      set.metrics.push({ Name: entry.name, Unit: entry.unit });
      bySet.set(setKey, set);
      Object.assign(body, entry.dims);
      body[entry.name] = entry.values.length === 1 ? entry.values[0] : entry.values;
    }
    return {
      _aws: {
        Timestamp: timestamp,
        CloudWatchMetrics: [...bySet.values()].map((set) => ({
          Namespace: NAMESPACE,
          Dimensions: [set.keys],
          Metrics: set.metrics,
        })),
      },
      ...body,
    };
  });
}

function onLambda(): boolean {
  return process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
}

/**
 * Writes what was recorded since the last flush and forgets it. `properties` (e.g. the request id and the
 * connection id) go into the line as searchable fields, not dimensions: they cost nothing in CloudWatch.
 * Never throws: losing a metric must not fail a request.
 */
export function flushMetrics(properties: Readonly<Record<string, string | undefined>> = {}): void {
  if (pending.size === 0) return;
  const entries = [...pending.values()];
  pending.clear();
  if (!onLambda() && !logEnabled('debug')) return;
  try {
    // A property left undefined (no connection id, say) is left out of the line by JSON.stringify.
    for (const doc of emfDocuments(entries, Date.now(), properties)) {
      process.stdout.write(`${JSON.stringify(doc)}\n`);
    }
  } catch {
    // stdout closed: nothing useful to do.
  }
}
