import type { MetricProducer } from '@opentelemetry/sdk-metrics';
import { AggregationTemporality, MetricReader } from '@opentelemetry/sdk-metrics';

/**
 * A metric reader that exports nothing and is read on demand by the test kit.
 * Delta temporality: each collect returns what was recorded since the last
 * one, so the kit can add collects up and reset between tests.
 */
export class CollectingMetricReader extends MetricReader {
  constructor(producers: MetricProducer[] = []) {
    super({
      aggregationTemporalitySelector: () => AggregationTemporality.DELTA,
      metricProducers: producers,
    });
  }

  protected override async onForceFlush(): Promise<void> {}

  protected override async onShutdown(): Promise<void> {}
}
