import { Type } from 'class-transformer';
import { IsObject, ValidateNested } from 'class-validator';
import { allowedConfigKeys } from './config-keys';
import type { ConfigClass } from './config-keys';

/** Per class prototype: the block properties and their classes. */
const BLOCK_TYPES = new WeakMap<object, Map<string, () => ConfigClass<object>>>();

/**
 * The class of the {@link ConfigBlock} property `key` of `cls` (inherited
 * blocks included), or undefined when `key` is not a block.
 *
 * @example
 * ```ts
 * configBlockType(TelemetryConfig, 'batch'); // TelemetryBatchConfig
 * ```
 */
export function configBlockType(
  cls: ConfigClass<object>,
  key: string,
): ConfigClass<object> | undefined {
  for (let proto: unknown = cls.prototype; proto !== null && typeof proto === 'object'; ) {
    const type = BLOCK_TYPES.get(proto)?.get(key);
    if (type !== undefined) return type();
    proto = Object.getPrototypeOf(proto);
  }
  return undefined;
}

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
  // A non-mapping fails both checks; validate-object reports the type check
  // (isObject) and drops the nested one.
  const isObject = IsObject({
    message: () => `must be a mapping with the keys ${allowedConfigKeys(type()).join(', ')}`,
  });
  const validateNested = ValidateNested();
  const transformType = Type(type);
  return (target: object, propertyKey: string | symbol): void => {
    if (typeof propertyKey === 'string') {
      const types = BLOCK_TYPES.get(target) ?? new Map<string, () => ConfigClass<object>>();
      types.set(propertyKey, type);
      BLOCK_TYPES.set(target, types);
    }
    isObject(target, propertyKey);
    validateNested(target, propertyKey);
    transformType(target, propertyKey);
  };
}
