import { retryDelayFromStatusDetails } from './export-retry-info';

/**
 * gRPC status codes by number. Spelled out here rather than imported from
 * `@grpc/grpc-js` so this module does not load gRPC before instrumentations
 * that wrap it (the OTel exporters lazy-load it for the same reason).
 */
export const GrpcCode = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
} as const;

/*
 * The OTLP/gRPC spec's retryable codes. RESOURCE_EXHAUSTED is not among them:
 * it is retried only when the server sends RetryInfo (checked separately).
 */
const RETRYABLE_CODES: ReadonlySet<number> = new Set([
  GrpcCode.CANCELLED,
  GrpcCode.DEADLINE_EXCEEDED,
  GrpcCode.ABORTED,
  GrpcCode.OUT_OF_RANGE,
  GrpcCode.UNAVAILABLE,
  GrpcCode.DATA_LOSS,
]);

/** Tuning of the export retries (the span pipeline's and {@link RetryingMetricExporter}); every field has a default. */
export interface ExportRetryOptions {
  /** Attempts per batch in total, the first included (1 = no retry). Default 5. */
  readonly maxAttempts?: number;
  /** Backoff before the first retry in ms. Default 500. */
  readonly initialBackoffMs?: number;
  /** Longest backoff between two attempts in ms. Default 5000. */
  readonly maxBackoffMs?: number;
  /** Growth of the backoff from one retry to the next. Default 2. */
  readonly backoffMultiplier?: number;
  /** Each backoff is scaled by a random factor in [1 - jitter, 1 + jitter]. Default 0.2. */
  readonly jitter?: number;
  /**
   * Longest time one batch may take, all attempts and backoffs included, in
   * ms. The result callback is called by then at the latest. Default 30000;
   * `createTelemetryProviders` sets it just under the export timeout, so the
   * batch processor never gives up on a batch that is still being retried.
   */
  readonly budgetMs?: number;
  /**
   * Most batches in flight at once (first attempt, backoff or retry). For a
   * retrying exporter, a batch that arrives when this many are in flight
   * fails at once and is counted as dropped: a slow or down collector never
   * piles up work. The toolkit's span export keeps further batches waiting in
   * its byte-bounded queue instead (`telemetry.batch.max_queue_bytes`).
   * Default 4.
   */
  readonly maxInFlight?: number;
  /**
   * How long `shutdown()` lets batches in flight go on retrying, in ms.
   * Default 5000 (the default shutdown bound of the providers).
   */
  readonly shutdownGraceMs?: number;
  /** Random numbers in [0, 1) for the jitter; injectable so specs are exact. */
  readonly random?: () => number;
}

/** {@link ExportRetryOptions} with every default applied. */
export type ResolvedExportRetryOptions = Required<ExportRetryOptions>;

/** Defaults of {@link ExportRetryOptions}. */
export const DEFAULT_EXPORT_RETRY: ResolvedExportRetryOptions = {
  maxAttempts: 5,
  initialBackoffMs: 500,
  maxBackoffMs: 5_000,
  backoffMultiplier: 2,
  jitter: 0.2,
  budgetMs: 30_000,
  maxInFlight: 4,
  shutdownGraceMs: 5_000,
  random: Math.random,
};

/** Applies the defaults and clamps values that would make no sense (0 attempts, negative times). */
export function resolveExportRetryOptions(
  options: ExportRetryOptions = {},
): ResolvedExportRetryOptions {
  const merged = { ...DEFAULT_EXPORT_RETRY, ...definedOnly(options) };
  return {
    ...merged,
    maxAttempts: Math.max(1, Math.floor(merged.maxAttempts)),
    initialBackoffMs: Math.max(0, merged.initialBackoffMs),
    maxBackoffMs: Math.max(0, merged.maxBackoffMs),
    backoffMultiplier: Math.max(1, merged.backoffMultiplier),
    jitter: Math.min(1, Math.max(0, merged.jitter)),
    budgetMs: Math.max(1, merged.budgetMs),
    maxInFlight: Math.max(1, Math.floor(merged.maxInFlight)),
    shutdownGraceMs: Math.max(0, merged.shutdownGraceMs),
  };
}

/** `base` with every field that `override` sets (an `undefined` field does not erase one of `base`). */
export function mergeExportRetryOptions(
  base: ExportRetryOptions,
  override: ExportRetryOptions | undefined,
): ExportRetryOptions {
  return { ...base, ...definedOnly(override ?? {}) };
}

function definedOnly(options: ExportRetryOptions): ExportRetryOptions {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as ExportRetryOptions;
}

/** What to do after a failed attempt. */
export type RetryDecision =
  | { readonly retry: false }
  | { readonly retry: true; readonly serverDelayMs?: number };

/**
 * Whether a failed export may be tried again, per the OTLP/gRPC spec: the
 * retryable status codes, and RESOURCE_EXHAUSTED only when the server said
 * when to come back (google.rpc.RetryInfo in `grpc-status-details-bin`). An
 * error without a gRPC code (a serialisation failure, the exporter's own
 * concurrency limit) is not retried: trying again would fail the same way.
 */
export function retryDecision(error: unknown): RetryDecision {
  const code = grpcCodeOf(error);
  if (code === undefined) return { retry: false };
  const serverDelayMs = retryDelayFromStatusDetails(statusDetailsOf(error));
  if (code === GrpcCode.RESOURCE_EXHAUSTED) {
    return serverDelayMs === undefined ? { retry: false } : { retry: true, serverDelayMs };
  }
  if (!RETRYABLE_CODES.has(code)) return { retry: false };
  return serverDelayMs === undefined ? { retry: true } : { retry: true, serverDelayMs };
}

/** The gRPC status code of a grpc-js `ServiceError`, if `error` is one. */
export function grpcCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
}

function statusDetailsOf(error: unknown): Uint8Array | undefined {
  const metadata = (error as { metadata?: unknown }).metadata;
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const get = (metadata as { get?: unknown }).get;
  if (typeof get !== 'function') return undefined;
  try {
    const values = (get as (key: string) => unknown).call(metadata, 'grpc-status-details-bin');
    const first: unknown = Array.isArray(values) ? values[0] : undefined;
    return first instanceof Uint8Array ? first : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The backoff before retry number `retry` (1 for the first retry):
 * `initial * multiplier^(retry-1)`, capped at the maximum, then scaled by a
 * random factor in [1 - jitter, 1 + jitter] so many workers that lost the same
 * collector do not come back in lockstep.
 */
export function backoffMs(retry: number, options: ResolvedExportRetryOptions): number {
  const base = Math.min(
    options.initialBackoffMs * options.backoffMultiplier ** Math.max(0, retry - 1),
    options.maxBackoffMs,
  );
  const factor = 1 + options.jitter * (2 * options.random() - 1);
  return Math.max(0, base * factor);
}

/**
 * The time a batch's retries may take when its caller waits `timeoutMs`
 * (the export timeout, the shutdown bound): a little less, so its result is
 * reported rather than abandoned and the next batch starts clean.
 */
export function budgetWithin(timeoutMs: number): number {
  return Math.max(1, timeoutMs - Math.min(250, timeoutMs / 10));
}
