import { IsInt, Min } from 'class-validator';
import { IsDuration } from './is-duration';
import { parseDuration } from './duration';
import type { ConfigRefinementIssue, RefinableConfig } from './validate-object';

const WHOLE_NUMBER_AT_LEAST_1 = 'must be a whole number of at least 1';

/** Default of `max_queue_bytes`: 16 MiB, about 90,000 typical encoded spans. */
export const DEFAULT_MAX_QUEUE_BYTES = 16 * 1024 * 1024;

/** Smallest `max_queue_bytes` accepted: one full request must fit. */
export const MIN_MAX_QUEUE_BYTES = 64 * 1024;

/**
 * `telemetry.batch`: how finished spans are batched before export. Every key
 * is optional. The toolkit's own pipeline (docs/export-pipeline.md) encodes
 * spans as they end and bounds what waits in bytes (`max_queue_bytes`);
 * `max_queue_size` bounds only a user-supplied span exporter's standard
 * `BatchSpanProcessor`.
 *
 * @example
 * ```yaml
 * telemetry:
 *   enabled: true
 *   batch:
 *     max_queue_size: 4096
 *     scheduled_delay: 1s
 * ```
 */
export class TelemetryBatchConfig implements RefinableConfig {
  /**
   * With a user-supplied span exporter (the SDK's `BatchSpanProcessor`): most
   * spans kept waiting for export, further spans are dropped. The toolkit's
   * own pipeline bounds bytes instead ({@link max_queue_bytes}). Default 2048.
   */
  @Min(1, { message: WHOLE_NUMBER_AT_LEAST_1 })
  @IsInt({ message: WHOLE_NUMBER_AT_LEAST_1 })
  max_queue_size: number = 2048;

  /**
   * Most spans sent in one export request (a chunk is sealed when it holds
   * this many, or 1 MiB, or a quarter of `max_queue_bytes`); at most
   * `max_queue_size`. Default 512.
   */
  @Min(1, { message: WHOLE_NUMBER_AT_LEAST_1 })
  @IsInt({ message: WHOLE_NUMBER_AT_LEAST_1 })
  max_export_batch_size: number = 512;

  /** Longest a finished span waits in a partly filled batch before that batch is sent. Default `5s`. */
  @IsDuration()
  scheduled_delay: string = '5s';

  /**
   * Longest one export request (a span batch, or a metric snapshot) may take,
   * retries included, before it is abandoned. Default `30s`.
   */
  @IsDuration()
  export_timeout: string = '30s';

  /**
   * Most encoded span bytes waiting for export (sealed, not yet accepted by
   * the collector); a batch that would go beyond is dropped and counted, so a
   * slow or unreachable collector costs bounded memory. At least 65536.
   * Default 16777216 (16 MiB).
   */
  @Min(MIN_MAX_QUEUE_BYTES, {
    message: `must be a whole number of at least ${MIN_MAX_QUEUE_BYTES}`,
  })
  @IsInt({ message: `must be a whole number of at least ${MIN_MAX_QUEUE_BYTES}` })
  max_queue_bytes: number = DEFAULT_MAX_QUEUE_BYTES;

  /** `scheduled_delay` in milliseconds. */
  get scheduledDelayMs(): number {
    return parseDuration(this.scheduled_delay);
  }

  /** `export_timeout` in milliseconds. */
  get exportTimeoutMs(): number {
    return parseDuration(this.export_timeout);
  }

  /** `max_export_batch_size` may not exceed `max_queue_size`. */
  refineConfig(): ConfigRefinementIssue[] {
    if (this.max_export_batch_size <= this.max_queue_size) return [];
    return [
      {
        path: ['max_export_batch_size'],
        value: this.max_export_batch_size,
        message: `must be at most max_queue_size (${this.max_queue_size})`,
      },
    ];
  }
}
