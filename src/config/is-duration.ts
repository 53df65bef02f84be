import { registerDecorator } from 'class-validator';
import type { ValidationArguments, ValidationOptions } from 'class-validator';
import { DURATION_HELP, tryParseDuration } from './duration';

/**
 * class-validator decorator: the property must be a duration string accepted
 * by {@link parseDuration} (`500ms`, `30s`, `1m30s`, `1.5s`, `2h`). The error
 * message says what is wrong with the value and what is allowed; a YAML number
 * such as `60` is rejected with a hint to add a unit.
 *
 * Combine with `@IsOptional()` (or `@ValidateIf`) for optional fields.
 *
 * @example
 * ```ts
 * class RetryConfig {
 *   @IsDuration() initial_backoff: string = '100ms';
 * }
 * ```
 */
export function IsDuration(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol): void => {
    registerDecorator({
      name: 'isDuration',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args: ValidationArguments): string => {
          const result = tryParseDuration(args.value);
          const reason = result.ok ? 'is not a duration' : result.reason;
          return `${reason}; expected ${DURATION_HELP}`;
        },
        ...options,
      },
      validator: {
        validate: (value: unknown): boolean => tryParseDuration(value).ok,
      },
    });
  };
}
