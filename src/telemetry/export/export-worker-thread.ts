import { resolveExportRetryOptions } from '../export-retry-policy';
import { MessageChannel } from 'node:worker_threads';
import type { MessagePort, Worker } from 'node:worker_threads';
import type { ExportResult } from '@opentelemetry/core';
import { ExportResultCode } from '@opentelemetry/core';
import { ExportRetryError } from '../export-retry-error';
import type { ChunkResultListener, ChunkSender, SenderStats } from './chunk-pump';
import type { ExportWorkerEntry } from './export-worker-entry';
import { sharedExportWorker } from './export-worker-pool';
import type { EncodedChunk } from './span-chunk';
import type { SpanTransportOptions } from './span-transport-options';
import type {
  AttachExportChannel,
  FromExportWorker,
  ToExportWorker,
  WireError,
} from './worker-messages';

/** How long past its deadline a stopping channel may take to say so before it is closed. */
const STOP_MARGIN_MS = 250;

/**
 * A processor's channel to the export worker thread: posts each sealed
 * chunk's bytes (shared memory, not copied) and relays the
 * results. Chunks are posted only once the thread said it is ready, so a
 * thread that never starts has none of them. When the thread cannot start
 * or dies, `onDeath` is called once and nothing more is sent or relayed: the
 * processor sends the chunks it still holds itself.
 */
export class ExportWorkerThread implements ChunkSender {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private last: SenderStats;
  private ready = false;
  /** Chunks not posted yet: the thread is starting, or has a full window. */
  private pending: { id: number; chunk: EncodedChunk }[] = [];
  /** Chunks posted and without a result yet. */
  private posted = 0;
  /** Most chunks posted at once: the thread's requests in flight, and as many ready to go. */
  private readonly window: number;
  private dead = false;
  private stopped: Promise<void> | undefined;
  private onStopped: (() => void) | undefined;
  private readonly onExit = (code: number): void =>
    this.die(new Error(`the span export worker thread exited with code ${code}`));
  private readonly onError = (error: Error): void => this.die(error);

  constructor(
    entry: ExportWorkerEntry,
    options: SpanTransportOptions,
    private readonly onResult: ChunkResultListener,
    private readonly onDeath: (error: Error) => void,
  ) {
    // What the pump in the thread allows (defaults resolved the same way there).
    const { maxInFlight } = resolveExportRetryOptions(options.retry);
    this.last = { retries: 0, recoveredBatches: 0, inFlight: 0, peakInFlight: 0, maxInFlight };
    this.window = 2 * maxInFlight;
    this.worker = sharedExportWorker(entry);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.port.on('message', (message: FromExportWorker) => this.receive(message));
    this.port.unref();
    this.worker.on('exit', this.onExit);
    this.worker.on('error', this.onError);
    const attach: AttachExportChannel = { type: 'attach', port: port2, options };
    this.worker.postMessage(attach, [port2]);
  }

  /** The thread itself (shared by the processors of the process). */
  get thread(): Worker {
    return this.worker;
  }

  /** Whether the thread has taken this channel and sends its chunks. */
  get isReady(): boolean {
    return this.ready && !this.dead;
  }

  /*
   * The waiting chunks stay here (one copy, the processor's) and go over only
   * as the thread has room: a down collector does not fill the thread too.
   */
  send(id: number, chunk: EncodedChunk): void {
    if (this.dead) return;
    if (!this.ready || this.posted >= this.window) {
      this.pending.push({ id, chunk });
      return;
    }
    this.posted++;
    // Shared memory (see ChunkBufferPool) crosses without a copy; a plain
    // buffer is copied, since the processor keeps `chunk` until its result
    // to resend it if this thread dies.
    this.post({ type: 'chunk', id, bytes: chunk.bytes, spans: chunk.spans });
  }

  private sendPending(): void {
    while (this.pending.length > 0 && this.posted < this.window && !this.dead) {
      const { id, chunk } = this.pending.shift()!;
      this.send(id, chunk);
    }
  }

  capDeadline(at: number): void {
    if (!this.dead) this.post({ type: 'cap', at });
  }

  stats(): SenderStats {
    return this.dead || this.stopped !== undefined ? { ...this.last, inFlight: 0 } : this.last;
  }

  stop(at: number): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.onStopped = undefined;
        this.detach();
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, at - Date.now()) + STOP_MARGIN_MS);
      if (this.dead || !this.ready) return done();
      this.onStopped = done;
      this.post({ type: 'stop', at });
    });
    return this.stopped;
  }

  /** Stops using the thread without waiting for it (it never became ready). */
  abandon(): void {
    this.dead = true;
    this.detach();
  }

  private post(message: ToExportWorker): void {
    try {
      this.port.postMessage(message);
    } catch (error) {
      this.die(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private receive(message: FromExportWorker): void {
    if (this.dead) return;
    if (message.type === 'ready') {
      this.ready = true;
      this.sendPending();
      return;
    }
    this.last = message.stats;
    if (message.type === 'stopped') {
      this.onStopped?.();
      return;
    }
    this.posted -= message.ok.length + message.failed.length;
    for (const id of message.ok) this.onResult(id, { code: ExportResultCode.SUCCESS });
    for (const { id, error } of message.failed) this.onResult(id, failure(error));
    this.sendPending();
  }

  private die(error: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.onStopped?.();
    if (this.stopped !== undefined) return;
    this.detach();
    this.onDeath(error);
  }

  private detach(): void {
    this.worker.off('exit', this.onExit);
    this.worker.off('error', this.onError);
    this.port.close();
  }
}

function failure(error: WireError): ExportResult {
  const described = new ExportRetryError(
    typeof error.code === 'string' && error.code.startsWith('FLOWGEN_EXPORT_')
      ? (error.code as ExportRetryError['code'])
      : 'FLOWGEN_EXPORT_GAVE_UP',
    error.message,
  );
  return { code: ExportResultCode.FAILED, error: described };
}
