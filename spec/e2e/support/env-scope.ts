/**
 * Sets environment variables for one spec and puts every one back afterwards
 * (deleting those that were unset), so an OTEL_* variable a spec needs never
 * leaks into the next one.
 */
export class EnvScope {
  private readonly saved = new Map<string, string | undefined>();

  /** Sets (or, with `undefined`, unsets) each variable, remembering its first value. */
  set(vars: Record<string, string | undefined>): void {
    for (const [key, value] of Object.entries(vars)) {
      if (!this.saved.has(key)) this.saved.set(key, process.env[key]);
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }

  /** Restores every variable touched since the last restore. */
  restore(): void {
    for (const [key, value] of this.saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    this.saved.clear();
  }
}

/**
 * The OTEL_* variables the exporters and the resource read: unset for a spec
 * that must not be influenced by whatever the shell running mocha exports.
 */
export const OTEL_ENV_UNSET: Record<string, undefined> = {
  OTEL_RESOURCE_ATTRIBUTES: undefined,
  OTEL_SERVICE_NAME: undefined,
  OTEL_EXPORTER_OTLP_HEADERS: undefined,
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: undefined,
  OTEL_EXPORTER_OTLP_METRICS_HEADERS: undefined,
  OTEL_EXPORTER_OTLP_COMPRESSION: undefined,
  OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: undefined,
  OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: undefined,
  OTEL_EXPORTER_OTLP_CERTIFICATE: undefined,
  OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: undefined,
  OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE: undefined,
  OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined,
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: undefined,
  OTEL_EXPORTER_OTLP_INSECURE: undefined,
  OTEL_EXPORTER_OTLP_TIMEOUT: undefined,
};
