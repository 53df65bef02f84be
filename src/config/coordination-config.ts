import { IsArray, IsString, Matches } from 'class-validator';
import { IsNatsUrl } from '../connectors/nats-url';
import { parseDuration } from './duration';
import { IsDuration } from './is-duration';
import type { ConfigRefinementIssue, RefinableConfig } from './validate-object';

/**
 * The worker config's `coordination:` block: sources that cannot be split
 * run on one worker at a time, holding a lease in a NATS KV bucket. Omitted:
 * every source runs on every worker, as without NATS.
 *
 * ```yaml
 * coordination:
 *   url: nats://127.0.0.1:4222
 *   bucket: flowgen_leases
 *   lease_ttl: 15s
 *   renew_interval: 5s
 * ```
 */
export class CoordinationConfig implements RefinableConfig {
  /** The NATS server with JetStream, `nats://host:port`. Required. */
  @IsNatsUrl()
  url!: string;

  /** The KV bucket of the leases (created with `lease_ttl` as its TTL). Default `flowgen_leases`. */
  @IsString({ message: 'must be a bucket name such as flowgen_leases' })
  @Matches(/^[A-Za-z0-9_-]+$/, {
    message: 'must be a bucket name of letters, digits, _ and - such as flowgen_leases',
  })
  bucket: string = 'flowgen_leases';

  /** How long a lease lives without renewal: a dead holder's source moves after it. Default `15s`. */
  @IsDuration()
  lease_ttl: string = '15s';

  /** How often the holder renews its lease; shorter than `lease_ttl`. Default `5s`. */
  @IsDuration()
  renew_interval: string = '5s';

  /**
   * Source types that split their work across workers by themselves and so
   * run on every worker without a lease. Default `nats_subscribe` (a shared
   * durable consumer) and `http_endpoint` (each worker serves its own port).
   */
  @IsArray({ message: 'must be a list of task types, e.g. [nats_subscribe]' })
  @IsString({ each: true, message: 'must be a list of task types, e.g. [nats_subscribe]' })
  unleased_types: string[] = ['nats_subscribe', 'http_endpoint'];

  /** `lease_ttl` in milliseconds. */
  get leaseTtlMs(): number {
    return parseDuration(this.lease_ttl);
  }

  /** `renew_interval` in milliseconds. */
  get renewIntervalMs(): number {
    return parseDuration(this.renew_interval);
  }

  /** The renewal must come well within the TTL, and the TTL must be long enough to renew at all. */
  refineConfig(): ConfigRefinementIssue[] {
    const issues: ConfigRefinementIssue[] = [];
    if (this.leaseTtlMs < 1000) {
      issues.push({
        path: ['lease_ttl'],
        value: this.lease_ttl,
        message: 'must be at least 1s: the KV server expires keys about once a second',
      });
    }
    if (this.renewIntervalMs >= this.leaseTtlMs) {
      issues.push({
        path: ['renew_interval'],
        value: this.renew_interval,
        message: `must be shorter than lease_ttl (${this.lease_ttl}), e.g. a third of it: the lease would expire between two renewals`,
      });
    }
    return issues;
  }
}
