import { IsArray, IsBoolean, IsString, Matches, ValidateIf } from 'class-validator';
import { isNatsSubject } from './nats-subject';

/**
 * The `stream:` block of `nats_publish`: the JetStream stream the subject is
 * stored in, checked (or created) when the task starts.
 *
 * @example
 * ```yaml
 * stream: { name: ORDERS, subjects: ["orders.>"], create: true }
 * ```
 */
export class NatsStreamConfig {
  /** Stream name: letters, digits, `_` and `-`. Required. */
  @IsString({ message: 'must be a stream name such as ORDERS' })
  @Matches(/^[A-Za-z0-9_-]+$/, {
    message: 'must be a stream name of letters, digits, _ and - such as ORDERS',
  })
  name!: string;

  /** Subjects the stream stores when it is created; default: the task's `subject`. */
  @ValidateIf((o: NatsStreamConfig) => o.subjects !== undefined)
  @IsArray({ message: 'must be a list of subjects, e.g. ["orders.>"]' })
  @IsString({ each: true, message: 'must be a list of subjects, e.g. ["orders.>"]' })
  subjects?: string[];

  /** Create the stream when it does not exist. Default false: a missing stream stops the task at start. */
  @IsBoolean({ message: 'must be true or false' })
  create: boolean = false;

  /** Subjects that are not NATS subjects, for the config's cross-field check. */
  badSubjects(): string[] {
    return (this.subjects ?? []).filter((s) => !isNatsSubject(s, true));
  }
}
