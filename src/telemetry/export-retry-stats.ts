import type { SpanQueueStats } from './export/span-queue-stats';

/**
 * Counters of one retrying exporter (spans or metrics). Items are spans for
 * the span exporter and data points for the metric exporter.
 */
export interface ExportSignalStats {
  /** Batches the collector accepted (on the first attempt or a retry). */
  readonly exportedBatches: number;
  /** Items in those batches. */
  readonly exportedItems: number;
  /** Retries made: attempts after the first, over all batches. */
  readonly retries: number;
  /** Batches that needed at least one retry and then got through. */
  readonly recoveredBatches: number;
  /** Batches that never reached the collector, whatever the reason. */
  readonly droppedBatches: number;
  /** Items in those batches: what the collector will never see. */
  readonly droppedItems: number;
  /**
   * Of the dropped batches: refused at once because {@link maxInFlight} were
   * in flight (metrics) or because the span export queue was full
   * (`telemetry.batch.max_queue_bytes`).
   */
  readonly overloadBatches: number;
  /** Items in those batches. */
  readonly overloadItems: number;
  /** Batches in flight now (an attempt running or a backoff pending). */
  readonly inFlight: number;
  /** The most batches ever in flight at once; never above {@link maxInFlight}. */
  readonly peakInFlight: number;
  /** The bound on batches in flight. */
  readonly maxInFlight: number;
}

/** Export counters of a set of telemetry providers, per signal. */
export interface ExportStats {
  /** The span export's counters; `undefined` when spans go to a user-supplied exporter. */
  readonly spans?: ExportSignalStats;
  /** The byte-bounded span export queue; `undefined` likewise. */
  readonly spanQueue?: SpanQueueStats;
  /** The metric exporter's counters; `undefined` likewise. */
  readonly metrics?: ExportSignalStats;
  /**
   * Sampled spans that ended. After the final flush, those neither exported
   * nor counted as dropped were lost uncounted (see {@link spansLost}).
   */
  readonly spansEnded?: number;
}

/**
 * Spans that ended but never reached the collector: given up after their
 * retries, dropped from the full export queue, or unsent at the end of the
 * shutdown bound. Meaningful after shutdown.
 */
export function spansLost(stats: ExportStats | undefined): number {
  // Without a retrying exporter nothing counted the exports: no claim either way.
  if (stats?.spansEnded === undefined || stats.spans === undefined) return 0;
  return Math.max(0, stats.spansEnded - (stats.spans?.exportedItems ?? 0));
}

/** Something that can report {@link ExportStats} (the providers `createTelemetryProviders` builds). */
export interface ExportStatsSource {
  /** A snapshot of the export counters. */
  exportStats(): ExportStats;
}

/**
 * A snapshot of the export counters of `providers` (as built by
 * `createTelemetryProviders`), or `undefined` when it keeps none (test
 * providers, or exporters supplied by the caller).
 *
 * @example
 * ```ts
 * const providers = createTelemetryProviders(config);
 * // ... later, e.g. at shutdown:
 * const dropped = exportStatsOf(providers)?.spans?.droppedItems ?? 0;
 * ```
 */
export function exportStatsOf(providers: object | undefined): ExportStats | undefined {
  if (providers === undefined) return undefined;
  const read = (providers as Partial<ExportStatsSource>).exportStats;
  if (typeof read !== 'function') return undefined;
  try {
    return read.call(providers);
  } catch {
    return undefined;
  }
}
