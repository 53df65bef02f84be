import { readFileSync } from 'node:fs';
import { credentials as grpcCredentials } from '@grpc/grpc-js';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { Sampler, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { resolveResourceAttributes } from '../config/otel-env';
import type { TelemetryConfig } from '../config/telemetry-config';
import { MAX_ATTRIBUTE_LENGTH } from './attribute-values';
import { bounded } from './bounded';
import type { TelemetryProviders } from './register-providers';

/** How long `shutdown()` may take before it gives up on an unreachable collector. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;

/** Optional parts of the providers that a config does not say. */
export interface CreateProvidersOptions {
  /** Trace sampler (default: parent-based, always on). */
  readonly sampler?: Sampler;
  /** Replaces the OTLP/gRPC span exporter (benchmarks use a no-op one). */
  readonly spanExporter?: SpanExporter;
  /** Replaces the OTLP/gRPC metric exporter. */
  readonly metricExporter?: PushMetricExporter;
  /** More span processors, after the batch processor. */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** Bound of `forceFlush()` and `shutdown()` in ms (default 5000). */
  readonly shutdownTimeoutMs?: number;
  /** Environment for OTEL_RESOURCE_ATTRIBUTES (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Builds the providers an enabled telemetry config describes: a tracer
 * provider whose `BatchSpanProcessor` exports spans over OTLP/gRPC in
 * batches as they end, and a meter provider whose periodic reader pushes a
 * metric snapshot every `metrics_export_interval`. Both carry a resource with
 * `service.name` from the config (merged over OTEL_RESOURCE_ATTRIBUTES). The
 * exporters also read the standard OTEL_EXPORTER_OTLP_* variables, such as
 * OTEL_EXPORTER_OTLP_HEADERS for auth headers.
 */
export function createTelemetryProviders(
  config: TelemetryConfig,
  options: CreateProvidersOptions = {},
): TelemetryProviders {
  const resource = defaultResource().merge(
    resourceFromAttributes(resolveResourceAttributes(config, options.env ?? process.env)),
  );
  const endpoint = config.endpoint;
  const exporterOptions = {
    url: endpoint.url,
    timeoutMillis: config.batch.exportTimeoutMs,
    ...credentialsFor(config),
  };
  const spanExporter = options.spanExporter ?? new OTLPTraceExporter(exporterOptions);
  const metricExporter =
    options.metricExporter ??
    new OTLPMetricExporter({ ...exporterOptions, timeoutMillis: config.metricsExportTimeoutMs });
  const tracerProvider = new NodeTracerProvider({
    resource,
    sampler: options.sampler,
    spanLimits: { attributeValueLengthLimit: MAX_ATTRIBUTE_LENGTH },
    spanProcessors: [
      new BatchSpanProcessor(spanExporter, {
        maxQueueSize: config.batch.max_queue_size,
        maxExportBatchSize: config.batch.max_export_batch_size,
        scheduledDelayMillis: config.batch.scheduledDelayMs,
        exportTimeoutMillis: config.batch.exportTimeoutMs,
      }),
      ...(options.spanProcessors ?? []),
    ],
  });
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: metricExporter,
        exportIntervalMillis: config.metricsExportIntervalMs,
        exportTimeoutMillis: config.metricsExportTimeoutMs,
      }),
    ],
  });
  const limit = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  return {
    tracerProvider,
    meterProvider,
    forceFlush: () =>
      bounded(
        () => Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush()]),
        limit,
        'telemetry flush',
      ),
    shutdown: async () => {
      await bounded(
        () => Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]),
        limit,
        'telemetry shutdown',
      );
    },
  };
}

/*
 * Only when the config names a CA file do we build credentials ourselves;
 * otherwise the exporter picks TLS from the https:// scheme and still honours
 * OTEL_EXPORTER_OTLP_CERTIFICATE and friends.
 */
function credentialsFor(config: TelemetryConfig): { credentials?: ChannelCredentials } {
  const caFile = config.tls.ca_file;
  if (caFile === undefined || !config.endpoint.tls) return {};
  return { credentials: grpcCredentials.createSsl(readFileSync(caFile)) };
}
