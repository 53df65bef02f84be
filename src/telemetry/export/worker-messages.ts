import type { MessagePort } from 'node:worker_threads';
import type { SenderStats } from './chunk-pump';
import type { SpanTransportOptions } from './span-transport-options';

/** An export failure as it crosses the thread boundary. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  /** The toolkit's error code, or a gRPC status code. */
  readonly code?: string | number;
}

/** Messages on the worker's own port: a processor attaches its channel. */
export interface AttachExportChannel {
  readonly type: 'attach';
  /** The worker's end of the processor's channel. */
  readonly port: MessagePort;
  readonly options: SpanTransportOptions;
}

/** Messages from the processor to the export worker (on its channel). */
export type ToExportWorker =
  | {
      readonly type: 'chunk';
      readonly id: number;
      readonly bytes: Uint8Array;
      readonly spans: number;
    }
  | { readonly type: 'cap'; readonly at: number }
  | { readonly type: 'stop'; readonly at: number };

/** Messages from the export worker to the processor (on its channel). */
export type FromExportWorker =
  | { readonly type: 'ready' }
  | {
      readonly type: 'results';
      /** Chunk ids sent. */
      readonly ok: readonly number[];
      /** Chunk ids that failed, with why. */
      readonly failed: readonly { readonly id: number; readonly error: WireError }[];
      readonly stats: SenderStats;
    }
  | { readonly type: 'stopped'; readonly stats: SenderStats };

/** `error` as plain data. */
export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
  };
}
