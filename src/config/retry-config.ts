import { IsInt, Min } from 'class-validator';
import { parseDuration } from './duration';
import { IsDuration } from './is-duration';
import type { ConfigRefinementIssue, RefinableConfig } from './validate-object';

/**
 * How a failed handler invocation is retried: up to `max_attempts` attempts in
 * all, waiting `initial_backoff` after the first failure and doubling up to
 * `max_backoff`. Used at worker level (`retry:`) and per task in flows.
 *
 * @example
 * ```yaml
 * retry:
 *   max_attempts: 5
 *   initial_backoff: 200ms
 *   max_backoff: 10s
 * ```
 */
export class RetryConfig implements RefinableConfig {
  /** Attempts in total, the first included (1 = no retry). Whole number ≥ 1; default 3. */
  @Min(1, { message: 'must be a whole number of at least 1 (1 means no retry)' })
  @IsInt({ message: 'must be a whole number of at least 1 (1 means no retry)' })
  max_attempts: number = 3;

  /** Wait after the first failure, as a duration. Default `100ms`. */
  @IsDuration()
  initial_backoff: string = '100ms';

  /** Longest wait between two attempts, as a duration; at least `initial_backoff`. Default `5s`. */
  @IsDuration()
  max_backoff: string = '5s';

  /** `initial_backoff` in milliseconds. */
  get initialBackoffMs(): number {
    return parseDuration(this.initial_backoff);
  }

  /** `max_backoff` in milliseconds. */
  get maxBackoffMs(): number {
    return parseDuration(this.max_backoff);
  }

  /** `max_backoff` may not be shorter than `initial_backoff`. */
  refineConfig(): ConfigRefinementIssue[] {
    if (this.maxBackoffMs >= this.initialBackoffMs) return [];
    return [
      {
        path: ['max_backoff'],
        value: this.max_backoff,
        message: `must be at least initial_backoff (${this.initial_backoff})`,
      },
    ];
  }
}
