import { AggregationTemporality, MetricReader } from '@opentelemetry/sdk-metrics';

/**
 * A metric reader that exports nothing and is read on demand by the test kit.
 * Delta temporality: each collect returns what was recorded since the last
 * one, so the kit can add collects up and reset between tests.
 */
export class CollectingMetricReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }

  protected override async onForceFlush(): Promise<void> {}

  protected override async onShutdown(): Promise<void> {}
}
