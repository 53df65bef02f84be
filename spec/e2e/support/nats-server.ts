import { NatsServer, START_TIMEOUT_MS } from '../../../bench/nats-server';

export { NatsServer };

/**
 * Registers mocha hooks that start one `nats-server` for the spec file and
 * stop it after, and returns a getter for it. Call inside `describe`.
 */
export function natsServerPerFile(): () => NatsServer {
  let server: NatsServer | undefined;
  before(async function () {
    this.timeout(START_TIMEOUT_MS + 5_000);
    server = await NatsServer.start();
  });
  after(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined) throw new Error('natsServerPerFile: no server outside the hooks');
    return server;
  };
}
