import type { Attributes } from '@opentelemetry/api';

/** One metric series as the test kit reports it: totals since the last reset. */
export interface MetricPoint {
  /** Metric name, e.g. `task.handle.count`. */
  readonly name: string;
  /** Unit, e.g. `s` or `{invocation}`. */
  readonly unit: string;
  /** The series' attributes, e.g. `{ task: 'enrich', task_id: 1, task_type: 'script' }`. */
  readonly attributes: Attributes;
  /** `sum` for counters, `histogram` for durations, `gauge` for last values. */
  readonly kind: 'sum' | 'histogram' | 'gauge';
  /** For sums and gauges: the value. For histograms: the count of recordings (see `histogram`). */
  readonly value: number;
  /** For histograms: number of recordings. */
  readonly count?: number;
  /** For histograms: sum of recorded values. */
  readonly sum?: number;
  /** For histograms: smallest recorded value. */
  readonly min?: number;
  /** For histograms: largest recorded value. */
  readonly max?: number;
  /** For histograms: count, sum, min, max and buckets together. */
  readonly histogram?: HistogramValue;
}

/** A histogram's recordings, as {@link TestTelemetry.histogram} gives them. */
export interface HistogramValue {
  /** Number of recordings. */
  readonly count: number;
  /** Sum of the recorded values (seconds for `*.duration`). */
  readonly sum: number;
  /** Smallest recorded value (`Infinity` when none). */
  readonly min: number;
  /** Largest recorded value (`-Infinity` when none). */
  readonly max: number;
  /** Upper bounds of the buckets, ascending. */
  readonly boundaries: readonly number[];
  /** Recordings per bucket: `counts[i]` are at most `boundaries[i]`; the last, above them all. */
  readonly counts: readonly number[];
}
