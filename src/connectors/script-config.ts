import { IsString, Matches } from 'class-validator';
import { parseDuration } from '../config/duration';
import { IsDuration } from '../config/is-duration';

/**
 * Config of the `script` task: JavaScript run once per event in a sandboxed
 * `node:vm` context.
 *
 * @example
 * ```yaml
 * - name: double
 *   type: script
 *   config:
 *     code: "event.data.total = event.data.n * 2; event"
 *     timeout: 100ms
 * ```
 */
export class ScriptConfig {
  /** The script; its last expression is the result. Required, not blank. */
  @Matches(/\S/, { message: 'must not be empty: write the JavaScript to run for each event' })
  @IsString({ message: 'must be a string of JavaScript, e.g. "event.data.n * 2"' })
  code!: string;

  /** Longest run of the script for one event, as a duration. Default `1s`. */
  @IsDuration()
  timeout: string = '1s';

  /** `timeout` in milliseconds. */
  get timeoutMs(): number {
    return parseDuration(this.timeout);
  }
}
