import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { TelemetryProviders } from '../src';
import { TelemetryBatchConfig } from '../src/config/telemetry-batch-config';
import { SpanExportProcessor } from '../src/telemetry/export/span-export-processor';
import { SpanDurationProducer } from '../src/telemetry/span-duration-producer';
import { NoopSpanExporter } from './span-counters';

/** A metric reader that is never collected during a run: recording cost only. */
class IdleMetricReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}

  protected override async onShutdown(): Promise<void> {}
}

/**
 * The providers every variant of the handler benchmark shares: a tracer
 * provider with the toolkit's span export (each span encoded as it ends,
 * sent from the worker thread to `endpoint`, default batch settings) or,
 * without an endpoint, a BatchSpanProcessor over a no-op exporter; and a
 * meter provider whose reader is never collected.
 *
 * The reader also has the toolkit's own duration aggregation as a metric
 * producer, as `registerTelemetry` builds it. `durations` is NOT part of the
 * returned providers: given to `registerTelemetryProviders` as they are, the
 * toolkit records `<span>.duration` on an SDK histogram of the meter provider
 * (what it does with providers it did not build); pass
 * `{ ...providers, durations }` to measure the `registerTelemetry` way.
 */
export function benchProviders(endpoint?: string): TelemetryProviders & {
  readonly toolkitDurations: SpanDurationProducer;
} {
  const batch = new TelemetryBatchConfig();
  const spanProcessor =
    endpoint === undefined
      ? new BatchSpanProcessor(new NoopSpanExporter())
      : new SpanExportProcessor({
          transport: { url: endpoint, timeoutMs: batch.exportTimeoutMs, env: {}, retry: {} },
          maxExportBatchSize: batch.max_export_batch_size,
          scheduledDelayMs: batch.scheduledDelayMs,
          maxQueueBytes: batch.max_queue_bytes,
          shutdownTimeoutMs: 5_000,
        });
  const tracerProvider = new NodeTracerProvider({ spanProcessors: [spanProcessor] });
  const toolkitDurations = new SpanDurationProducer();
  const meterProvider = new MeterProvider({
    readers: [new IdleMetricReader({ metricProducers: [toolkitDurations] })],
  });
  return {
    toolkitDurations,
    tracerProvider,
    meterProvider,
    forceFlush: async () => {
      await Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush()]);
    },
    shutdown: async () => {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}
