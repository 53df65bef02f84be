import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { CoordinationConfig } from '../config/coordination-config';
import { NatsLink } from '../connectors/nats-connection';
import type { Logger } from '../telemetry/logger';
import { leaseKey } from './lease-key';
import { LeaseStore } from './lease-store';
import { LeaseTenure } from './lease-tenure';
import type { LeaseTimings } from './lease-tenure';
import type { Tenure } from './tenure';

/** Longest wait between two tries to take a held lease (expiry sends no event on NATS 2.9). */
const MAX_POLL_MS = 1_000;

/**
 * Runs the sources that cannot be split on one worker at a time: each such
 * source waits for its lease (`<flow>.<task>` in the KV bucket), runs one
 * tenure while it holds it, and releases it on shutdown so another worker
 * takes over at once (it watches for the release and polls for expiry).
 *
 * @example
 * ```ts
 * const leases = await LeaseCoordinator.open(worker.coordination, 'orders', logger);
 * await leases.runTenures('ticks', (tenure) => node.run(tenure), stopSignal);
 * ```
 */
export class LeaseCoordinator {
  /** This worker's holder id: host, pid and a random suffix. */
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly timings: LeaseTimings;

  private constructor(
    private readonly config: CoordinationConfig,
    private readonly flow: string,
    private readonly link: NatsLink,
    private readonly store: LeaseStore,
    private readonly logger: Logger,
  ) {
    this.timings = { ttlMs: config.leaseTtlMs, renewMs: config.renewIntervalMs };
  }

  /**
   * Connects and opens (or creates) the bucket.
   *
   * @throws NatsConnectError when the server cannot be reached; LeaseBucketError when the bucket does not fit.
   */
  static async open(
    config: CoordinationConfig,
    flow: string,
    logger: Logger,
  ): Promise<LeaseCoordinator> {
    const log = logger.child({ component: 'coordination' });
    const link = await NatsLink.open(config.url, 'coordination', log, 'coordination.url');
    try {
      const store = await LeaseStore.open(link.nc, config.bucket, config.leaseTtlMs);
      return new LeaseCoordinator(config, flow, link, store, log);
    } catch (error) {
      await link.close();
      throw error;
    }
  }

  /** Whether a source of type `type` runs under a lease. */
  leases(type: string): boolean {
    return !this.config.unleased_types.includes(type);
  }

  /**
   * Runs `runTenure` once per tenure of task `task`'s lease until `stop`
   * aborts, or until a tenure ends by itself (the source is done).
   */
  async runTenures(
    task: string,
    runTenure: (tenure: Tenure) => Promise<void>,
    stop: AbortSignal,
  ): Promise<void> {
    const key = leaseKey(this.flow, task);
    let wake: (() => void) | undefined;
    const stopWatch = await this.store.watchReleases(key, () => wake?.());
    try {
      while (!stop.aborted) {
        const sentAt = performance.now();
        const revision = await this.store.acquire(key, { holder: this.holder }).catch((error) => {
          this.logger.warn({ err: error, lease: key }, 'lease acquire failed; retrying');
          return undefined;
        });
        if (revision === undefined) {
          await this.pause(stop, (w) => (wake = w));
          continue;
        }
        const tenure = new LeaseTenure(
          this.store,
          key,
          this.holder,
          revision,
          sentAt,
          this.timings,
          stop,
          this.logger,
        );
        this.logger.info({ lease: key, holder: this.holder, revision }, 'lease acquired');
        let endedByItself = false;
        try {
          await runTenure(tenure);
          endedByItself = tenure.ended === undefined;
        } finally {
          await tenure.release();
          this.logger.info({ lease: key, revision }, 'lease released');
        }
        if (endedByItself) return;
      }
    } finally {
      stopWatch();
    }
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.link.close();
  }

  /* Waits for a release, the poll interval, or the stop. */
  private pause(stop: AbortSignal, setWake: (wake: () => void) => void): Promise<void> {
    const pollMs = Math.min(this.timings.renewMs, MAX_POLL_MS);
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        stop.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, pollMs);
      stop.addEventListener('abort', done, { once: true });
      setWake(done);
    });
  }
}
