// Real, unmodified OTel SDK pipelines pointed at a receiver, for the collector specs.
import type * as grpc from '@grpc/grpc-js';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { OtlpReceiver } from '../../src/collector/otlp-receiver';

type TraceExporterConfig = NonNullable<ConstructorParameters<typeof OTLPTraceExporter>[0]>;

/** The exporters' `compression: 'gzip'`, typed without importing their transitive enum. */
export const GZIP = 'gzip' as NonNullable<TraceExporterConfig['compression']>;

/** Exporter options the specs vary. */
export interface ExporterOptions {
  /** Defaults to `receiver.endpoint`. */
  url?: string;
  compression?: TraceExporterConfig['compression'];
  metadata?: grpc.Metadata;
  credentials?: grpc.ChannelCredentials;
  serviceName?: string;
}

/** A tracer provider exporting to `receiver` through a BatchSpanProcessor. */
export function tracingTo(
  receiver: OtlpReceiver,
  options: ExporterOptions = {},
): { provider: BasicTracerProvider; exporter: OTLPTraceExporter } {
  const exporter = new OTLPTraceExporter({
    url: options.url ?? receiver.endpoint,
    ...(options.compression ? { compression: options.compression } : {}),
    ...(options.metadata ? { metadata: options.metadata } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'collector-spec' }),
    // A long delay: spans leave only on forceFlush, so a spec controls the batches.
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 60_000 })],
  });
  return { provider, exporter };
}

/** A meter provider exporting to `receiver` every `intervalMs` (and on forceFlush). */
export function metricsTo(
  receiver: OtlpReceiver,
  options: ExporterOptions & { intervalMs?: number } = {},
): MeterProvider {
  const exporter = new OTLPMetricExporter({
    url: options.url ?? receiver.endpoint,
    ...(options.compression ? { compression: options.compression } : {}),
    ...(options.metadata ? { metadata: options.metadata } : {}),
  });
  const interval = options.intervalMs ?? 60_000;
  return new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'collector-spec' }),
    readers: [
      new PeriodicExportingMetricReader({
        exporter,
        exportIntervalMillis: interval,
        exportTimeoutMillis: Math.min(interval, 5_000),
      }),
    ],
  });
}
