import * as net from 'node:net';

/** A plain TCP server that accepts connections, counts them and closes them at once. */
export interface ConnectionCounter {
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  /** Connections accepted so far. */
  connections(): number;
  /** Closes the server. */
  close(): Promise<void>;
}

/** Starts a {@link ConnectionCounter} on a free port of 127.0.0.1. */
export async function startConnectionCounter(): Promise<ConnectionCounter> {
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    connections: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
