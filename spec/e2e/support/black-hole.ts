import * as net from 'node:net';
import type { ProcessScene } from './process-scene';

/**
 * A collector that is not there in the worst way: a TCP server that accepts
 * every connection and never sends a byte, so an OTLP/gRPC export waits
 * until its own deadline.
 */
export interface BlackHole {
  /** `http://127.0.0.1:<port>`, for `otlp_endpoint`. */
  readonly endpoint: string;
  /** Connections accepted so far. */
  connections(): number;
  /** Bytes received so far (the worker did try to export). */
  bytesReceived(): number;
  /** Destroys every connection and closes. */
  close(): Promise<void>;
}

/** Starts a {@link BlackHole} on a free port of 127.0.0.1. */
export async function startBlackHole(): Promise<BlackHole> {
  let count = 0;
  let bytes = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.byteLength;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections: () => count,
    bytesReceived: () => bytes,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Options of {@link blackHoleWorker}. */
export interface BlackHoleWorkerOptions {
  /** The worker's `shutdown_timeout` in ms. */
  readonly shutdownMs: number;
  /** `batch.scheduled_delay` (default the config's own, 5s). */
  readonly scheduledDelay?: string;
  /** `service_name` (default e2e-black-hole). */
  readonly service?: string;
}

/**
 * Starts a {@link BlackHole} for this test (closed after it) and writes a
 * worker config exporting to it with a 60 s export timeout, so that only
 * the shutdown bound can end the wait. Returns the hole and the config path.
 */
export async function blackHoleWorker(
  scene: ProcessScene,
  options: BlackHoleWorkerOptions,
): Promise<{ hole: BlackHole; config: string }> {
  const hole = await startBlackHole();
  scene.onCleanup(() => hole.close());
  const lines = [
    'telemetry:',
    '  enabled: true',
    `  otlp_endpoint: '${hole.endpoint}'`,
    `  service_name: ${options.service ?? 'e2e-black-hole'}`,
    '  metrics_export_interval: 60s',
    '  batch:',
    ...(options.scheduledDelay === undefined
      ? []
      : [`    scheduled_delay: ${options.scheduledDelay}`]),
    '    export_timeout: 60s',
    `shutdown_timeout: ${options.shutdownMs}ms`,
    '',
  ];
  return { hole, config: scene.dir.write('worker.yaml', lines.join('\n')) };
}
