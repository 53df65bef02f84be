import { IsIn, IsInt, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';
import { parseDuration } from '../config/duration';
import { IsDuration } from '../config/is-duration';
import type { ConfigRefinementIssue, RefinableConfig } from '../config/validate-object';
import { IsNatsSubject } from './nats-subject';
import { IsNatsUrl } from './nats-url';

/** Where a new durable consumer starts in its stream. */
export const NATS_DELIVER_POLICIES = ['all', 'new', 'last'] as const;

/** One of {@link NATS_DELIVER_POLICIES}. */
export type NatsDeliverPolicy = (typeof NATS_DELIVER_POLICIES)[number];

/** Upper bound of `batch`: messages in flight per worker. */
export const MAX_NATS_BATCH = 1024;

const NAME = /^[A-Za-z0-9_-]+$/;

/**
 * Config of the `nats_subscribe` source: a JetStream durable pull consumer
 * that every worker running the flow shares, so the stream's messages split
 * across them.
 *
 * @example
 * ```yaml
 * - nats_subscribe:
 *     name: orders
 *     url: nats://127.0.0.1:4222
 *     stream: ORDERS
 *     subject: orders.created
 *     ack_wait: 30s
 *     max_deliver: 5
 *     nak_delay: 1s
 *     batch: 16
 * ```
 */
export class NatsSubscribeConfig implements RefinableConfig {
  /** The NATS server, `nats://host:port`. Required. */
  @IsNatsUrl()
  url!: string;

  /** The stream to consume; it must exist when the task starts. Required. */
  @IsString({ message: 'must be a stream name such as ORDERS' })
  @Matches(NAME, { message: 'must be a stream name of letters, digits, _ and - such as ORDERS' })
  stream!: string;

  /** Only messages on this subject (wildcards allowed); omitted: every subject of the stream. */
  @ValidateIf((o: NatsSubscribeConfig) => o.subject !== undefined)
  @IsNatsSubject(true)
  subject?: string;

  /** The durable consumer's name, shared by every worker; default `<flow>_<task>`. */
  @ValidateIf((o: NatsSubscribeConfig) => o.durable !== undefined)
  @IsString({ message: 'must be a consumer name such as orders_worker' })
  @Matches(NAME, { message: 'must be a consumer name of letters, digits, _ and -' })
  durable?: string;

  /** How long the server waits for an ack before redelivering, as a duration. Default `30s`. */
  @IsDuration()
  ack_wait: string = '30s';

  /** Deliveries of one message before the server gives up on it; -1 for no limit. Default 5. */
  @ValidateIf((o: NatsSubscribeConfig) => o.max_deliver !== -1)
  @Min(1, { message: 'must be a whole number of at least 1, or -1 for no limit' })
  @IsInt({ message: 'must be a whole number of at least 1, or -1 for no limit' })
  max_deliver: number = 5;

  /** Redelivery delay asked for (nak) after an event failed its in-process retries. Default `1s`. */
  @IsDuration()
  nak_delay: string = '1s';

  /** Messages delivered and not yet acked, over all workers. Default 1000. */
  @Min(1, { message: 'must be a whole number of at least 1' })
  @IsInt({ message: 'must be a whole number of at least 1' })
  max_ack_pending: number = 1000;

  /** Messages one worker fetches and handles at once. Default 16. */
  @Max(MAX_NATS_BATCH, { message: `must be a whole number from 1 to ${MAX_NATS_BATCH}` })
  @Min(1, { message: `must be a whole number from 1 to ${MAX_NATS_BATCH}` })
  @IsInt({ message: `must be a whole number from 1 to ${MAX_NATS_BATCH}` })
  batch: number = 16;

  /** Where a new consumer starts: `all`, `new` or `last`. Default `all`. */
  @IsIn(NATS_DELIVER_POLICIES, { message: `must be one of ${NATS_DELIVER_POLICIES.join(', ')}` })
  deliver_policy: NatsDeliverPolicy = 'all';

  /** `ack_wait` in milliseconds. */
  get ackWaitMs(): number {
    return parseDuration(this.ack_wait);
  }

  /** `nak_delay` in milliseconds. */
  get nakDelayMs(): number {
    return parseDuration(this.nak_delay);
  }

  /** A worker must be able to hold a whole batch unacked, and ack_wait must leave time to work. */
  refineConfig(): ConfigRefinementIssue[] {
    const issues: ConfigRefinementIssue[] = [];
    if (this.max_ack_pending < this.batch) {
      issues.push({
        path: ['max_ack_pending'],
        value: this.max_ack_pending,
        message: `must be at least batch (${this.batch}): the server would never hand a worker a whole batch`,
      });
    }
    if (this.ackWaitMs < 1000) {
      issues.push({
        path: ['ack_wait'],
        value: this.ack_wait,
        message:
          'must be at least 1s: a shorter wait redelivers messages that are still being handled',
      });
    }
    return issues;
  }
}
