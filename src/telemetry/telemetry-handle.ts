import type { ExportStats } from './export-retry-stats';

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
  /**
   * What the exporters did: batches and spans exported, retried, dropped, and
   * how many spans ended. `undefined` when the providers do not count (given
   * ready-made to `registerTelemetryProviders`).
   */
  exportStats(): ExportStats | undefined;
}
