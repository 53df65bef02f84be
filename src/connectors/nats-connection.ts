import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from '../telemetry/logger';
import { connectNats } from './nats-client';
import { NatsConnectError } from './nats-errors';
import type { NatsServerAddress } from './nats-url';
import { natsServerAddress, redactNatsUrl } from './nats-url';

/** How long the first connection may take before the task fails to start. */
const CONNECT_TIMEOUT_MS = 5_000;
/** Wait between two reconnect attempts once connected: a restarted server is found quickly. */
const RECONNECT_WAIT_MS = 250;

/**
 * One task's connection to a NATS server. Once connected it reconnects
 * without end (a server that goes away mid-run never stops the worker) and
 * counts disconnects and reconnects, logging each.
 */
export class NatsLink {
  /** Times the connection was lost. */
  disconnects = 0;
  /** Times it came back. */
  reconnects = 0;
  private readonly watching: Promise<void>;

  private constructor(
    /** The client connection. */
    readonly nc: NatsConnection,
    /** Host and port of the configured server, for `server.address` / `server.port`. */
    readonly server: NatsServerAddress,
    private readonly logger: Logger,
  ) {
    this.watching = this.watchStatus();
  }

  /**
   * Connects to `url` for task `task` (`owner` names it in errors).
   *
   * @throws NatsConnectError when the server cannot be reached within 5 s.
   */
  static async open(
    url: string,
    task: string,
    logger: Logger,
    owner = `task "${task}"`,
  ): Promise<NatsLink> {
    let nc: NatsConnection;
    try {
      nc = await connectNats({
        servers: url,
        name: `flowgen:${task}`,
        timeout: CONNECT_TIMEOUT_MS,
        maxReconnectAttempts: -1,
        reconnectTimeWait: RECONNECT_WAIT_MS,
      });
    } catch (error) {
      throw new NatsConnectError(owner, redactNatsUrl(url), error);
    }
    return new NatsLink(nc, natsServerAddress(url), logger);
  }

  /** Drains nothing: closes at once (unacked messages are redelivered by the server). */
  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.close().catch(() => undefined);
    await this.watching;
    this.logger.info(
      { disconnects: this.disconnects, reconnects: this.reconnects },
      'nats connection closed',
    );
  }

  private async watchStatus(): Promise<void> {
    try {
      for await (const status of this.nc.status()) {
        if (status.type === 'disconnect') {
          this.disconnects++;
          this.logger.warn(
            { disconnects: this.disconnects, server: status.server },
            'nats connection lost; reconnecting',
          );
        } else if (status.type === 'reconnect') {
          this.reconnects++;
          this.logger.info(
            { reconnects: this.reconnects, server: status.server },
            'nats reconnected',
          );
        }
      }
    } catch (error) {
      // The status stream ends with the connection; an error there is only logged.
      this.logger.warn({ err: error }, 'nats status stream failed');
    }
  }
}
