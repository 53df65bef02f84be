import { getMetadataStorage } from 'class-validator';

/** A config class: instantiable without arguments, fields decorated with class-validator. */
export type ConfigClass<T extends object> = new () => T;

/**
 * The keys a config class accepts: every property carrying a class-validator
 * decorator, in declaration order. Anything else in the input is an unknown key.
 *
 * @example
 * ```ts
 * allowedConfigKeys(RetryConfig); // ['max_attempts', 'initial_backoff', 'max_backoff']
 * ```
 */
export function allowedConfigKeys(cls: abstract new () => object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))];
}
