import { parseKeyPairsIntoRecord } from '@opentelemetry/core';

/** A telemetry signal with its own `OTEL_EXPORTER_OTLP_<SIGNAL>_*` variables. */
export type OtlpSignal = 'traces' | 'metrics';

/** Environment variables as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Outcome of {@link parseResourceAttributes}. */
export interface ResourceAttributesParseResult {
  /** The attributes; empty when the variable is unset, blank, or invalid. */
  attributes: Record<string, string>;
  /** Why the whole value was discarded, when it was. */
  error?: string;
}

/**
 * The headers the OTel gRPC exporter sends with every export, read exactly as
 * it reads them: `OTEL_EXPORTER_OTLP_HEADERS`, overridden key by key by
 * `OTEL_EXPORTER_OTLP_TRACES_HEADERS` / `OTEL_EXPORTER_OTLP_METRICS_HEADERS`
 * for that signal. Format: `key=value` pairs separated by commas, keys and
 * values percent-decoded and trimmed; malformed pairs are skipped. Keys are
 * lower-cased, as gRPC metadata keys are.
 *
 * Use it to check or log WHICH headers are set; never log the values.
 *
 * @example
 * ```ts
 * parseOtlpHeaders({ OTEL_EXPORTER_OTLP_HEADERS: 'x-team=abc,Authorization=Bearer%20t0k' });
 * // { 'x-team': 'abc', authorization: 'Bearer t0k' }
 * parseOtlpHeaders(env, 'traces'); // general headers, then the traces-only ones on top
 * ```
 */
export function parseOtlpHeaders(
  env: Environment = process.env,
  signal?: OtlpSignal,
): Record<string, string> {
  const general = parseKeyPairsIntoRecord(env['OTEL_EXPORTER_OTLP_HEADERS']?.trim());
  const specific =
    signal === undefined
      ? {}
      : parseKeyPairsIntoRecord(env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_HEADERS`]?.trim());
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...general, ...specific })) {
    headers[key.toLowerCase()] = value;
  }
  return headers;
}

/**
 * Parses an `OTEL_RESOURCE_ATTRIBUTES` value per the OpenTelemetry spec:
 * comma-separated `key=value` pairs, keys and values trimmed and
 * percent-decoded (`,` and `=` inside them must be written `%2C` / `%3D`),
 * empty entries skipped. On any error (an entry without exactly one `=`, an
 * empty key, a bad `%` escape) the spec says to discard the WHOLE value, which
 * is also what the OTel JS SDK does; `error` says why.
 *
 * @example
 * ```ts
 * parseResourceAttributes('deployment.environment=prod,team=a%2Cb');
 * // { attributes: { 'deployment.environment': 'prod', team: 'a,b' } }
 * parseResourceAttributes('ok=1,broken');
 * // { attributes: {}, error: 'entry "broken" is not key=value' }
 * ```
 */
export function parseResourceAttributes(text: string | undefined): ResourceAttributesParseResult {
  const attributes: Record<string, string> = {};
  if (text === undefined || text.trim() === '') return { attributes };
  for (const entry of text.split(',')) {
    if (entry.trim() === '') continue;
    const parts = entry.split('=');
    if (parts.length !== 2) {
      return { attributes: {}, error: `entry "${entry.trim()}" is not key=value` };
    }
    const [rawKey = '', rawValue = ''] = parts;
    if (rawKey.trim() === '')
      return { attributes: {}, error: `entry "${entry.trim()}" has an empty key` };
    try {
      attributes[decodeURIComponent(rawKey.trim())] = decodeURIComponent(rawValue.trim());
    } catch {
      return { attributes: {}, error: `entry "${entry.trim()}" has an invalid percent-encoding` };
    }
  }
  return { attributes };
}

/**
 * The resource attributes of every span and metric: `OTEL_RESOURCE_ATTRIBUTES`
 * (see {@link parseResourceAttributes}) with `service.name` set from the
 * config's `service_name`, which always wins over a `service.name` in that
 * variable and over `OTEL_SERVICE_NAME`.
 *
 * @example
 * ```ts
 * resolveResourceAttributes({ service_name: 'orders' },
 *   { OTEL_RESOURCE_ATTRIBUTES: 'service.name=ignored,deployment.environment=prod' });
 * // { 'service.name': 'orders', 'deployment.environment': 'prod' }
 * ```
 */
export function resolveResourceAttributes(
  config: { readonly service_name: string },
  env: Environment = process.env,
): Record<string, string> {
  const { attributes } = parseResourceAttributes(env['OTEL_RESOURCE_ATTRIBUTES']);
  return { ...attributes, 'service.name': config.service_name };
}
