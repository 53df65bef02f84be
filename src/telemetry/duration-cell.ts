import type { Attributes, HrTime } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import type { DurationRecorder } from './duration-recorder';

/** Totals of a duration histogram over some interval. */
export interface DurationTotals {
  /** Per-bucket counts; one more than there are boundaries. */
  readonly counts: number[];
  /** Number of recordings. */
  readonly count: number;
  /** Sum of recorded values. */
  readonly sum: number;
  /** Smallest recorded value (Infinity when none). */
  readonly min: number;
  /** Largest recorded value (-Infinity when none). */
  readonly max: number;
}

/**
 * The explicit-bucket histogram of one `<span>.duration` series, kept by the
 * toolkit itself: a record is a bucket search and four additions, with no
 * attribute hashing or map lookup (the SDK instrument's cost per call). The
 * {@link SpanDurationProducer} hands the totals to the metric reader.
 */
export class DurationCell implements DurationRecorder {
  /** When the series started (the start time of cumulative points). */
  public readonly startTime: HrTime = hrTime();
  private readonly counts: number[];
  private count = 0;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;
  private intervalMin = Infinity;
  private intervalMax = -Infinity;
  private reported: DurationTotals;

  constructor(
    /** Metric name, e.g. `task.handle.duration`. */
    public readonly name: string,
    /** The series' attributes. */
    public readonly attributes: Attributes,
    /** Upper bounds of the buckets (inclusive), ascending. */
    public readonly boundaries: readonly number[],
  ) {
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
    this.reported = this.totals();
  }

  record(seconds: number): void {
    const bounds = this.boundaries;
    let i = 0;
    while (i < bounds.length && seconds > (bounds[i] as number)) i++;
    (this.counts[i] as number)++;
    this.count++;
    this.sum += seconds;
    if (seconds < this.intervalMin) this.intervalMin = seconds;
    if (seconds > this.intervalMax) this.intervalMax = seconds;
  }

  /** Totals since the series started. */
  totals(): DurationTotals {
    return {
      counts: [...this.counts],
      count: this.count,
      sum: this.sum,
      min: Math.min(this.min, this.intervalMin),
      max: Math.max(this.max, this.intervalMax),
    };
  }

  /** Totals since the last call (for delta temporality), min and max of that interval included. */
  takeDelta(): DurationTotals {
    const now = this.totals();
    const before = this.reported;
    const delta: DurationTotals = {
      counts: now.counts.map((c, i) => c - (before.counts[i] ?? 0)),
      count: now.count - before.count,
      sum: now.sum - before.sum,
      min: this.intervalMin,
      max: this.intervalMax,
    };
    this.reported = now;
    this.foldInterval();
    return delta;
  }

  /*
   * Min and max are kept per interval (since the last delta) and folded into
   * the series' own when an interval closes, so one record updates two fields.
   */
  private foldInterval(): void {
    this.min = Math.min(this.min, this.intervalMin);
    this.max = Math.max(this.max, this.intervalMax);
    this.intervalMin = Infinity;
    this.intervalMax = -Infinity;
  }
}
