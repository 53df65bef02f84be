import type { KV } from '@nats-io/kv';
import { Kvm, KvWatchInclude } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { LeaseBucketError } from './coordination-error';

/** What a lease's value says. */
export interface LeaseValue {
  /** Who holds it. */
  readonly holder: string;
}

/**
 * The leases' KV bucket: create-if-absent to acquire, revision-checked
 * update to renew, revision-checked delete to release. The bucket's TTL is
 * the lease TTL, so a holder that stops renewing loses its key (NATS 2.9
 * ignores per-key TTLs; bucket TTL works, but its expiry sends watchers no
 * event: waiters also poll).
 */
export class LeaseStore {
  private constructor(private readonly kv: KV) {}

  /**
   * Opens `bucket`, creating it with `ttlMs` when missing.
   *
   * @throws LeaseBucketError when it exists with another TTL.
   */
  static async open(nc: NatsConnection, bucket: string, ttlMs: number): Promise<LeaseStore> {
    const kvm = new Kvm(nc);
    let kv: KV;
    try {
      kv = await kvm.create(bucket, { ttl: ttlMs, history: 1 });
    } catch (error) {
      throw new LeaseBucketError(
        bucket,
        `cannot be created or opened (${error instanceof Error ? error.message : String(error)}); if it exists with other settings, delete it or name another bucket`,
        error,
      );
    }
    const status = await kv.status();
    if (status.ttl !== ttlMs) {
      throw new LeaseBucketError(
        bucket,
        `exists with a TTL of ${status.ttl} ms but lease_ttl is ${ttlMs} ms; use the same lease_ttl on every worker, or another bucket`,
      );
    }
    return new LeaseStore(kv);
  }

  /** Takes the lease when nobody holds it: its revision, or undefined when held. */
  async acquire(key: string, value: LeaseValue): Promise<number | undefined> {
    try {
      return await this.kv.create(key, JSON.stringify(value));
    } catch (error) {
      if (isWrongLastSequence(error)) return undefined;
      throw error;
    }
  }

  /** Renews a lease held at `revision`: the new revision, or undefined when someone else holds it now. */
  async renew(key: string, value: LeaseValue, revision: number): Promise<number | undefined> {
    try {
      return await this.kv.update(key, JSON.stringify(value), revision);
    } catch (error) {
      if (isWrongLastSequence(error)) return undefined;
      throw error;
    }
  }

  /** Gives the lease up, only if it is still ours at `revision`. */
  async release(key: string, revision: number): Promise<void> {
    try {
      await this.kv.delete(key, { previousSeq: revision });
    } catch (error) {
      if (!isWrongLastSequence(error)) throw error;
    }
  }

  /**
   * Calls `onFree` each time the key is deleted or purged (a holder
   * released it). Resolves a stop function.
   */
  async watchReleases(key: string, onFree: () => void): Promise<() => void> {
    const watch = await this.kv.watch({ key, include: KvWatchInclude.UpdatesOnly });
    void (async () => {
      try {
        for await (const entry of watch) if (entry.operation !== 'PUT') onFree();
      } catch {
        // the watch ends with the connection; waiters still poll
      }
    })();
    return () => watch.stop();
  }
}

/* The server refused a write whose expected revision was not the key's last one. */
function isWrongLastSequence(error: unknown): boolean {
  return error instanceof Error && /wrong last sequence|key exists/i.test(error.message);
}
