/**
 * What `registerTelemetry` returns: the way to flush and stop the providers it
 * built. Neither method throws; both return within a bounded time even when
 * the collector is unreachable.
 */
export interface TelemetryHandle {
  /** Whether anything is exported (false when the config is omitted or `enabled: false`). */
  readonly enabled: boolean;
  /** Exports every finished span and a metric snapshot now. */
  forceFlush(): Promise<void>;
  /** Flushes, then stops the providers and exporters. Later calls are no-ops. */
  shutdown(): Promise<void>;
}
