import { isMainThread, parentPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { ExportResultCode } from '@opentelemetry/core';
import { ChunkPump } from './chunk-pump';
import { createOtlpBytesExporter } from './otlp-bytes-exporter';
import type { SpanTransportOptions } from './span-transport-options';
import { toWireError } from './worker-messages';
import type {
  AttachExportChannel,
  FromExportWorker,
  ToExportWorker,
  WireError,
} from './worker-messages';

/**
 * Serves one processor's channel in the export worker thread: receives
 * sealed chunks (transferred bytes), sends them over OTLP/gRPC through a
 * {@link ChunkPump}, and posts the results back in batches, one message per
 * turn of the event loop. A closed channel stops its pump.
 */
export function serveExportChannel(port: MessagePort, options: SpanTransportOptions): void {
  let ok: number[] = [];
  let failed: { id: number; error: WireError }[] = [];
  let scheduled = false;
  const post = (message: FromExportWorker): void => port.postMessage(message);
  const pump = new ChunkPump(createOtlpBytesExporter(options), options.retry, (id, result) => {
    if (result.code === ExportResultCode.SUCCESS) ok.push(id);
    else failed.push({ id, error: toWireError(result.error) });
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      const message: FromExportWorker = { type: 'results', ok, failed, stats: pump.stats() };
      ok = [];
      failed = [];
      post(message);
    });
  });
  port.on('message', (message: ToExportWorker) => {
    switch (message.type) {
      case 'chunk':
        pump.send(message.id, { bytes: message.bytes, spans: message.spans });
        break;
      case 'cap':
        pump.capDeadline(message.at);
        break;
      case 'stop':
        void pump.stop(message.at).then(() => {
          // The results of the last chunks go first (setImmediate above), then this.
          setImmediate(() => post({ type: 'stopped', stats: pump.stats() }));
        });
        break;
    }
  });
  port.on('close', () => void pump.stop(Date.now()));
  post({ type: 'ready' });
}

/*
 * One export thread serves every processor of the process: each attaches a
 * channel of its own, with its own endpoint and options.
 */
if (!isMainThread && parentPort !== null) {
  const parent = parentPort;
  parent.on('message', (message: AttachExportChannel | { type: 'ping' }) => {
    if (message.type === 'attach') serveExportChannel(message.port, message.options);
    else if (message.type === 'ping') parent.postMessage({ type: 'pong' });
  });
}
