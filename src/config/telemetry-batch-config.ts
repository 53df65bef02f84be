import { IsInt, Min } from 'class-validator';
import { IsDuration } from './is-duration';
import { parseDuration } from './duration';
import type { ConfigRefinementIssue, RefinableConfig } from './validate-object';

const WHOLE_NUMBER_AT_LEAST_1 = 'must be a whole number of at least 1';

/**
 * `telemetry.batch`: how finished spans are batched before export (the OTel
 * `BatchSpanProcessor` settings). Every key is optional; the defaults are the
 * OpenTelemetry SDK's.
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
  /** Most spans kept waiting for export; further spans are dropped (and counted). Default 2048. */
  @Min(1, { message: WHOLE_NUMBER_AT_LEAST_1 })
  @IsInt({ message: WHOLE_NUMBER_AT_LEAST_1 })
  max_queue_size: number = 2048;

  /** Most spans sent in one export request; at most `max_queue_size`. Default 512. */
  @Min(1, { message: WHOLE_NUMBER_AT_LEAST_1 })
  @IsInt({ message: WHOLE_NUMBER_AT_LEAST_1 })
  max_export_batch_size: number = 512;

  /** Longest wait between two exports of a partly filled batch. Default `5s`. */
  @IsDuration()
  scheduled_delay: string = '5s';

  /**
   * Longest one export request (a span batch, or a metric snapshot) may take
   * before it is abandoned. Default `30s`.
   */
  @IsDuration()
  export_timeout: string = '30s';

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
