import type { ExportRetryOptions } from '../export-retry-policy';

/**
 * What the span sender needs to reach the collector, as plain data: it is
 * passed to the export worker thread (`workerData`), where credentials and
 * the gRPC channel are built, so it holds no objects or functions.
 */
export interface SpanTransportOptions {
  /** The OTLP/gRPC endpoint URL (`http://` plaintext, `https://` TLS). */
  readonly url: string;
  /** Longest one Export call may take, in ms (`telemetry.batch.export_timeout`). */
  readonly timeoutMs: number;
  /** `telemetry.tls.ca_file`, when the endpoint is TLS and the config names one. */
  readonly caFile?: string;
  /** The OTEL_* environment variables of the process when the providers were built. */
  readonly env: Readonly<Record<string, string>>;
  /** The retry policy; `random` is not carried to a worker thread (it uses `Math.random`). */
  readonly retry: Omit<ExportRetryOptions, 'random'>;
}

/** The retry options a worker thread can receive: everything but functions. */
export function transferableRetry(retry: ExportRetryOptions): Omit<ExportRetryOptions, 'random'> {
  const { random: _random, ...rest } = retry;
  return rest;
}

/** The OTEL_* variables of `env`, as plain data. */
export function otelEnvOf(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('OTEL_') && value !== undefined) out[key] = value;
  }
  return out;
}
