import { readFileSync } from 'node:fs';
import { credentials as grpcCredentials } from '@grpc/grpc-js';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import {
  AggregationTemporality,
  InstrumentType,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { SpanDurationProducer } from './span-duration-producer';
import { EndedSpanCounter } from './ended-span-counter';
import type { Sampler, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { resolveResourceAttributes } from '../config/otel-env';
import type { TelemetryConfig } from '../config/telemetry-config';
import { MAX_ATTRIBUTE_LENGTH } from './attribute-values';
import { bounded } from './bounded';
import { budgetWithin, mergeExportRetryOptions } from './export-retry-policy';
import type { ExportRetryOptions } from './export-retry-policy';
import type { ExportStats, ExportStatsSource } from './export-retry-stats';
import type { TelemetryProviders } from './register-providers';
import { RetryingMetricExporter } from './retrying-exporter';
import { SpanExportProcessor } from './export/span-export-processor';
import { otelEnvOf, transferableRetry } from './export/span-transport-options';

/** How long `shutdown()` may take before it gives up on an unreachable collector. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;

/** Optional parts of the providers that a config does not say. */
export interface CreateProvidersOptions {
  /** Trace sampler (default: parent-based, always on). */
  readonly sampler?: Sampler;
  /**
   * Replaces the OTLP/gRPC span export: this exporter gets the spans through
   * the SDK's standard `BatchSpanProcessor` (benchmarks use a no-op one).
   */
  readonly spanExporter?: SpanExporter;
  /**
   * Where the toolkit's own span export sends from: `worker` (default) a
   * worker thread, `main` the main thread. Either way spans are encoded as
   * they end; see docs/export-pipeline.md.
   */
  readonly exportThread?: 'worker' | 'main';
  /** Replaces the OTLP/gRPC metric exporter. */
  readonly metricExporter?: PushMetricExporter;
  /** More span processors, after the batch processor. */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** Bound of `forceFlush()` and `shutdown()` in ms (default 5000). */
  readonly shutdownTimeoutMs?: number;
  /** Environment for OTEL_RESOURCE_ATTRIBUTES (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Tuning of the retries around the OTLP exporters (not around a
   * `spanExporter` / `metricExporter` given here, which are used as they are).
   * By default: 5 attempts, backoff from 500 ms doubling up to 5 s with ±20%
   * jitter, all within the export timeout, and a bound on batches in flight.
   */
  readonly exportRetry?: ExportRetryOptions;
}

/** Span export requests in flight at once (more wait, bounded in bytes, in the export queue). */
const SPAN_IN_FLIGHT = 4;

/** Time always left to stop the exporters after the providers, even when their shutdown used the whole bound. */
const EXPORTER_STOP_MIN_MS = 250;

/** Metric batches in flight: the periodic export, plus a forceFlush or shutdown overlapping it. */
const METRIC_IN_FLIGHT = 4;

/**
 * Builds the providers an enabled telemetry config describes: a tracer
 * provider that encodes each span as it ends and exports the batches over
 * OTLP/gRPC from a worker thread (a byte-bounded queue, drops counted; see
 * docs/export-pipeline.md), and a meter provider whose periodic reader pushes a
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
  const limit = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  // Our own spans are encoded as they end and sent from a worker thread
  // (docs/export-pipeline.md); a span exporter given here keeps the standard
  // SDK batch processor and is used as it is.
  const spanExport =
    options.spanExporter === undefined
      ? new SpanExportProcessor({
          transport: {
            url: endpoint.url,
            timeoutMs: config.batch.exportTimeoutMs,
            env: otelEnvOf(process.env),
            ...(caFileFor(config) === undefined ? {} : { caFile: caFileFor(config) }),
            retry: transferableRetry(
              retryOptions(
                config.batch.exportTimeoutMs,
                limit,
                SPAN_IN_FLIGHT,
                options.exportRetry,
              ),
            ),
          },
          maxExportBatchSize: config.batch.max_export_batch_size,
          scheduledDelayMs: config.batch.scheduledDelayMs,
          maxQueueBytes: config.batch.max_queue_bytes,
          shutdownTimeoutMs: limit,
          ...(options.exportThread === undefined ? {} : { thread: options.exportThread }),
        })
      : new BatchSpanProcessor(options.spanExporter, {
          maxQueueSize: config.batch.max_queue_size,
          maxExportBatchSize: config.batch.max_export_batch_size,
          scheduledDelayMillis: config.batch.scheduledDelayMs,
          exportTimeoutMillis: config.batch.exportTimeoutMs,
        });
  const ownSpans = spanExport instanceof SpanExportProcessor ? spanExport : undefined;
  let retryingMetrics: RetryingMetricExporter | undefined;
  let metricExporter = options.metricExporter;
  if (metricExporter === undefined) {
    const timeoutMillis = config.metricsExportTimeoutMs;
    retryingMetrics = new RetryingMetricExporter(
      new OTLPMetricExporter({ ...exporterOptions, timeoutMillis }),
      retryOptions(timeoutMillis, limit, METRIC_IN_FLIGHT, options.exportRetry),
    );
    metricExporter = retryingMetrics;
  }
  const endedSpans = new EndedSpanCounter();
  const tracerProvider = new NodeTracerProvider({
    resource,
    sampler: options.sampler,
    spanLimits: { attributeValueLengthLimit: MAX_ATTRIBUTE_LENGTH },
    spanProcessors: [spanExport, ...(options.spanProcessors ?? []), endedSpans],
  });
  // The reader asks our own duration histograms for points in the temporality
  // its exporter prefers (cumulative unless the exporter is set to delta).
  const durations = new SpanDurationProducer(
    metricExporter.selectAggregationTemporality?.(InstrumentType.HISTOGRAM) ??
      AggregationTemporality.CUMULATIVE,
  );
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: metricExporter,
        exportIntervalMillis: config.metricsExportIntervalMs,
        exportTimeoutMillis: config.metricsExportTimeoutMs,
        metricProducers: [durations],
      }),
    ],
  });
  const providers: TelemetryProviders & ExportStatsSource = {
    tracerProvider,
    meterProvider,
    durations,
    forceFlush: () =>
      bounded(
        () => Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush()]),
        limit,
        'telemetry flush',
      ),
    shutdown: async () => {
      const started = Date.now();
      // The final flush may retry, but only while the shutdown bound allows.
      const cap = started + budgetWithin(limit);
      ownSpans?.capDeadline(cap);
      retryingMetrics?.capDeadline(cap);
      await bounded(
        () => Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]),
        limit,
        'telemetry shutdown',
      );
      // The metric reader skips its exporter's shutdown when the final
      // export fails: stop ours anyway, so no retry outlives shutdown and the
      // gRPC channel is closed. Idempotent; retries end by the cap above.
      await bounded(
        () => Promise.all([retryingMetrics?.shutdown()]),
        Math.max(EXPORTER_STOP_MIN_MS, started + limit - Date.now()),
        'telemetry exporter shutdown',
      );
    },
    exportStats: (): ExportStats => ({
      spansEnded: endedSpans.ended,
      ...(ownSpans === undefined
        ? {}
        : { spans: ownSpans.stats(), spanQueue: ownSpans.queueStats() }),
      ...(retryingMetrics === undefined ? {} : { metrics: retryingMetrics.stats() }),
    }),
  };
  return providers;
}

/*
 * The options of one retrying exporter: a given budget is honoured only up to
 * the export timeout, since a batch retried past it would be abandoned anyway.
 */
function retryOptions(
  exportTimeoutMs: number,
  shutdownLimitMs: number,
  maxInFlight: number,
  given: ExportRetryOptions | undefined,
): ExportRetryOptions {
  const merged = mergeExportRetryOptions(
    { maxInFlight, shutdownGraceMs: budgetWithin(shutdownLimitMs) },
    given,
  );
  const budgetMs = Math.min(
    merged.budgetMs ?? Number.POSITIVE_INFINITY,
    budgetWithin(exportTimeoutMs),
  );
  return { ...merged, budgetMs };
}

/*
 * Only when the config names a CA file do we build credentials ourselves;
 * otherwise the exporters pick TLS from the https:// scheme and still honour
 * OTEL_EXPORTER_OTLP_CERTIFICATE and friends.
 */
function credentialsFor(config: TelemetryConfig): { credentials?: ChannelCredentials } {
  const caFile = caFileFor(config);
  if (caFile === undefined) return {};
  return { credentials: grpcCredentials.createSsl(readFileSync(caFile)) };
}

function caFileFor(config: TelemetryConfig): string | undefined {
  return config.endpoint.tls ? config.tls.ca_file : undefined;
}
