import * as net from 'node:net';

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
