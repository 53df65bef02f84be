import { IsArray, IsNotEmpty, IsOptional, IsString, ValidateIf } from 'class-validator';
import { ConfigBlock } from './config-block';
import { CoordinationConfig } from './coordination-config';
import { parseDuration } from './duration';
import { IsDuration } from './is-duration';
import { readYamlConfigFile } from './read-yaml-config';
import { RetryConfig } from './retry-config';
import { TelemetryConfig } from './telemetry-config';
import { validateConfig } from './validate-object';

/**
 * A whole worker YAML file, validated. Every key is optional; unknown keys (at
 * any depth) are errors.
 *
 * ```yaml
 * telemetry:                 # omitted or empty: telemetry off
 *   enabled: true
 *   service_name: orders
 * retry:
 *   max_attempts: 5
 * shutdown_timeout: 10s
 * handler_timeout: 30s       # omitted: no per-event timeout
 * modules: [./dist/tasks.js] # flowgen run: your own @Task classes
 * ```
 *
 * @example
 * ```ts
 * const worker = loadWorkerConfigFile('worker.yaml');
 * worker.telemetry?.enabled; worker.retry.max_attempts; worker.shutdownTimeoutMs;
 * ```
 */
export class WorkerConfig {
  /** The `telemetry:` block; undefined when omitted or empty (no exporter). See {@link TelemetryConfig}. */
  @IsOptional()
  @ConfigBlock(() => TelemetryConfig)
  telemetry?: TelemetryConfig;

  /** Default retry policy of every task; a task's own `retry:` replaces it. See {@link RetryConfig}. */
  @ConfigBlock(() => RetryConfig)
  retry: RetryConfig = new RetryConfig();

  /** How long a graceful shutdown may take before tasks are abandoned, as a duration. Default `10s`. */
  @IsDuration()
  shutdown_timeout: string = '10s';

  /** Longest one handler invocation (one attempt) may run, as a duration. Omitted: no limit. */
  @IsDuration()
  @ValidateIf((config: WorkerConfig) => config.handler_timeout !== undefined)
  handler_timeout?: string;

  /**
   * `flowgen run` only: modules whose exported `@Task` classes are registered
   * beside the built-in ones, as paths relative to this file or package
   * names. Compiled JavaScript (CommonJS or ESM), or TypeScript when a loader
   * such as ts-node is registered.
   */
  @IsOptional()
  @IsArray({ message: 'must be a list of module paths, e.g. [./dist/tasks.js]' })
  @IsString({ each: true, message: 'each entry must be a module path (a string)' })
  @IsNotEmpty({ each: true, message: 'each entry must be a module path, not empty' })
  modules?: string[];

  /** The `coordination:` block (leases in NATS KV for sources that cannot be split); undefined when omitted. See {@link CoordinationConfig}. */
  @IsOptional()
  @ConfigBlock(() => CoordinationConfig)
  coordination?: CoordinationConfig;

  /** `shutdown_timeout` in milliseconds. */
  get shutdownTimeoutMs(): number {
    return parseDuration(this.shutdown_timeout);
  }

  /** `handler_timeout` in milliseconds, or undefined for no limit. */
  get handlerTimeoutMs(): number | undefined {
    return this.handler_timeout === undefined ? undefined : parseDuration(this.handler_timeout);
  }
}

/** Options of {@link loadWorkerConfig}. */
export interface LoadWorkerConfigOptions {
  /** The file the value was read from, named in errors. */
  file?: string;
  /** Line of a key path from the top of the file. */
  lineOf?: (path: string[]) => number | undefined;
}

/**
 * Validates a parsed worker config (a plain object). `undefined`/`null` (an
 * empty file) means all defaults.
 *
 * @throws ConfigError listing every problem.
 * @example
 * ```ts
 * loadWorkerConfig({ retry: { max_attempts: 5 } }).retry.initial_backoff; // '100ms'
 * ```
 */
export function loadWorkerConfig(
  raw: unknown,
  options: LoadWorkerConfigOptions = {},
): WorkerConfig {
  const config = validateConfig(WorkerConfig, raw ?? {}, { ...options, path: '' });
  if (config.telemetry === null) config.telemetry = undefined;
  if (config.coordination === null) config.coordination = undefined;
  return config;
}

/**
 * Reads, parses and validates a worker YAML file. Every issue carries the file
 * and the line of the offending key; YAML syntax errors carry line and column;
 * a missing file is a ConfigError saying the path does not exist.
 *
 * @throws ConfigError
 * @example
 * ```ts
 * try { loadWorkerConfigFile('worker.yaml'); } catch (e) { console.error(String(e)); process.exit(2); }
 * ```
 */
export function loadWorkerConfigFile(path: string): WorkerConfig {
  const source = readYamlConfigFile(path);
  return loadWorkerConfig(source.value, { file: path, lineOf: source.lineOf });
}
