import { Type } from 'class-transformer';
import { IsObject, ValidateNested } from 'class-validator';
import { allowedConfigKeys } from './config-keys';
import type { ConfigClass } from './config-keys';

/**
 * Marks a property as a nested config block of class `type()`: the input must
 * be a mapping (not a list, string or null), it is turned into an instance of
 * that class (so its defaults apply) and validated recursively, and its unknown
 * keys are reported like top-level ones. Add `@IsOptional()` when the whole
 * block may be omitted; give the property a `new Type()` initializer when an
 * omitted block should mean "all defaults".
 *
 * @example
 * ```ts
 * class TelemetryConfig {
 *   @ConfigBlock(() => TelemetryBatchConfig)
 *   batch: TelemetryBatchConfig = new TelemetryBatchConfig();
 * }
 * ```
 */
export function ConfigBlock(type: () => ConfigClass<object>): PropertyDecorator {
  // Registration order matters: with `stopAtFirstError` the first-registered
  // constraint that fails is the one reported, so the shape check comes first.
  const isObject = IsObject({
    message: () => `must be a mapping with the keys ${allowedConfigKeys(type()).join(', ')}`,
  });
  const validateNested = ValidateNested();
  const transformType = Type(type);
  return (target: object, propertyKey: string | symbol): void => {
    isObject(target, propertyKey);
    validateNested(target, propertyKey);
    transformType(target, propertyKey);
  };
}
