import { IsBoolean, IsIn } from 'class-validator';

/** The levels a `log` task can write at. */
export const LOG_TASK_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

/** One of {@link LOG_TASK_LEVELS}. */
export type LogTaskLevel = (typeof LOG_TASK_LEVELS)[number];

/**
 * Config of the `log` task.
 *
 * @example
 * ```yaml
 * - { name: audit, type: log, config: { level: debug, include_payload: true } }
 * ```
 */
export class LogConfig {
  /** Level of the line written per event. Default `info`. */
  @IsIn(LOG_TASK_LEVELS, { message: `must be one of ${LOG_TASK_LEVELS.join(', ')}` })
  level: LogTaskLevel = 'info';

  /**
   * Also write the event's data (`payload` key). Default `false`: payloads
   * may hold personal data, so they are only logged when asked for.
   */
  @IsBoolean({ message: 'must be true or false, unquoted' })
  include_payload: boolean = false;
}
