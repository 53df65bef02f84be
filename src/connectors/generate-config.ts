import { IsInt, IsObject, Min, ValidateIf } from 'class-validator';
import { parseDuration } from '../config/duration';
import { IsDuration } from '../config/is-duration';
import type { ConfigRefinementIssue, RefinableConfig } from '../config/validate-object';

/**
 * Config of the `generate` source: emits `{ n, ...payload }` every `interval`.
 *
 * @example
 * ```yaml
 * - name: ticks
 *   type: generate
 *   config:
 *     interval: 500ms
 *     count: 10
 *     payload: { source: demo }
 * ```
 */
export class GenerateConfig implements RefinableConfig {
  /** Wait between two events, as a duration. Default `1s`. */
  @IsDuration()
  interval: string = '1s';

  /** How many events to emit, a whole number ≥ 0; omitted: until the worker stops. */
  @ValidateIf((o: GenerateConfig) => o.count !== undefined)
  @Min(0, { message: 'must be a whole number of at least 0 (omit it to generate until stopped)' })
  @IsInt({ message: 'must be a whole number of at least 0 (omit it to generate until stopped)' })
  count?: number;

  /** A mapping merged into every event's data (copied per event). Optional. */
  @ValidateIf((o: GenerateConfig) => o.payload !== undefined)
  @IsObject({ message: 'must be a mapping, e.g. { source: demo }' })
  payload?: Record<string, unknown>;

  /** `interval` in milliseconds. */
  get intervalMs(): number {
    return parseDuration(this.interval);
  }

  /** `n` is the sequence number: a payload key `n` would hide it. */
  refineConfig(): ConfigRefinementIssue[] {
    if (this.payload === undefined || !Object.prototype.hasOwnProperty.call(this.payload, 'n')) {
      return [];
    }
    return [
      {
        path: ['payload', 'n'],
        value: this.payload.n,
        message: 'is reserved: every event carries its sequence number as n; rename this key',
      },
    ];
  }
}
