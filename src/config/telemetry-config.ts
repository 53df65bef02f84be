import { Transform } from 'class-transformer';
import { IsBoolean, IsNotEmpty, IsString } from 'class-validator';
import { ConfigBlock } from './config-block';
import { parseDuration } from './duration';
import { IsDuration } from './is-duration';
import { IsOtlpEndpoint, parseOtlpEndpoint } from './otlp-endpoint';
import type { OtlpEndpoint } from './otlp-endpoint';
import { TelemetryBatchConfig } from './telemetry-batch-config';
import { TelemetryTlsConfig } from './telemetry-tls-config';
import { validateConfig } from './validate-object';
import type { ConfigRefinementIssue, RefinableConfig } from './validate-object';

/**
 * The `telemetry:` block of a worker config, validated.
 *
 * ```yaml
 * telemetry:
 *   enabled: true                       # required when the block is present
 *   otlp_endpoint: "http://localhost:4317"
 *   service_name: flowgen
 *   metrics_export_interval: "60s"      # 500ms, 30s, 1m, 1m30s, 2h
 * ```
 *
 * Block omitted or `enabled: false`: no exporter is built and no connection is
 * attempted; logs still go to stderr. Every key is checked even when
 * `enabled` is false, so a typo never waits for the day telemetry is turned on.
 *
 * Environment variables (read by the OTel SDK / {@link resolveResourceAttributes}):
 * - `OTEL_EXPORTER_OTLP_HEADERS` (and the per-signal
 *   `OTEL_EXPORTER_OTLP_TRACES_HEADERS` / `OTEL_EXPORTER_OTLP_METRICS_HEADERS`,
 *   which win per key): `key=value` pairs, comma-separated and percent-encoded,
 *   sent as gRPC metadata with every export. This is where auth goes, e.g.
 *   `OTEL_EXPORTER_OTLP_HEADERS="x-honeycomb-team=abc123"`; keeping it out of the
 *   YAML keeps secrets out of the repo, and header values never appear in
 *   config errors. See {@link parseOtlpHeaders}.
 * - `OTEL_RESOURCE_ATTRIBUTES`: `key=value` pairs added to the resource of every
 *   span and metric (e.g. `deployment.environment=prod,service.version=1.4.2`).
 *   `service.name` always comes from `service_name` here, so a `service.name`
 *   in that variable (or `OTEL_SERVICE_NAME`) is overridden.
 * - `OTEL_EXPORTER_OTLP_ENDPOINT` and its per-signal forms are NOT used:
 *   `otlp_endpoint` (or its default) always decides where data goes.
 *
 * @example
 * ```ts
 * const config = loadTelemetryConfig({ enabled: true, metrics_export_interval: '10s' });
 * config?.metricsExportIntervalMs; // 10000
 * config?.otlp_endpoint;           // 'http://localhost:4317' (default)
 * ```
 */
export class TelemetryConfig implements RefinableConfig {
  /**
   * Required when the block is present: `true` exports traces and metrics over
   * OTLP/gRPC, `false` exports nothing. A YAML boolean; `"true"` (a string) is
   * an error, not coerced.
   */
  @IsBoolean({
    message:
      'must be true or false, unquoted: true exports traces and metrics over OTLP/gRPC, false exports nothing',
  })
  enabled!: boolean;

  /**
   * OTLP/gRPC endpoint of the collector. Default `http://localhost:4317`.
   * `http://` is plaintext, `https://` is TLS (port defaults to 443); no path.
   * See {@link parseOtlpEndpoint} for every rule.
   */
  @IsOtlpEndpoint()
  otlp_endpoint: string = 'http://localhost:4317';

  /**
   * The `service.name` resource attribute of every span and metric. Default
   * `flowgen`. Surrounding spaces are trimmed; it may not be empty.
   */
  @IsNotEmpty({
    message: 'must not be empty; it becomes the service.name of every span and metric',
  })
  @IsString({ message: 'must be a string, e.g. flowgen-orders' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  service_name: string = 'flowgen';

  /** How often metric snapshots are pushed, as a duration. Default `60s`. */
  @IsDuration()
  metrics_export_interval: string = '60s';

  /** Span batching before export (OTel `BatchSpanProcessor` settings); all optional. */
  @ConfigBlock(() => TelemetryBatchConfig)
  batch: TelemetryBatchConfig = new TelemetryBatchConfig();

  /** TLS settings for an `https://` endpoint; optional. */
  @ConfigBlock(() => TelemetryTlsConfig)
  tls: TelemetryTlsConfig = new TelemetryTlsConfig();

  /** `metrics_export_interval` in milliseconds. */
  get metricsExportIntervalMs(): number {
    return parseDuration(this.metrics_export_interval);
  }

  /**
   * Timeout of one metric export in milliseconds: `batch.export_timeout`,
   * capped at the export interval (the OTel `PeriodicExportingMetricReader`
   * refuses a timeout longer than its interval).
   */
  get metricsExportTimeoutMs(): number {
    return Math.min(this.batch.exportTimeoutMs, this.metricsExportIntervalMs);
  }

  /** The parsed endpoint: normalised URL, `host:port` target, TLS or not. */
  get endpoint(): OtlpEndpoint {
    const result = parseOtlpEndpoint(this.otlp_endpoint);
    if (!result.ok) throw new Error(`otlp_endpoint was not validated: ${result.reason}`);
    return result.endpoint;
  }

  /** `tls.ca_file` only makes sense with an `https://` endpoint. */
  refineConfig(): ConfigRefinementIssue[] {
    if (this.tls.ca_file === undefined || this.endpoint.tls) return [];
    return [
      {
        path: ['tls', 'ca_file'],
        value: this.tls.ca_file,
        message:
          'is only used with an https:// otlp_endpoint, but the endpoint is http:// (plaintext); use https:// or remove tls.ca_file',
      },
    ];
  }
}

/** Options of {@link loadTelemetryConfig}. */
export interface LoadTelemetryConfigOptions {
  /** The file the block was read from, named in errors. */
  file?: string;
  /** Line of a key inside the block, given its path relative to the block. */
  lineOf?: (path: string[]) => number | undefined;
}

/**
 * Validates the value of the `telemetry:` key.
 *
 * @param raw - the parsed value under `telemetry:`; `undefined` or `null`
 *   (block omitted or empty) returns `undefined`: telemetry off, no exporter.
 * @returns the config with defaults applied (`enabled` may be false).
 * @throws ConfigError listing every problem, with paths such as
 *   `telemetry.metrics_export_interval`.
 * @example
 * ```ts
 * loadTelemetryConfig(undefined);                  // undefined
 * loadTelemetryConfig({ enabled: false })?.enabled; // false
 * loadTelemetryConfig({ enabled: 'true' });        // throws ConfigError
 * ```
 */
export function loadTelemetryConfig(
  raw: unknown,
  options: LoadTelemetryConfigOptions = {},
): TelemetryConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  return validateConfig(TelemetryConfig, raw, { ...options, path: 'telemetry' });
}
