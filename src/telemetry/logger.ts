import { isatty } from 'node:tty';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { destination as pinoDestination, pino } from 'pino';
import type { DestinationStream, Level, LevelWithSilent, Logger as PinoLogger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { contextManager } from './context-manager';

/**
 * The toolkit's logger: a pino logger. Re-exported as a type so callers do not
 * need to depend on pino directly to annotate a field or parameter.
 *
 * @example
 * ```ts
 * import type { Logger } from 'flowgen-ts';
 * class MyConnector { constructor(private readonly log: Logger) {} }
 * ```
 */
export type Logger = PinoLogger;

/** Output format of log lines: one JSON object per line, or one human-readable line. */
export type LogFormat = 'json' | 'pretty';

/**
 * Options of {@link createLogger}. Every field is optional; unset fields fall
 * back to the environment (`FLOWGEN_LOG_LEVEL`, `FLOWGEN_LOG_FORMAT`) and then
 * to the defaults (info, json unless the destination is a TTY, stderr).
 *
 * @example
 * ```ts
 * const log = createLogger({ level: 'debug', format: 'json', name: 'worker' });
 * ```
 */
export interface LoggerOptions {
  /** trace | debug | info | warn | error | fatal | silent. Default: `FLOWGEN_LOG_LEVEL`, else info. */
  level?: string;
  /** Default: `FLOWGEN_LOG_FORMAT`, else pretty on a TTY and json otherwise. */
  format?: LogFormat;
  /** A stream or a file descriptor. Default: 2 (stderr): logs never go over OTLP. */
  destination?: NodeJS.WritableStream | number;
  /** Written as the `name` field of every line. */
  name?: string;
}

/** Environment variable that sets the default log level. */
export const LOG_LEVEL_ENV = 'FLOWGEN_LOG_LEVEL';
/** Environment variable that sets the default log format (`json` or `pretty`). */
export const LOG_FORMAT_ENV = 'FLOWGEN_LOG_FORMAT';

const DEFAULT_LEVEL: Level = 'info';
const VALID_LEVELS: readonly LevelWithSilent[] = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
  'silent',
];

/**
 * Paths pino removes before serialising, so a header or config object logged
 * whole cannot leak a credential. Top-level keys are listed as well as `*.`
 * ones because pino's wildcard matches exactly one level.
 */
const REDACT_PATHS: readonly string[] = [
  'headers.authorization',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  'password',
  'api_key',
  'token',
  '*.password',
  '*.api_key',
  '*.token',
];

/** The value that replaces a redacted secret. */
export const REDACTED = '[Redacted]';

function isLevel(value: string): value is LevelWithSilent {
  return (VALID_LEVELS as readonly string[]).includes(value);
}

/**
 * The correlation fields of the span active in the toolkit's context manager,
 * or none. Names follow the OTel log-correlation convention (`trace_id`,
 * `span_id`, `trace_flags` as two hex digits) so log shippers and backends
 * link a line to its trace without a custom parser.
 */
function traceFields(): Record<string, string> {
  const span = trace.getSpan(contextManager.active());
  if (span === undefined) return {};
  const sc = span.spanContext();
  // A non-recording placeholder span carries all-zero IDs: they would
  // correlate every such line with one bogus trace.
  if (!isSpanContextValid(sc)) return {};
  return {
    trace_id: sc.traceId,
    span_id: sc.spanId,
    trace_flags: sc.traceFlags.toString(16).padStart(2, '0'),
  };
}

function isTty(destination: NodeJS.WritableStream | number): boolean {
  if (typeof destination === 'number') return isatty(destination);
  return (destination as { isTTY?: unknown }).isTTY === true;
}

/**
 * A synchronous pretty destination: pino-pretty's own stream is a pipeline of
 * transforms (asynchronous) and its transport runs in a worker thread, both
 * of which can drop the last lines on exit. `prettyFactory` formats in place,
 * so each entry is on the wire before `log.info()` returns.
 */
function prettyDestination(
  target: DestinationStream | NodeJS.WritableStream,
  colorize: boolean,
): DestinationStream {
  const prettify = prettyFactory({
    colorize,
    singleLine: true,
    translateTime: 'SYS:standard',
    ignore: 'pid,hostname',
  });
  return {
    write(line: string): void {
      target.write(prettify(line));
    },
  };
}

/**
 * Creates a pino logger whose lines carry `trace_id`, `span_id` and
 * `trace_flags` of the span active in the toolkit's context manager (and no
 * such fields outside a span), with secrets redacted. Writes are synchronous in
 * both formats so nothing is lost when the process exits.
 *
 * An invalid level (option or `FLOWGEN_LOG_LEVEL`) falls back to info and is
 * reported once as a warning on the new logger; so is an invalid
 * `FLOWGEN_LOG_FORMAT` (the TTY-based default is used).
 *
 * @example
 * ```ts
 * const log = createLogger({ name: 'worker' });
 * log.info({ task: 'fetch' }, 'task started'); // inside a span: + trace_id, span_id
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const warnings: { obj: Record<string, unknown>; msg: string }[] = [];

  const rawLevel = (options.level ?? process.env[LOG_LEVEL_ENV] ?? DEFAULT_LEVEL)
    .trim()
    .toLowerCase();
  let level: LevelWithSilent = DEFAULT_LEVEL;
  if (rawLevel === '') {
    level = DEFAULT_LEVEL;
  } else if (isLevel(rawLevel)) {
    level = rawLevel;
  } else {
    warnings.push({
      obj: { value: options.level ?? process.env[LOG_LEVEL_ENV], allowed: VALID_LEVELS },
      msg: `invalid log level${options.level === undefined ? ` in ${LOG_LEVEL_ENV}` : ''}; using ${DEFAULT_LEVEL}`,
    });
  }

  const destination = options.destination ?? 2;
  let format: LogFormat | undefined = options.format;
  if (format === undefined) {
    const fromEnv = process.env[LOG_FORMAT_ENV]?.trim().toLowerCase();
    if (fromEnv === 'json' || fromEnv === 'pretty') {
      format = fromEnv;
    } else if (fromEnv !== undefined && fromEnv !== '') {
      warnings.push({
        obj: { value: process.env[LOG_FORMAT_ENV], allowed: ['json', 'pretty'] },
        msg: `invalid log format in ${LOG_FORMAT_ENV}; using the default`,
      });
    }
  }
  const tty = isTty(destination);
  format ??= tty ? 'pretty' : 'json';

  // A fd goes through SonicBoom in sync mode (pino's fastest synchronous
  // path); a stream is written to directly, which is synchronous as well.
  const raw: DestinationStream | NodeJS.WritableStream =
    typeof destination === 'number'
      ? pinoDestination({ fd: destination, sync: true })
      : destination;
  const stream: DestinationStream | NodeJS.WritableStream =
    format === 'pretty' ? prettyDestination(raw, tty) : raw;

  const log = pino(
    {
      level,
      ...(options.name !== undefined ? { name: options.name } : {}),
      mixin: traceFields,
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    },
    stream,
  );
  for (const w of warnings) log.warn(w.obj, w.msg);
  return log;
}

let current: Logger | undefined;

/**
 * The shared default logger, created from the environment on first use.
 *
 * @example
 * ```ts
 * getLogger().info('worker ready');
 * ```
 */
export function getLogger(): Logger {
  current ??= createLogger();
  return current;
}

/**
 * The shared default logger. It forwards to {@link getLogger} on every access,
 * so importing it creates nothing, and a logger installed later with
 * {@link setLogger} is seen by modules that imported `logger` earlier.
 *
 * @example
 * ```ts
 * import { logger } from 'flowgen-ts';
 * logger.warn({ task: 'sink' }, 'slow downstream');
 * ```
 */
export const logger: Logger = new Proxy({} as Logger, {
  get(_target, prop) {
    const l = getLogger();
    const value: unknown = Reflect.get(l, prop, l);
    // pino's methods read their state from `this`: bind to the real logger.
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(l) : value;
  },
  set(_target, prop, value) {
    return Reflect.set(getLogger(), prop, value);
  },
  has(_target, prop) {
    return Reflect.has(getLogger(), prop);
  },
});

/**
 * Replaces the shared default logger (e.g. with one that writes into a memory
 * stream in a spec).
 *
 * @example
 * ```ts
 * setLogger(createLogger({ destination: memoryStream, format: 'json' }));
 * ```
 */
export function setLogger(l: Logger): void {
  current = l === logger ? getLogger() : l;
}

/**
 * Drops the shared default logger and all rate-limit state, so the next use
 * creates a fresh logger from the environment.
 *
 * @example
 * ```ts
 * afterEach(() => resetLogger());
 * ```
 */
export function resetLogger(): void {
  current = undefined;
  rateState.clear();
}

/** Last write time and the count of skipped calls, per key. */
interface RateEntry {
  last: number;
  suppressed: number;
}

const rateState = new Map<string, RateEntry>();

/**
 * Logs `msg` at `level` the first time `key` is seen in this process (until
 * {@link resetLogger}) and returns true; later calls with the same key do
 * nothing and return false. For conditions worth saying once, such as a
 * deprecated config key.
 *
 * @example
 * ```ts
 * logOnce(log, 'deprecated:otlp_insecure', 'warn', { key: 'otlp_insecure' }, 'ignored config key');
 * ```
 */
export function logOnce(log: Logger, key: string, level: Level, obj: object, msg: string): boolean {
  const k = `once:${key}`;
  if (rateState.has(k)) return false;
  rateState.set(k, { last: 0, suppressed: 0 });
  log[level](obj, msg);
  return true;
}

/** Options of {@link warnEvery}. */
export interface WarnEveryOptions {
  /** Logger to write to. Default: the shared default logger at call time. */
  logger?: Logger;
  /** Clock in milliseconds; injectable so specs need not wait. */
  now?: () => number;
}

/**
 * A rate-limited warning: the returned function writes at warn level at most
 * once per `intervalMs` for `key` (state is shared by every function made with
 * the same key) and returns whether it wrote. The next line written after a
 * quiet period carries `suppressed`: how many calls were skipped since the
 * previous line. Meant for an exporter's failure handler, which would
 * otherwise log once per span while a collector is down.
 *
 * @example
 * ```ts
 * const warnExport = warnEvery('otlp-trace-export', 30_000);
 * exporterErrorHandler = (err) => warnExport({ err }, 'trace export failed');
 * ```
 */
export function warnEvery(
  key: string,
  intervalMs: number,
  options: WarnEveryOptions = {},
): (obj: object, msg: string) => boolean {
  const now = options.now ?? Date.now;
  const k = `every:${key}`;
  return (obj: object, msg: string): boolean => {
    const t = now();
    const entry = rateState.get(k);
    if (entry !== undefined && t - entry.last < intervalMs) {
      entry.suppressed += 1;
      return false;
    }
    const suppressed = entry?.suppressed ?? 0;
    rateState.set(k, { last: t, suppressed: 0 });
    const log = options.logger ?? getLogger();
    log.warn(suppressed > 0 ? { ...obj, suppressed } : obj, msg);
    return true;
  };
}
