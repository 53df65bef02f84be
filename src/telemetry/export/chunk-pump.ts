import type { ExportResult } from '@opentelemetry/core';
import { ExportResultCode } from '@opentelemetry/core';
import { ExportRetryError } from '../export-retry-error';
import type { ExportRetryOptions } from '../export-retry-policy';
import { ExportRetrier } from '../retrying-exporter';
import type { BatchExporter } from '../retrying-exporter';
import type { EncodedChunk } from './span-chunk';

/** The sender's own counters: retries and what is in flight (exports and drops are counted by the processor). */
export interface SenderStats {
  /** Attempts after the first, over all requests. */
  readonly retries: number;
  /** Requests that needed a retry and then got through. */
  readonly recoveredBatches: number;
  /** Requests in flight now (an attempt running or a backoff pending). */
  readonly inFlight: number;
  /** The most requests ever in flight at once. */
  readonly peakInFlight: number;
  /** The bound on requests in flight. */
  readonly maxInFlight: number;
}

/** Where sealed chunks go: the export worker thread, or a pump on the main thread. */
export interface ChunkSender {
  /** Sends `chunk`; its result comes back once, by id. */
  send(id: number, chunk: EncodedChunk): void;
  /** No request may run past `at` (epoch ms). */
  capDeadline(at: number): void;
  /** Ends by `at`: what is not sent by then fails; the channel is closed. */
  stop(at: number): Promise<void>;
  /** The sender's counters. */
  stats(): SenderStats;
}

/** Called once per chunk with its result. */
export type ChunkResultListener = (id: number, result: ExportResult) => void;

/** How long to look again when a slot is held by an attempt that outlived its chunk. */
const SLOT_RECHECK_MS = 20;

/**
 * Sends encoded chunks in arrival order with at most `maxInFlight` requests
 * in flight, each retried by the toolkit's {@link ExportRetrier} (the same
 * policy as the OTLP exporters'). Chunks wait in a FIFO meanwhile: the
 * processor bounds their bytes. Runs in the export worker thread, or on the
 * main thread when the worker is gone.
 */
export class ChunkPump implements ChunkSender {
  private readonly retrier: ExportRetrier<EncodedChunk>;
  private readonly maxInFlight: number;
  private waiting: { id: number; chunk: EncodedChunk }[] = [];
  private head = 0;
  private deadlineCap = Number.POSITIVE_INFINITY;
  private recheck: NodeJS.Timeout | undefined;
  private stopped: Promise<void> | undefined;

  constructor(
    exporter: BatchExporter<EncodedChunk>,
    options: ExportRetryOptions,
    private readonly onResult: ChunkResultListener,
  ) {
    this.retrier = new ExportRetrier(exporter, (chunk) => chunk.spans, 'span', options);
    this.maxInFlight = this.retrier.stats().maxInFlight;
  }

  /** Queues `chunk`; its result comes through the listener exactly once. */
  send(id: number, chunk: EncodedChunk): void {
    this.waiting.push({ id, chunk });
    this.pump();
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.waiting.length - this.head;
  }

  /** See {@link ExportRetrier.capDeadline}; chunks still waiting at `at` fail then, unsent. */
  capDeadline(at: number): void {
    this.deadlineCap = Math.min(this.deadlineCap, at);
    this.retrier.capDeadline(at);
    const timer = setTimeout(() => this.pump(), Math.max(0, at - Date.now()));
    timer.unref();
  }

  /** The counters. */
  stats(): SenderStats {
    const s = this.retrier.stats();
    return {
      retries: s.retries,
      recoveredBatches: s.recoveredBatches,
      inFlight: s.inFlight,
      peakInFlight: s.peakInFlight,
      maxInFlight: s.maxInFlight,
    };
  }

  /**
   * Fails what still waits, lets requests in flight end by `at` at the
   * latest, then closes the channel. Idempotent.
   */
  stop(at: number): Promise<void> {
    this.stopped ??= (async () => {
      this.capDeadline(at);
      this.pump();
      await this.retrier.shutdown();
      clearTimeout(this.recheck);
    })();
    return this.stopped;
  }

  private pump(): void {
    const pastCap = Date.now() >= this.deadlineCap;
    while (this.head < this.waiting.length) {
      if (!pastCap && this.retrier.stats().inFlight >= this.maxInFlight) {
        this.compact();
        this.armRecheck();
        return;
      }
      const next = this.waiting[this.head]!;
      this.waiting[this.head++] = undefined as never;
      if (pastCap) {
        this.onResult(next.id, {
          code: ExportResultCode.FAILED,
          error: new ExportRetryError(
            'FLOWGEN_EXPORT_GAVE_UP',
            `span batch of ${next.chunk.spans} not sent: the shutdown bound was reached first`,
          ),
        });
        continue;
      }
      this.retrier.export(next.chunk, (result) => {
        this.onResult(next.id, result);
        this.pump();
      });
    }
    this.waiting = [];
    this.head = 0;
  }

  /* Drops the consumed front of the FIFO once it is most of the array. */
  private compact(): void {
    if (this.head < 1024 || this.head * 2 < this.waiting.length) return;
    this.waiting = this.waiting.slice(this.head);
    this.head = 0;
  }

  /* A slot held by an attempt that outlived its chunk frees without a callback to us. */
  private armRecheck(): void {
    if (this.recheck !== undefined) return;
    this.recheck = setTimeout(() => {
      this.recheck = undefined;
      this.pump();
    }, SLOT_RECHECK_MS);
    this.recheck.unref();
  }
}
