import { IsString, Matches, ValidateIf } from 'class-validator';
import type { ValidationArguments } from 'class-validator';
import { DURATION_HELP, parseDuration, tryParseDuration } from '../config/duration';
import { IsDuration } from '../config/is-duration';

/** The `timeout` value that runs a script without a time bound. */
export const SCRIPT_NO_TIMEOUT = 'none';

/**
 * Config of the `script` task: JavaScript run once per event in a sandboxed
 * `node:vm` context.
 *
 * @example
 * ```yaml
 * - script: { name: double, code: "event.data.total = event.data.n * 2; event", timeout: 100ms }
 * ```
 */
export class ScriptConfig {
  /** The script; its last expression is the result. Required, not blank. */
  @Matches(/\S/, { message: 'must not be empty: write the JavaScript to run for each event' })
  @IsString({ message: 'must be a string of JavaScript, e.g. "event.data.n * 2"' })
  code!: string;

  /**
   * Longest run of the script for one event, as a duration. Default `1s`.
   * `none` runs it without a bound: Node starts a watchdog thread for every
   * bounded run (about 45 µs per event here), so `none` suits trusted,
   * loop-free scripts on a hot path; a script that never ends then holds
   * its task.
   */
  @ValidateIf((config: ScriptConfig) => config.timeout !== SCRIPT_NO_TIMEOUT)
  @IsDuration({
    message: (args: ValidationArguments): string => {
      const parsed = tryParseDuration(args.value);
      return `${parsed.ok ? 'is not a duration' : parsed.reason}; expected ${DURATION_HELP}, or none for no bound`;
    },
  })
  timeout: string = '1s';

  /** `timeout` in milliseconds; `undefined` for `none`. */
  get timeoutMs(): number | undefined {
    return this.timeout === SCRIPT_NO_TIMEOUT ? undefined : parseDuration(this.timeout);
  }
}
