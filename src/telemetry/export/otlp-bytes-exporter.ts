import { readFileSync } from 'node:fs';
import {
  convertLegacyOtlpGrpcOptions,
  createOtlpGrpcExportDelegate,
  createSslCredentials,
} from '@opentelemetry/otlp-grpc-exporter-base';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ISerializer, IExportTraceServiceResponse } from '@opentelemetry/otlp-transformer';
import type { BatchExporter } from '../retrying-exporter';
import type { EncodedChunk } from './span-chunk';
import type { SpanTransportOptions } from './span-transport-options';

/*
 * The stock OTLP/gRPC export delegate of @opentelemetry/otlp-grpc-exporter-base
 * (what OTLPTraceExporter is made of), given already-encoded requests: its
 * serializer step passes the bytes through. So the channel, TLS, the
 * OTEL_EXPORTER_OTLP_* variables (endpoint, headers, compression, certificate,
 * timeout) and partial-success handling stay the stock exporter's own.
 */
const passThrough: ISerializer<EncodedChunk, IExportTraceServiceResponse> = {
  serializeRequest: (chunk) => chunk.bytes,
  deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
};

const spanCount = {
  name: 'span' as const,
  countItems: (chunk: EncodedChunk): number => chunk.spans,
};

/** The gRPC service path of OTLP trace export. */
export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/**
 * An exporter of encoded span requests over OTLP/gRPC. Builds no connection
 * until the first export.
 *
 * @example
 * ```ts
 * const exporter = createOtlpBytesExporter({ url: 'http://localhost:4317', timeoutMs: 30_000, retry: {} });
 * exporter.export(chunk.seal(), (result) => console.log(result.code));
 * ```
 */
export function createOtlpBytesExporter(
  options: SpanTransportOptions,
): BatchExporter<EncodedChunk> {
  // Only when the config names a CA file are the credentials ours; otherwise
  // the delegate picks TLS from the scheme and honours OTEL_EXPORTER_OTLP_CERTIFICATE.
  const credentials =
    options.caFile === undefined
      ? {}
      : { credentials: createSslCredentials(readFileSync(options.caFile)) };
  // The stock configuration reads OTEL_EXPORTER_OTLP_* from process.env, some
  // of it only at the first export: resolve all of it now, from the variables
  // of the process that built the providers (a worker thread's own copy of
  // the environment is from when the thread started).
  const config = withOtelEnv(options.env, () => {
    const merged = convertLegacyOtlpGrpcOptions(
      { url: options.url, timeoutMillis: options.timeoutMs, ...credentials },
      'TRACES',
    );
    const channelCredentials = merged.credentials();
    const metadata = merged.metadata();
    return { ...merged, credentials: () => channelCredentials, metadata: () => metadata.clone() };
  });
  return createOtlpGrpcExportDelegate(
    config,
    passThrough,
    'otlp_grpc_span_exporter',
    spanCount,
    undefined,
    'TraceExportService',
    TRACE_EXPORT_PATH,
  );
}

/* Runs `fn` with exactly the OTEL_* variables of `env` in process.env, then puts them back. */
function withOtelEnv<T>(env: Readonly<Record<string, string>>, fn: () => T): T {
  const saved: Record<string, string | undefined> = {};
  const keys = new Set([
    ...Object.keys(process.env).filter((k) => k.startsWith('OTEL_')),
    ...Object.keys(env),
  ]);
  for (const key of keys) {
    saved[key] = process.env[key];
    if (env[key] === undefined) delete process.env[key];
    else process.env[key] = env[key];
  }
  try {
    return fn();
  } finally {
    for (const key of keys) {
      const value = saved[key];
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
