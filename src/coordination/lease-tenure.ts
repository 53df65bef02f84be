import { settlesWithin } from '../runtime/shutdown-budget';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../telemetry/logger';
import type { ConnectorAttributes } from '../telemetry/attribute-values';
import type { LeaseStore } from './lease-store';
import type { Tenure } from './tenure';
import { ATTR_LEASE_HOLDER, ATTR_LEASE_KEY, ATTR_LEASE_REVISION } from './tenure';

/** Timings of a lease, in milliseconds. */
export interface LeaseTimings {
  /** The bucket TTL: how long the key lives after its last write. */
  readonly ttlMs: number;
  /** Wait between two renewals. */
  readonly renewMs: number;
}

/** Why a tenure ended. */
export type TenureEnd = 'stopped' | 'lost' | 'deadline' | 'released';

/*
 * The holder stops this long before the server could expire its key, so a
 * holder whose clock ran slow or whose process was paused stops itself
 * before another worker can start.
 */
function marginOf(ttlMs: number): number {
  return Math.min(1_000, ttlMs / 5);
}

/** How long a release waits for a renewal on its way (the server may be away). */
const RENEW_WAIT_ON_RELEASE_MS = 1_000;

/**
 * One held lease: renews it every `renewMs` with a revision-checked update
 * and ends itself at the local deadline (last renewal sent + TTL - margin)
 * or when a renewal finds someone else's revision. Time is the monotonic
 * clock, so wall-clock jumps change nothing.
 */
export class LeaseTenure implements Tenure {
  /** Aborted when the tenure ends. */
  readonly signal: AbortSignal;
  /** Lease key, holder and the revision it was acquired at. */
  readonly attributes: ConnectorAttributes;
  /** Why it ended; undefined while it lasts. */
  ended: TenureEnd | undefined;
  private readonly controller = new AbortController();
  private deadline: number;
  private renewTimer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  /** The renewal on its way, if any: release waits for it to know the revision. */
  private renewing: Promise<void> = Promise.resolve();
  private readonly onStop: () => void;
  private readonly stop: AbortSignal;

  constructor(
    private readonly store: LeaseStore,
    private readonly key: string,
    private readonly holder: string,
    private revision: number,
    acquireSentAt: number,
    private readonly timings: LeaseTimings,
    stop: AbortSignal,
    private readonly logger: Logger,
  ) {
    // `onStop` ends the tenure (aborting the controller) when the worker stops.
    this.signal = this.controller.signal;
    this.attributes = {
      [ATTR_LEASE_KEY]: key,
      [ATTR_LEASE_HOLDER]: holder,
      [ATTR_LEASE_REVISION]: revision,
    };
    this.deadline = acquireSentAt + timings.ttlMs - marginOf(timings.ttlMs);
    this.onStop = (): void => this.end('stopped');
    stop.addEventListener('abort', this.onStop, { once: true });
    this.stop = stop;
    this.armDeadline();
    this.scheduleRenew();
  }

  /** Whether the holder may still act now; ends the tenure once the deadline has passed. */
  admit(): boolean {
    if (this.ended !== undefined) return false;
    if (performance.now() < this.deadline) return true;
    this.end('deadline');
    return false;
  }

  /** Ends the tenure (if it still lasts) and deletes the key if it is still ours. Never throws. */
  async release(): Promise<void> {
    this.end('released');
    // A renewal already on its way raises the revision: delete with that one,
    // or the delete is refused and others wait for the TTL.
    await settlesWithin(this.renewing, RENEW_WAIT_ON_RELEASE_MS);
    try {
      await this.store.release(this.key, this.revision);
    } catch (error) {
      this.logger.warn(
        { err: error, lease: this.key },
        'lease release failed; it expires with its TTL',
      );
    }
  }

  private end(reason: TenureEnd): void {
    if (this.ended !== undefined) return;
    this.ended = reason;
    clearTimeout(this.renewTimer);
    clearTimeout(this.deadlineTimer);
    this.stop.removeEventListener('abort', this.onStop);
    if (reason === 'lost' || reason === 'deadline') {
      this.logger.warn({ lease: this.key, holder: this.holder, reason }, 'lease lost; tenure ends');
    }
    this.controller.abort();
  }

  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(
      () => this.admit(),
      Math.max(0, this.deadline - performance.now()),
    );
  }

  private scheduleRenew(): void {
    if (this.ended !== undefined) return;
    this.renewTimer = setTimeout(() => {
      this.renewing = this.renew();
    }, this.timings.renewMs);
  }

  private async renew(): Promise<void> {
    // A holder resumed after a pause checks its deadline before anything else.
    if (!this.admit()) return;
    const sentAt = performance.now();
    try {
      const next = await this.store.renew(this.key, { holder: this.holder }, this.revision);
      if (next !== undefined) this.revision = next;
      if (this.ended !== undefined) return;
      if (next === undefined) {
        this.end('lost');
        return;
      }
      this.deadline = sentAt + this.timings.ttlMs - marginOf(this.timings.ttlMs);
      this.armDeadline();
    } catch (error) {
      // Server away: keep trying; the local deadline ends the tenure in time.
      this.logger.warn({ err: error, lease: this.key }, 'lease renewal failed; retrying');
    }
    this.scheduleRenew();
  }
}
