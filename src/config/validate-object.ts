import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { ValidationError } from 'class-validator';
import { ConfigError } from './config-error';
import type { ConfigIssue } from './config-error';
import { configBlockType } from './config-block';
import { allowedConfigKeys } from './config-keys';
import type { ConfigClass } from './config-keys';
import { formatConfigPath } from './config-path';
import { suggestKey } from './did-you-mean';

/** Where the value being validated sits, for the issues it may produce. */
export interface ValidateConfigOptions {
  /**
   * Path of the value from the top of its file, used as the prefix of every
   * issue path: `'telemetry'`, `'tasks[2].config'`; `''` (the default) for a
   * whole document.
   */
  path?: string;
  /** The file the value was read from, copied into every issue. */
  file?: string;
  /**
   * Line of a key, given its segments RELATIVE to the validated value (not
   * including `path`): for `telemetry.batch.max_queue_size` validated with
   * `path: 'telemetry'` it receives `['batch', 'max_queue_size']`. Return the
   * nearest existing ancestor's line when the key itself is absent.
   */
  lineOf?: (path: string[]) => number | undefined;
}

/** A cross-field problem found by {@link RefinableConfig.refineConfig}. */
export interface ConfigRefinementIssue {
  /** Key segments relative to the object that reports it, e.g. `['tls', 'ca_file']`. */
  path: readonly (string | number)[];
  /** The offending value. */
  value: unknown;
  /** What is wrong and what to do. */
  message: string;
}

/**
 * A config class with checks that span several fields. `refineConfig` is called
 * by {@link validateConfig} only when the object (and everything under it)
 * passed its field checks, so it may rely on every field being valid.
 *
 * @example
 * ```ts
 * class RetryConfig implements RefinableConfig {
 *   refineConfig(): ConfigRefinementIssue[] {
 *     return this.maxBackoffMs < this.initialBackoffMs
 *       ? [{ path: ['max_backoff'], value: this.max_backoff, message: 'must be ≥ initial_backoff' }]
 *       : [];
 *   }
 * }
 * ```
 */
export interface RefinableConfig {
  /** Cross-field problems of this object; empty when it is consistent. */
  refineConfig(): ConfigRefinementIssue[];
}

/** Keys never copied from input: they would reach object prototypes. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Validates an untrusted value (parsed YAML, JSON, a plain object) against a
 * config class and returns an instance of it, or throws one {@link ConfigError}
 * listing every problem found, nested ones included.
 *
 * - The value must be a mapping; anything else is one clear issue.
 * - Fields omitted from the input keep the class's property initializers (the
 *   defaults); `null` is never a default: it is validated like any value.
 * - No type coercion: `"true"` is not a boolean, `"3"` is not a number.
 * - Unknown keys (at every depth) are errors naming the allowed keys, with a
 *   did-you-mean suggestion when one is close.
 * - Cross-field checks run through {@link RefinableConfig}.
 *
 * @example
 * ```ts
 * const retry = validateConfig(RetryConfig, { max_attempts: 5 }, { path: 'tasks[0].retry' });
 * retry.initial_backoff; // '100ms' (default)
 * ```
 */
export function validateConfig<T extends object>(
  cls: ConfigClass<T>,
  raw: unknown,
  options: ValidateConfigOptions = {},
): T {
  const { value, issues } = collectConfigIssues(cls, raw, options);
  if (value === undefined || issues.length > 0) throw new ConfigError(issues);
  return value;
}

/**
 * The non-throwing form of {@link validateConfig}: the instance (undefined
 * when the input is not even a mapping) and every issue. Use it to gather the
 * issues of several values (e.g. each task of a flow) into one ConfigError.
 *
 * @example
 * ```ts
 * const all: ConfigIssue[] = [];
 * tasks.forEach((t, i) => all.push(...collectConfigIssues(HttpConfig, t.config, { path: `tasks[${i}].config` }).issues));
 * if (all.length > 0) throw new ConfigError(all);
 * ```
 */
export function collectConfigIssues<T extends object>(
  cls: ConfigClass<T>,
  raw: unknown,
  options: ValidateConfigOptions = {},
): { value: T | undefined; issues: ConfigIssue[] } {
  const prefix = options.path ?? '';
  const issues: ConfigIssue[] = [];
  // One issue per path and kind; a Set keeps this linear (40k unknown keys took 36 s with a scan).
  const reported = new Set<string>();
  const report = (
    segments: readonly (string | number)[],
    value: unknown,
    message: string,
    kind: ConfigIssue['kind'],
  ): void => {
    const issue: ConfigIssue = { path: formatConfigPath(prefix, segments), value, message, kind };
    if (options.file !== undefined) issue.file = options.file;
    const line = options.lineOf?.(segments.map(String));
    if (line !== undefined) issue.line = line;
    const key = `${issue.kind ?? ''}\u0000${issue.path}`;
    if (!reported.has(key)) {
      reported.add(key);
      issues.push(issue);
    }
  };

  if (!isPlainMapping(raw)) {
    const keys = allowedConfigKeys(cls).join(', ');
    if (raw === undefined)
      report([], raw, `is required: a mapping with the keys ${keys}`, 'missing');
    else report([], raw, `must be a mapping with the keys ${keys}`, 'invalid');
    return { value: undefined, issues };
  }

  // Unknown keys are reported and dropped here, before class-transformer (whose key
  // de-duplication is quadratic) and class-validator's whitelist ever see them.
  const input = knownKeysOnly(cls, raw, [], report);
  const instance = plainToInstance(cls, input, {
    exposeDefaultValues: true,
    enableImplicitConversion: false,
  });
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    // Every failing constraint is collected, so a type error can be reported in
    // preference to a range check (see firstMessages).
    stopAtFirstError: false,
    validationError: { target: true, value: true },
  });
  collectValidationErrors(errors, [], report);

  const isClean = (segments: readonly (string | number)[]): boolean => {
    const path = formatConfigPath(prefix, segments);
    return !issues.some(
      (issue) =>
        path === '' ||
        issue.path === path ||
        issue.path.startsWith(`${path}.`) ||
        issue.path.startsWith(`${path}[`),
    );
  };
  refine(instance, [], isClean, report);
  sortByLine(issues);
  return { value: instance, issues };
}

type Report = (
  segments: readonly (string | number)[],
  value: unknown,
  message: string,
  kind: ConfigIssue['kind'],
) => void;

function collectValidationErrors(
  errors: readonly ValidationError[],
  parent: readonly string[],
  report: Report,
): void {
  for (const error of errors) {
    const segments = [...parent, error.property];
    const constraints = error.constraints ?? {};
    if ('whitelistValidation' in constraints) {
      report(segments, error.value, unknownKeyMessage(error), 'unknown-key');
      continue;
    }
    const messages = firstMessages(constraints);
    if (messages.length > 0) {
      const message = messages.join('; ');
      if (error.value === undefined) report(segments, undefined, `required; ${message}`, 'missing');
      else report(segments, error.value, message, 'invalid');
      continue; // the value itself is wrong: its children are noise
    }
    collectValidationErrors(error.children ?? [], segments, report);
  }
}

/** class-validator constraints that check a value's type rather than its range or form. */
const TYPE_CONSTRAINTS = new Set([
  'isDefined',
  'isBoolean',
  'isString',
  'isNumber',
  'isInt',
  'isArray',
  'isObject',
  'isEnum',
  'isDate',
]);

/**
 * The messages to show for one value's failed constraints: the type checks
 * when any failed (`"5"` for `@IsInt() @Min(0)` is "must be an integer", not
 * "must not be less than 0", whatever the decorator order), else the first
 * failed constraint in declaration order, as `stopAtFirstError` would give.
 * `nestedValidation` only counts when nothing else failed.
 */
function firstMessages(constraints: Record<string, string>): string[] {
  const failed = Object.entries(constraints);
  const own = failed.filter(([name]) => name !== 'nestedValidation');
  const types = own.filter(([name]) => TYPE_CONSTRAINTS.has(name));
  const chosen = types.length > 0 ? types : own.slice(0, 1);
  return (chosen.length > 0 ? chosen : failed.slice(0, 1)).map(([, message]) => message);
}

function unknownKeyMessage(error: ValidationError): string {
  const owner = error.target?.constructor;
  const allowed = typeof owner === 'function' ? allowedConfigKeys(owner as new () => object) : [];
  return unknownKeyText(error.property, allowed);
}

function unknownKeyText(key: string, allowed: readonly string[]): string {
  const suggestion = suggestKey(key, allowed);
  const didYouMean = suggestion === undefined ? '.' : `; did you mean "${suggestion}"?`;
  return `unknown key${didYouMean} Allowed keys: ${allowed.join(', ')}`;
}

function refine(
  instance: object,
  parent: readonly (string | number)[],
  isClean: (segments: readonly (string | number)[]) => boolean,
  report: Report,
): void {
  for (const [key, child] of Object.entries(instance)) {
    if (isConfigInstance(child)) refine(child, [...parent, key], isClean, report);
    if (Array.isArray(child)) {
      child.forEach((item: unknown, index) => {
        if (isConfigInstance(item)) refine(item, [...parent, key, index], isClean, report);
      });
    }
  }
  const refinable = instance as Partial<RefinableConfig>;
  if (typeof refinable.refineConfig === 'function' && isClean(parent)) {
    for (const issue of refinable.refineConfig()) {
      report([...parent, ...issue.path], issue.value, issue.message, 'invalid');
    }
  }
}

/**
 * A copy of `value` with only the keys `cls` allows, descending into its
 * {@link ConfigBlock} properties; every other key is reported as unknown (with
 * a did-you-mean). Linear in the input. Getters and methods of the class are
 * not allowed keys either (class-transformer would skip them silently).
 */
function knownKeysOnly(
  cls: ConfigClass<object> | undefined,
  value: Record<string, unknown>,
  parent: readonly string[],
  report: Report,
): Record<string, unknown> {
  // No class: a free-form mapping (e.g. headers), where only prototype keys are refused.
  const allowedList = cls === undefined ? undefined : allowedConfigKeys(cls);
  const allowed = allowedList === undefined ? undefined : new Set(allowedList);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = value[key];
    const segments = [...parent, key];
    if (FORBIDDEN_KEYS.has(key)) {
      report(segments, item, 'this key is not allowed in a config', 'unknown-key');
    } else if (allowed !== undefined && allowedList !== undefined && !allowed.has(key)) {
      report(segments, item, unknownKeyText(key, allowedList), 'unknown-key');
    } else if (isPlainMapping(item)) {
      const block = cls === undefined ? undefined : configBlockType(cls, key);
      copy[key] = knownKeysOnly(block, item, segments, report);
    } else {
      copy[key] = item;
    }
  }
  return copy;
}

function isPlainMapping(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isConfigInstance(value: unknown): value is object {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !isPlainMapping(value) &&
    allowedConfigKeys(value.constructor as new () => object).length > 0
  );
}

function sortByLine(issues: ConfigIssue[]): void {
  issues.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
}
