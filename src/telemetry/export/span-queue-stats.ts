/** The byte-bounded queue of the span export pipeline. */
export interface SpanQueueStats {
  /** Encoded bytes sealed and not yet exported or given up (sending or waiting to). */
  readonly queuedBytes: number;
  /** The most bytes ever queued at once; never above {@link maxQueueBytes} */
  readonly peakQueuedBytes: number;
  /** The bound (`telemetry.batch.max_queue_bytes`). */
  readonly maxQueueBytes: number;
  /** Requests queued now. */
  readonly queuedBatches: number;
  /** Whether spans go through the export worker thread (false: on the main thread, by choice or after the worker failed). */
  readonly workerThread: boolean;
}
