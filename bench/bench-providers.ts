import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { TelemetryProviders } from '../src';
import { NoopSpanExporter } from './span-counters';

/** A metric reader that is never collected during a run: recording cost only. */
class IdleMetricReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}

  protected override async onShutdown(): Promise<void> {}
}

/**
 * The providers every variant of the handler benchmark shares: a tracer
 * provider with a BatchSpanProcessor (default batch settings) over a no-op
 * exporter, and a meter provider whose reader is never collected.
 */
export function benchProviders(): TelemetryProviders {
  const tracerProvider = new NodeTracerProvider({
    spanProcessors: [new BatchSpanProcessor(new NoopSpanExporter())],
  });
  const meterProvider = new MeterProvider({ readers: [new IdleMetricReader()] });
  return {
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
