import type { ExportResult } from '@opentelemetry/core';
import { ExportResultCode } from '@opentelemetry/core';
import type {
  AggregationOption,
  AggregationTemporality,
  InstrumentType,
  PushMetricExporter,
  ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { ExportRetryError } from './export-retry-error';
import { backoffMs, resolveExportRetryOptions, retryDecision } from './export-retry-policy';
import type { ExportRetryOptions, ResolvedExportRetryOptions } from './export-retry-policy';
import type { ExportSignalStats } from './export-retry-stats';

/** The part of an OTel exporter the retrier drives: span and metric exporters both fit. */
export interface BatchExporter<T> {
  /** Sends one batch; calls `resultCallback` once. */
  export(items: T, resultCallback: (result: ExportResult) => void): void;
  /** Stops the exporter. */
  shutdown(): Promise<void>;
  /** Waits for what it is sending. */
  forceFlush?(): Promise<void>;
}

/** One batch from arrival to its result, and until the inner exporter is done with it. */
interface Job<T> {
  readonly items: T;
  readonly size: number;
  readonly startedAt: number;
  readonly callback: (result: ExportResult) => void;
  attempts: number;
  deadlineAt: number;
  lastError?: unknown;
  /** An attempt was handed to the inner exporter and has not called back yet. */
  innerPending: boolean;
  /** The result callback was called. */
  finished: boolean;
  backoffTimer?: NodeJS.Timeout;
  deadlineTimer?: NodeJS.Timeout;
  orphanTimer?: NodeJS.Timeout;
}

type Counters = {
  -readonly [K in keyof Omit<ExportSignalStats, 'inFlight' | 'maxInFlight'>]: number;
};

/**
 * Retries failed exports of an unmodified OTel exporter, the one thing the
 * OTLP/gRPC exporter of OTel JS 0.223 does not do (its HTTP exporters wrap
 * their transport in a retrying one; the gRPC delegate does not, and its
 * transport reports every gRPC error as a final failure).
 *
 * Per the OTLP spec, retryable gRPC codes (UNAVAILABLE, DEADLINE_EXCEEDED,
 * CANCELLED, ABORTED, OUT_OF_RANGE, DATA_LOSS, and RESOURCE_EXHAUSTED when
 * the server sent RetryInfo) are retried with exponential backoff and jitter,
 * at most `maxAttempts` attempts and never past the batch's time budget; any
 * other failure is reported at once. The result callback is called exactly
 * once, by the end of the budget at the latest, and nothing here throws.
 *
 * At most `maxInFlight` batches are in flight (an attempt running or a backoff
 * pending): a batch that arrives when that many are, fails at once and is
 * counted as dropped, so a slow or down collector costs bounded memory.
 *
 * Used by the span pipeline (ChunkPump) and {@link RetryingMetricExporter}.
 */
export class ExportRetrier<T> {
  private readonly options: ResolvedExportRetryOptions;
  private readonly jobs = new Set<Job<T>>();
  private readonly finishWaiters = new Set<() => void>();
  private readonly counters: Counters = {
    exportedBatches: 0,
    exportedItems: 0,
    retries: 0,
    recoveredBatches: 0,
    droppedBatches: 0,
    droppedItems: 0,
    overloadBatches: 0,
    overloadItems: 0,
    peakInFlight: 0,
  };
  private deadlineCap = Number.POSITIVE_INFINITY;
  private stopped = false;
  private shutdownOnce: Promise<void> | undefined;

  /**
   * @param inner - the exporter that sends (left unmodified).
   * @param sizeOf - how many items a batch holds, for the counters.
   * @param what - `span` or `metric`, named in errors.
   */
  constructor(
    private readonly inner: BatchExporter<T>,
    private readonly sizeOf: (items: T) => number,
    private readonly what: string,
    options: ExportRetryOptions = {},
  ) {
    this.options = resolveExportRetryOptions(options);
  }

  /** Sends `items`, retrying as described on the class; calls `resultCallback` exactly once. */
  export(items: T, resultCallback: (result: ExportResult) => void): void {
    const callback = once(resultCallback);
    let size = 0;
    try {
      size = this.sizeOf(items);
    } catch {
      // Counting is best effort; the batch is still sent.
    }
    if (this.stopped) {
      this.drop(size, false);
      callback(
        failed(
          new ExportRetryError('FLOWGEN_EXPORT_SHUT_DOWN', `${this.what} exporter is shut down`),
        ),
      );
      return;
    }
    if (this.jobs.size >= this.options.maxInFlight) {
      this.drop(size, true);
      callback(
        failed(
          new ExportRetryError(
            'FLOWGEN_EXPORT_OVERLOAD',
            `${this.what} batch of ${size} dropped: ${this.jobs.size} batches already in flight ` +
              `(the most allowed); the collector is slow or unreachable`,
          ),
        ),
      );
      return;
    }
    const now = Date.now();
    const job: Job<T> = {
      items,
      size,
      startedAt: now,
      callback,
      attempts: 0,
      deadlineAt: Math.min(now + this.options.budgetMs, this.deadlineCap),
      innerPending: false,
      finished: false,
    };
    this.jobs.add(job);
    this.counters.peakInFlight = Math.max(this.counters.peakInFlight, this.jobs.size);
    this.armDeadline(job);
    this.attempt(job);
  }

  /** A snapshot of the counters. */
  stats(): ExportSignalStats {
    return { ...this.counters, inFlight: this.jobs.size, maxInFlight: this.options.maxInFlight };
  }

  /**
   * No batch, in flight or to come, may run past `at` (epoch ms): shutdown
   * uses it so a final flush retries only while the shutdown bound allows.
   */
  capDeadline(at: number): void {
    this.deadlineCap = Math.min(this.deadlineCap, at);
    for (const job of this.jobs) {
      if (job.finished || job.deadlineAt <= at) continue;
      job.deadlineAt = at;
      this.armDeadline(job);
    }
  }

  /** Resolves once every batch received so far has its result; then flushes the inner exporter. */
  async forceFlush(): Promise<void> {
    await this.allFinished();
    await this.inner.forceFlush?.();
  }

  /**
   * Refuses later batches at once; lets the batches in flight finish their
   * retries, but within `shutdownGraceMs` from now (or an earlier
   * {@link capDeadline}); then shuts the inner exporter down. The batch
   * processor calls this without waiting for the batch its timer sent, so
   * cutting that batch's backoff short here would lose it. Idempotent: later
   * calls return the first call's promise.
   */
  shutdown(): Promise<void> {
    this.shutdownOnce ??= this.stop();
    return this.shutdownOnce;
  }

  private async stop(): Promise<void> {
    this.stopped = true;
    this.capDeadline(Date.now() + this.options.shutdownGraceMs);
    await this.allFinished();
    await this.inner.shutdown();
  }

  private attempt(job: Job<T>): void {
    job.backoffTimer = undefined;
    job.attempts += 1;
    job.innerPending = true;
    const onResult = once((result: ExportResult) => {
      job.innerPending = false;
      this.onResult(job, result);
    });
    try {
      this.inner.export(job.items, onResult);
    } catch (error) {
      onResult(failed(toError(error)));
    }
  }

  private onResult(job: Job<T>, result: ExportResult): void {
    if (job.finished) {
      // An attempt that outlived the budget has ended: its slot is free now.
      this.release(job);
      return;
    }
    if (result.code === ExportResultCode.SUCCESS) {
      this.counters.exportedBatches += 1;
      this.counters.exportedItems += job.size;
      if (job.attempts > 1) this.counters.recoveredBatches += 1;
      this.finish(job, { code: ExportResultCode.SUCCESS });
      return;
    }
    job.lastError = result.error;
    const decision = retryDecision(result.error);
    if (!decision.retry || job.attempts >= this.options.maxAttempts) {
      this.giveUp(job);
      return;
    }
    const delay = decision.serverDelayMs ?? backoffMs(job.attempts, this.options);
    // A retry that could not even start before the deadline only wastes a slot.
    if (Date.now() + delay >= job.deadlineAt) {
      this.giveUp(job);
      return;
    }
    this.counters.retries += 1;
    job.backoffTimer = setTimeout(() => this.attempt(job), delay);
    job.backoffTimer.unref();
  }

  private giveUp(job: Job<T>): void {
    this.counters.droppedBatches += 1;
    this.counters.droppedItems += job.size;
    const last = job.lastError;
    const error =
      job.attempts <= 1 && last instanceof Error
        ? last // not retried: the exporter's own error says it best
        : new ExportRetryError(
            'FLOWGEN_EXPORT_GAVE_UP',
            `${this.what} batch of ${job.size} not exported after ${job.attempts} attempt(s) in ` +
              `${Date.now() - job.startedAt} ms: ${last === undefined ? 'no answer within the export budget' : describe(last)}`,
            { cause: last },
          );
    this.finish(job, failed(error));
  }

  private finish(job: Job<T>, result: ExportResult): void {
    job.finished = true;
    clearTimeout(job.backoffTimer);
    clearTimeout(job.deadlineTimer);
    job.backoffTimer = undefined;
    job.deadlineTimer = undefined;
    try {
      job.callback(result);
    } catch {
      // A throwing callback is the caller's bug; it must not break the retrier.
    }
    if (!job.innerPending) {
      this.release(job);
    } else {
      // The attempt still holds a connection slot until the exporter's own
      // deadline; if the exporter never calls back, free the slot anyway.
      job.orphanTimer = setTimeout(() => this.release(job), this.options.budgetMs);
      job.orphanTimer.unref();
    }
    for (const wake of [...this.finishWaiters]) wake();
  }

  private release(job: Job<T>): void {
    clearTimeout(job.orphanTimer);
    this.jobs.delete(job);
  }

  private armDeadline(job: Job<T>): void {
    clearTimeout(job.deadlineTimer);
    job.deadlineTimer = setTimeout(
      () => {
        if (!job.finished) this.giveUp(job);
      },
      Math.max(0, job.deadlineAt - Date.now()),
    );
    job.deadlineTimer.unref();
  }

  private drop(size: number, overload: boolean): void {
    this.counters.droppedBatches += 1;
    this.counters.droppedItems += size;
    if (overload) {
      this.counters.overloadBatches += 1;
      this.counters.overloadItems += size;
    }
  }

  private allFinished(): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if ([...this.jobs].every((job) => job.finished)) {
          this.finishWaiters.delete(check);
          resolve();
        }
      };
      this.finishWaiters.add(check);
      check();
    });
  }
}

/**
 * A `PushMetricExporter` that retries what the wrapped exporter fails to
 * send, as {@link ExportRetrier} describes; the aggregation choices are the
 * wrapped exporter's. Items counted are data points.
 *
 * @example
 * ```ts
 * const exporter = new RetryingMetricExporter(new OTLPMetricExporter({ url }));
 * new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
 * ```
 */
export class RetryingMetricExporter implements PushMetricExporter {
  /** The wrapped exporter's temporality choice, when it makes one (OTLP does). */
  readonly selectAggregationTemporality?: (
    instrumentType: InstrumentType,
  ) => AggregationTemporality;
  /** The wrapped exporter's aggregation choice, when it makes one. */
  readonly selectAggregation?: (instrumentType: InstrumentType) => AggregationOption;
  private readonly retrier: ExportRetrier<ResourceMetrics>;

  constructor(inner: PushMetricExporter, options: ExportRetryOptions = {}) {
    this.retrier = new ExportRetrier(inner, countDataPoints, 'metric', options);
    // Present only when the wrapped exporter has them: the reader falls back
    // to its defaults when they are absent, and must keep doing so.
    if (inner.selectAggregationTemporality !== undefined) {
      this.selectAggregationTemporality = inner.selectAggregationTemporality.bind(inner);
    }
    if (inner.selectAggregation !== undefined) {
      this.selectAggregation = inner.selectAggregation.bind(inner);
    }
  }

  /** Sends `metrics`, retrying retryable failures; calls `resultCallback` exactly once. */
  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    this.retrier.export(metrics, resultCallback);
  }

  /** Waits for the batches in flight, then flushes the wrapped exporter. */
  forceFlush(): Promise<void> {
    return this.retrier.forceFlush();
  }

  /** Waits for the batches in flight, then shuts the wrapped exporter down. */
  shutdown(): Promise<void> {
    return this.retrier.shutdown();
  }

  /** See {@link ExportRetrier.capDeadline}. */
  capDeadline(at: number): void {
    this.retrier.capDeadline(at);
  }

  /** The counters; items are metric data points. */
  stats(): ExportSignalStats {
    return this.retrier.stats();
  }
}

function countDataPoints(metrics: ResourceMetrics): number {
  let n = 0;
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) n += metric.dataPoints.length;
  }
  return n;
}

function failed(error: Error): ExportResult {
  return { code: ExportResultCode.FAILED, error };
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function once<A>(fn: (arg: A) => void): (arg: A) => void {
  let called = false;
  return (arg: A) => {
    if (called) return;
    called = true;
    fn(arg);
  };
}
