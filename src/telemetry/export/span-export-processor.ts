import { bounded } from '../bounded';
import type { Context } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import { ExportResultCode, globalErrorHandler } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ExportRetryError } from '../export-retry-error';
import { budgetWithin } from '../export-retry-policy';
import type { ExportSignalStats } from '../export-retry-stats';
import { logger } from '../logger';
import { ChunkBufferPool } from './chunk-buffer-pool';
import { ChunkPump } from './chunk-pump';
import type { ChunkSender, SenderStats } from './chunk-pump';
import { exportWorkerEntry } from './export-worker-entry';
import type { ExportWorkerEntry } from './export-worker-entry';
import { ExportWorkerThread } from './export-worker-thread';
import { createOtlpBytesExporter } from './otlp-bytes-exporter';
import { SpanChunk } from './span-chunk';
import type { EncodedChunk } from './span-chunk';
import type { SpanQueueStats } from './span-queue-stats';
import type { SpanTransportOptions } from './span-transport-options';

/** Options of {@link SpanExportProcessor}. */
export interface SpanExportProcessorOptions {
  /** Where and how to send (plain data: it goes to the worker thread). */
  readonly transport: SpanTransportOptions;
  /** A chunk is sealed and sent when it holds this many spans (`max_export_batch_size`), or 1 MiB, or a quarter of `maxQueueBytes`. */
  readonly maxExportBatchSize: number;
  /** ...or when its first span has waited this long, in ms (`scheduled_delay`). */
  readonly scheduledDelayMs: number;
  /** Most encoded bytes sealed and not yet exported (`max_queue_bytes`); a chunk beyond is dropped and counted. */
  readonly maxQueueBytes: number;
  /** Bound of `shutdown()` in ms. */
  readonly shutdownTimeoutMs: number;
  /** `worker` (default): send from a worker thread; `main`: send on the main thread. */
  readonly thread?: 'worker' | 'main';
  /** The worker script (default: {@link exportWorkerEntry}); specs pass a missing one. */
  readonly workerEntry?: ExportWorkerEntry;
}

/*
 * Most bytes in one request: collectors refuse large gRPC messages (the
 * OpenTelemetry Collector's default limit is 4 MiB), and a few requests must
 * fit in the queue at once.
 */
const MAX_REQUEST_BYTES = 1024 * 1024;

type Counters = {
  -readonly [K in
    | 'exportedBatches'
    | 'exportedItems'
    | 'droppedBatches'
    | 'droppedItems'
    | 'overloadBatches'
    | 'overloadItems']: number;
};

/**
 * The span processor of the toolkit's own providers: each sampled span is
 * encoded to OTLP protobuf when it ends (one chunk per resource and scope),
 * a chunk is sealed when it holds `maxExportBatchSize` spans or its first
 * span is `scheduledDelayMs` old, and its bytes go to a worker thread that
 * sends them over OTLP/gRPC, a few requests in flight, with the toolkit's
 * retries. The main thread pays for encoding only, not for serialising a
 * whole batch at once or for gRPC.
 *
 * Sealed bytes wait (kept here until their result, so they can be resent)
 * up to `maxQueueBytes`; a chunk that would go beyond is dropped and
 * counted, never queued unbounded. If the worker thread cannot start or
 * dies, the chunks it held and all later ones are sent from the main thread
 * (logged once). Nothing here throws into the code that ends a span.
 */
export class SpanExportProcessor implements SpanProcessor {
  private readonly chunks = new Map<Resource, Map<InstrumentationScope, SpanChunk>>();
  private readonly openChunks: SpanChunk[] = [];
  private readonly outstanding = new Map<number, EncodedChunk>();
  private readonly idleWaiters = new Set<() => void>();
  private readonly buffers = new ChunkBufferPool();
  private readonly counters: Counters = {
    exportedBatches: 0,
    exportedItems: 0,
    droppedBatches: 0,
    droppedItems: 0,
    overloadBatches: 0,
    overloadItems: 0,
  };
  private sender: ChunkSender;
  private worker: ExportWorkerThread | undefined;
  /** Counters of a sender that was replaced (the dead worker's). */
  private retired: SenderStats | undefined;
  private queuedBytes = 0;
  private peakQueuedBytes = 0;
  private nextId = 1;
  private timer: NodeJS.Timeout | undefined;
  private deadlineCap = Number.POSITIVE_INFINITY;
  private stopping = false;
  private shutdownOnce: Promise<void> | undefined;
  private encodeFailureReported = false;

  /** A chunk is sealed at this many bytes too, whatever its span count. */
  private readonly maxChunkBytes: number;

  constructor(private readonly options: SpanExportProcessorOptions) {
    this.maxChunkBytes = Math.min(MAX_REQUEST_BYTES, Math.floor(options.maxQueueBytes / 4));
    this.sender =
      options.thread === 'main' ? this.mainThreadPump() : this.startWorker(options.workerEntry);
  }

  /** The export worker thread, while spans go through one (diagnostics; specs kill it). */
  get workerThread(): ExportWorkerThread | undefined {
    return this.worker;
  }

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & 1) === 0) return;
    if (this.stopping) {
      this.drop(1, false);
      return;
    }
    try {
      const chunk = this.chunkFor(span);
      chunk.add(span);
      if (chunk.spans >= this.options.maxExportBatchSize || chunk.size >= this.maxChunkBytes) {
        this.dispatch(chunk);
      } else if (chunk.spans === 1) this.armTimer(this.options.scheduledDelayMs);
    } catch (error) {
      this.drop(1, false);
      if (!this.encodeFailureReported) {
        this.encodeFailureReported = true;
        globalErrorHandler(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  /** Seals every open chunk and resolves once each sealed chunk has its result. */
  forceFlush(): Promise<void> {
    this.sealAll();
    return this.idle();
  }

  /**
   * Seals what is open, lets it go out within the shutdown bound (retries
   * included), then stops the sender; what is still unsent is counted as
   * dropped. Idempotent.
   */
  shutdown(): Promise<void> {
    this.shutdownOnce ??= this.stop();
    return this.shutdownOnce;
  }

  /** No request may run past `at` (epoch ms): the providers' shutdown bound. */
  capDeadline(at: number): void {
    this.deadlineCap = Math.min(this.deadlineCap, at);
    this.sender.capDeadline(at);
  }

  /** Export counters in the shape of the retrying exporters' (items are spans). */
  stats(): ExportSignalStats {
    const s = this.sender.stats();
    const r = this.retired;
    return {
      ...this.counters,
      retries: s.retries + (r?.retries ?? 0),
      recoveredBatches: s.recoveredBatches + (r?.recoveredBatches ?? 0),
      inFlight: this.shutdownOnce === undefined || this.outstanding.size > 0 ? s.inFlight : 0,
      peakInFlight: Math.max(s.peakInFlight, r?.peakInFlight ?? 0),
      maxInFlight: s.maxInFlight,
    };
  }

  /** The byte-bounded queue's counters. */
  queueStats(): SpanQueueStats {
    return {
      queuedBytes: this.queuedBytes,
      peakQueuedBytes: this.peakQueuedBytes,
      maxQueueBytes: this.options.maxQueueBytes,
      queuedBatches: this.outstanding.size,
      workerThread: this.worker !== undefined,
    };
  }

  private async stop(): Promise<void> {
    this.sealAll();
    this.stopping = true;
    clearTimeout(this.timer);
    if (this.worker !== undefined && !this.worker.isReady) {
      // The thread is still starting (it never got a chunk): do not wait for it.
      this.worker.abandon();
      this.switchToMainThread();
    }
    const at = Math.min(
      this.deadlineCap,
      Date.now() + budgetWithin(this.options.shutdownTimeoutMs),
    );
    this.capDeadline(at);
    const deadline = sleep(Math.max(0, at - Date.now()));
    await Promise.race([this.idle(), deadline.done]);
    deadline.cancel();
    // A shutdown that gave up leaves no keep-alive timer behind.
    for (const wake of [...this.idleWaiters]) wake();
    // Stopping the sender waits for the gRPC calls it has out, which the stock
    // delegate lets run to export_timeout: wait for it only up to the bound.
    await bounded(
      () => this.sender.stop(at),
      Math.max(0, at - Date.now()) + STOP_MARGIN_MS,
      'span export stop',
    );
    // What never got a result will not get one now.
    for (const [id, chunk] of this.outstanding) {
      this.settle(id, chunk, {
        code: ExportResultCode.FAILED,
        error: new ExportRetryError(
          'FLOWGEN_EXPORT_GAVE_UP',
          `span batch of ${chunk.spans} not exported within the shutdown bound`,
        ),
      });
    }
    this.worker = undefined;
  }

  private chunkFor(span: ReadableSpan): SpanChunk {
    let scopes = this.chunks.get(span.resource);
    if (scopes === undefined) {
      scopes = new Map();
      this.chunks.set(span.resource, scopes);
    }
    let chunk = scopes.get(span.instrumentationScope);
    if (chunk === undefined) {
      chunk = new SpanChunk(span.resource, span.instrumentationScope);
      scopes.set(span.instrumentationScope, chunk);
      this.openChunks.push(chunk);
    }
    return chunk;
  }

  private dispatch(chunk: SpanChunk): void {
    const sealed = chunk.seal(this.buffers);
    // What the chunk holds in memory: a pooled buffer's whole capacity.
    const bytes = sealed.bytes.buffer.byteLength;
    if (this.queuedBytes + bytes > this.options.maxQueueBytes) {
      this.drop(sealed.spans, true);
      this.buffers.release(sealed.bytes);
      globalErrorHandler(
        new ExportRetryError(
          'FLOWGEN_EXPORT_OVERLOAD',
          `span batch of ${sealed.spans} dropped: ${this.queuedBytes} bytes already wait for export ` +
            `(telemetry.batch.max_queue_bytes is ${this.options.maxQueueBytes}); the collector is slow or unreachable`,
        ),
      );
      return;
    }
    const id = this.nextId++;
    this.outstanding.set(id, sealed);
    this.queuedBytes += bytes;
    this.peakQueuedBytes = Math.max(this.peakQueuedBytes, this.queuedBytes);
    this.sender.send(id, sealed);
  }

  private sealAll(): void {
    for (const chunk of this.openChunks) if (chunk.spans > 0) this.dispatch(chunk);
  }

  /* Seals the chunks whose first span is `scheduledDelayMs` old; comes back for the others. */
  private armTimer(delayMs: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = Date.now();
      let next = Number.POSITIVE_INFINITY;
      for (const chunk of this.openChunks) {
        if (chunk.spans === 0) continue;
        const due = chunk.openedAt + this.options.scheduledDelayMs;
        if (due <= now) this.dispatch(chunk);
        else next = Math.min(next, due - now);
      }
      if (next !== Number.POSITIVE_INFINITY) this.armTimer(next);
    }, delayMs);
    this.timer.unref();
  }

  private onResult(id: number, result: ExportResult): void {
    const chunk = this.outstanding.get(id);
    if (chunk !== undefined) this.settle(id, chunk, result);
  }

  private settle(id: number, chunk: EncodedChunk, result: ExportResult): void {
    this.outstanding.delete(id);
    this.queuedBytes -= chunk.bytes.buffer.byteLength;
    this.buffers.release(chunk.bytes);
    if (result.code === ExportResultCode.SUCCESS) {
      this.counters.exportedBatches += 1;
      this.counters.exportedItems += chunk.spans;
    } else {
      this.drop(chunk.spans, false);
      globalErrorHandler(result.error ?? new Error('span export failed'));
    }
    if (this.outstanding.size === 0) for (const wake of [...this.idleWaiters]) wake();
  }

  private drop(spans: number, overload: boolean): void {
    this.counters.droppedBatches += 1;
    this.counters.droppedItems += spans;
    if (overload) {
      this.counters.overloadBatches += 1;
      this.counters.overloadItems += spans;
    }
  }

  /*
   * Resolves when no chunk waits for a result. The thread and its channel
   * never keep the process alive, so while someone awaits this (a flush, the
   * shutdown) a timer does: the process must not exit in the middle.
   */
  private idle(): Promise<void> {
    if (this.outstanding.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const keepAlive = setInterval(() => undefined, 60_000);
      const wake = (): void => {
        clearInterval(keepAlive);
        this.idleWaiters.delete(wake);
        resolve();
      };
      this.idleWaiters.add(wake);
    });
  }

  private startWorker(entry: ExportWorkerEntry = exportWorkerEntry()): ChunkSender {
    try {
      this.worker = new ExportWorkerThread(
        entry,
        this.options.transport,
        (id, result) => this.onResult(id, result),
        (error) => this.takeOver(error),
      );
      return this.worker;
    } catch (error) {
      logWorkerFailure(error);
      return this.mainThreadPump();
    }
  }

  /* The worker is gone: send on the main thread, starting with what it held. */
  private takeOver(error: Error): void {
    logWorkerFailure(error);
    this.switchToMainThread();
  }

  private switchToMainThread(): void {
    this.retired = this.sender.stats();
    this.worker = undefined;
    const pump = this.mainThreadPump();
    this.sender = pump;
    if (this.deadlineCap !== Number.POSITIVE_INFINITY) pump.capDeadline(this.deadlineCap);
    for (const [id, chunk] of [...this.outstanding].sort(([a], [b]) => a - b)) pump.send(id, chunk);
  }

  private mainThreadPump(): ChunkPump {
    return new ChunkPump(
      createOtlpBytesExporter(this.options.transport),
      this.options.transport.retry,
      (id, result) => this.onResult(id, result),
    );
  }
}

function logWorkerFailure(error: unknown): void {
  logger.warn(
    { error: error instanceof Error ? error.message : String(error) },
    'span export worker thread unavailable; sending spans from the main thread',
  );
}

/** Past the shutdown bound, how long the sender may take to say it stopped. */
const STOP_MARGIN_MS = 250;

function sleep(ms: number): { done: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { done, cancel: () => clearTimeout(timer) };
}
