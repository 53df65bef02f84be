import type { Attributes, Histogram } from '@opentelemetry/api';

/** Where a span site records the duration of each finished call, in seconds. */
export interface DurationRecorder {
  /** Records one duration in seconds. */
  record(seconds: number): void;
}

/**
 * Records through an SDK histogram instrument: used when the toolkit did not
 * build the meter provider's readers itself (providers given to
 * `registerTelemetryProviders`), so it cannot add its own aggregation.
 */
export class HistogramDurationRecorder implements DurationRecorder {
  constructor(
    private readonly histogram: Histogram,
    private readonly attributes: Attributes,
  ) {}

  record(seconds: number): void {
    this.histogram.record(seconds, this.attributes);
  }
}
