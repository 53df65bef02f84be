import { IsOptional, IsString } from 'class-validator';
import { ConfigBlock } from '../config/config-block';
import { parseDuration } from '../config/duration';
import { IsDuration } from '../config/is-duration';
import type { ConfigRefinementIssue, RefinableConfig } from '../config/validate-object';
import { NatsStreamConfig } from './nats-stream-config';
import { IsNatsSubject } from './nats-subject';
import { IsNatsUrl } from './nats-url';

/**
 * Config of the `nats_publish` sink: each event is published to a JetStream
 * subject and its PubAck awaited.
 *
 * @example
 * ```yaml
 * - nats_publish:
 *     name: publish
 *     url: nats://127.0.0.1:4222
 *     subject: orders.created
 *     stream: { name: ORDERS, subjects: ["orders.>"], create: true }
 *     msg_id: "{{id}}"
 *     ack_timeout: 5s
 * ```
 */
export class NatsPublishConfig implements RefinableConfig {
  /** The NATS server, `nats://host:port`. Required. */
  @IsNatsUrl()
  url!: string;

  /** Subject each event is published to, without wildcards. Required. */
  @IsNatsSubject(false)
  subject!: string;

  /** The stream the subject belongs to; omitted: any stream that stores the subject. */
  @IsOptional()
  @ConfigBlock(() => NatsStreamConfig)
  stream?: NatsStreamConfig;

  /**
   * The message id JetStream deduplicates on, a template over `{{id}}`,
   * `{{data.x}}`, `{{metadata.k}}`. Default `{{id}}`: a retried event is
   * stored once.
   */
  @IsString({ message: 'must be a template string such as "{{id}}" or "{{data.order_id}}"' })
  msg_id: string = '{{id}}';

  /** Longest wait for the server's PubAck of one publish, as a duration. Default `5s`. */
  @IsDuration()
  ack_timeout: string = '5s';

  /** `ack_timeout` in milliseconds. */
  get ackTimeoutMs(): number {
    return parseDuration(this.ack_timeout);
  }

  /** Stream subjects must be subjects, and the published one must be among them. */
  refineConfig(): ConfigRefinementIssue[] {
    const bad = this.stream?.badSubjects() ?? [];
    return bad.map((value) => ({
      path: ['stream', 'subjects'],
      value,
      message: 'is not a NATS subject; use tokens like orders.created, orders.* or orders.>',
    }));
  }
}
