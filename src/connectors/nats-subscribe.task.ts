import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { Handler } from '../decorators/handler.decorator';
import { Task } from '../decorators/task.decorator';
import type { FlowEvent } from '../runtime/event';
import { DeadlineGate } from '../runtime/deadline-gate';
import { EventCompletion } from '../runtime/event-completion';
import { ShutdownDeadlineError } from '../runtime/shutdown-deadline-error';
import type { TaskContext, TaskLifecycle } from '../runtime/task-context';
import { WorkerStoppingError } from '../runtime/worker-stopping-error';
import { setSpanAttributes } from '../telemetry/task-spans';
import {
  ATTR_MESSAGING_BODY_SIZE,
  ATTR_MESSAGING_CONSUMER_GROUP,
  ATTR_MESSAGING_DESTINATION,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_NATS_DELIVERY_COUNT,
  ATTR_NATS_STREAM,
  ATTR_NATS_STREAM_SEQUENCE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from './nats-attributes';
import { NatsLink } from './nats-connection';
import { NatsStreamMissingError, NatsUndecodableError } from './nats-errors';
import type { InboundMessage } from './nats-inbound';
import { toInboundEvent } from './nats-inbound';
import { NatsSubscribeConfig } from './nats-subscribe-config';

const DELIVER_POLICIES = {
  all: DeliverPolicy.All,
  new: DeliverPolicy.New,
  last: DeliverPolicy.Last,
} as const;

/** Counts of one `nats_subscribe` run. */
export interface NatsSubscribeStats {
  /** Messages acked after every downstream task handled them. */
  acked: number;
  /** Messages handed back for redelivery after a failure (or refused while stopping). */
  naked: number;
  /** Messages still in work at the shutdown deadline, left unacked for redelivery. */
  abandoned: number;
  /** Messages terminated: they can never be handled. */
  terminated: number;
  /** Messages delivered more than once (redeliveries seen by this worker). */
  redelivered: number;
}

/**
 * `nats_subscribe` source: a JetStream durable pull consumer shared by every
 * worker that runs the flow, so the stream's messages split across workers.
 *
 * - Each message is one event: id the message id, data the body (JSON
 *   parsed when published as JSON), trace context from the headers, so the
 *   `task.handle` continues the publisher's trace (else starts a new one).
 * - Acked only once every downstream task has handled the event (through
 *   fan-out); after the in-process retries are spent it is nak'ed with
 *   `nak_delay` and the server redelivers it, up to `max_deliver` times; a
 *   body that cannot be decoded is terminated. While handlers run past half
 *   of `ack_wait` the server is told the message is still being worked on.
 * - At most `batch` messages are fetched and in flight per worker. On
 *   shutdown no new message is taken; in-flight ones finish and are acked
 *   within the shutdown deadline, the rest are left to the server, which
 *   redelivers them: none is lost.
 * - A server that goes away mid-run is reconnected to (counted in the log).
 *
 * Span attributes on `task.handle`: `messaging.system` (`nats`),
 * `messaging.operation.type` (`process`), `messaging.destination.name` (the
 * subject), `messaging.consumer.group.name` (the durable),
 * `messaging.message.id`, `messaging.message.body.size` (int),
 * `messaging.nats.stream`, `messaging.nats.stream.sequence` (int),
 * `messaging.nats.delivery_count` (int), `server.address`, `server.port` (int).
 *
 * @example
 * ```yaml
 * - nats_subscribe: { name: orders, url: "nats://127.0.0.1:4222", stream: ORDERS, subject: orders.created }
 * ```
 */
@Task({ type: 'nats_subscribe', config: NatsSubscribeConfig, source: true })
export class NatsSubscribeTask implements TaskLifecycle<NatsSubscribeConfig> {
  /** Counts so far. */
  readonly stats: NatsSubscribeStats = {
    acked: 0,
    naked: 0,
    abandoned: 0,
    terminated: 0,
    redelivered: 0,
  };
  private link: NatsLink | undefined;
  private closed = false;
  private consumer: Consumer | undefined;
  private readonly inbound = new WeakMap<FlowEvent, InboundMessage>();

  /** Connects and makes sure the stream and the durable consumer exist. */
  async init(ctx: TaskContext<NatsSubscribeConfig>): Promise<void> {
    const { config } = ctx;
    this.closed = false; // a new tenure of a leased task opens again
    this.link = await NatsLink.open(config.url, ctx.name, ctx.logger);
    // Closed while connecting (the shutdown deadline passed during init): a
    // connection made now would reconnect forever with nobody to close it.
    if (this.closed) {
      await this.link.close();
      this.link = undefined;
      throw new WorkerStoppingError(ctx.name);
    }
    const jsm = await jetstreamManager(this.link.nc);
    try {
      await jsm.streams.info(config.stream);
    } catch (error) {
      if (
        !(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)
      ) {
        throw error;
      }
      throw new NatsStreamMissingError(
        ctx.name,
        config.stream,
        'create it, or start the publishing flow first with `stream.create: true`',
      );
    }
    const durable = durableName(ctx);
    // Every worker adds the same consumer: the server keeps one and returns
    // it, so the first worker up creates it and the others join.
    await jsm.consumers.add(config.stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(config.ackWaitMs),
      max_deliver: config.max_deliver,
      max_ack_pending: config.max_ack_pending,
      deliver_policy: DELIVER_POLICIES[config.deliver_policy],
      ...(config.subject === undefined ? {} : { filter_subject: config.subject }),
    });
    this.consumer = await jetstream(this.link.nc).consumers.get(config.stream, durable);
    ctx.logger.info({ stream: config.stream, durable }, 'nats consumer ready');
  }

  /** Takes messages until the worker stops, at most `batch` in flight. */
  async run(ctx: TaskContext<NatsSubscribeConfig>): Promise<void> {
    const consumer = this.consumer;
    if (consumer === undefined || ctx.signal.aborted) return;
    const limit = ctx.config.batch;
    const messages: ConsumerMessages = await consumer.consume({ max_messages: limit });
    const stop = (): void => void messages.close();
    ctx.signal.addEventListener('abort', stop, { once: true });
    const inFlight = new Set<Promise<void>>();
    // One deadline listener for every message in flight.
    const deadline = new DeadlineGate(ctx.deadline, ctx.name);
    try {
      for await (const msg of messages) {
        const done: Promise<void> = this.process(msg, ctx, deadline).finally(() =>
          inFlight.delete(done),
        );
        inFlight.add(done);
        if (inFlight.size >= limit) await Promise.race(inFlight);
        if (ctx.signal.aborted) break;
      }
    } finally {
      ctx.signal.removeEventListener('abort', stop);
      stop();
      await Promise.allSettled(inFlight);
    }
  }

  /** Records the message's attributes and passes the event on. */
  @Handler()
  handle(event: FlowEvent, ctx: TaskContext<NatsSubscribeConfig>): FlowEvent {
    const inbound = this.inbound.get(event);
    if (inbound !== undefined) {
      setSpanAttributes({
        [ATTR_MESSAGING_SYSTEM]: 'nats',
        [ATTR_MESSAGING_OPERATION_TYPE]: 'process',
        [ATTR_MESSAGING_DESTINATION]: inbound.subject,
        [ATTR_MESSAGING_CONSUMER_GROUP]: inbound.consumer,
        [ATTR_MESSAGING_MESSAGE_ID]: inbound.msgId,
        [ATTR_MESSAGING_BODY_SIZE]: inbound.bodySize,
        [ATTR_NATS_STREAM]: inbound.stream,
        [ATTR_NATS_STREAM_SEQUENCE]: inbound.sequence,
        [ATTR_NATS_DELIVERY_COUNT]: inbound.deliveryCount,
        [ATTR_SERVER_ADDRESS]: this.link?.server.address,
        [ATTR_SERVER_PORT]: this.link?.server.port,
      });
    }
    ctx.logger.debug({ event_id: event.id }, 'nats message received');
    return event.withData(event.data);
  }

  /** Closes the connection; unacked messages stay with the server for redelivery. */
  async close(): Promise<void> {
    this.closed = true;
    await this.link?.close();
    this.link = undefined;
    this.consumer = undefined;
  }

  /** One message: push it, wait for the whole fan-out, then ack, nak or term. */
  private async process(
    msg: JsMsg,
    ctx: TaskContext<NatsSubscribeConfig>,
    deadline: DeadlineGate,
  ): Promise<void> {
    const { config, logger } = ctx;
    if (msg.info.deliveryCount > 1) this.stats.redelivered++;
    let event: FlowEvent;
    try {
      const decoded = toInboundEvent(msg);
      event = decoded.event;
      this.inbound.set(event, decoded.inbound);
    } catch (error) {
      msg.term();
      this.stats.terminated++;
      logger.error({ err: error, sequence: msg.seq }, 'nats message terminated');
      return;
    }
    const completion = EventCompletion.track(event);
    const working = setInterval(() => msg.working(), Math.max(500, config.ackWaitMs / 2));
    try {
      const handed = ctx.push(event).then(
        () => true,
        // Refused before any handler ran: leave it to another worker now.
        (error: unknown) => !(error instanceof WorkerStoppingError),
      );
      const result = await deadline
        .race(handed.then((taken) => (taken ? completion.settled : undefined)))
        .catch((error: unknown) => {
          if (error instanceof ShutdownDeadlineError) return undefined;
          throw error;
        });
      if (result === undefined) {
        // Still in work at the shutdown deadline: left unacked, the server
        // redelivers it after ack_wait. (A nak now would go back to this
        // worker's own pending pull request and wait out ack_wait anyway.)
        if (deadline.passed) {
          this.stats.abandoned++;
          logger.warn(
            { sequence: msg.seq, ack_wait_ms: config.ackWaitMs },
            'nats message left for redelivery at the shutdown deadline',
          );
        } else {
          // Refused before any handler ran (the worker is stopping).
          msg.nak();
          this.stats.naked++;
        }
      } else if (result.ok) {
        msg.ack();
        this.stats.acked++;
      } else if (isFinal(result.error, msg, config.max_deliver)) {
        msg.term();
        this.stats.terminated++;
        logger.error(
          { err: result.error, sequence: msg.seq, deliveries: msg.info.deliveryCount },
          'nats message terminated: it can never be handled or has no delivery left',
        );
      } else {
        msg.nak(config.nakDelayMs);
        this.stats.naked++;
        logger.warn(
          {
            sequence: msg.seq,
            deliveries: msg.info.deliveryCount,
            nak_delay_ms: config.nakDelayMs,
          },
          'nats message handed back for redelivery',
        );
      }
    } finally {
      clearInterval(working);
    }
  }
}

/** The durable consumer name: the configured one, else `<flow>_<task>`. */
export function durableName(ctx: TaskContext<NatsSubscribeConfig>): string {
  if (ctx.config.durable !== undefined) return ctx.config.durable;
  const raw = ctx.flow === undefined ? ctx.name : `${ctx.flow}_${ctx.name}`;
  return raw.replace(/[^A-Za-z0-9_-]/g, '_');
}

/* No redelivery can help: the body is broken, or this was the last delivery. */
function isFinal(error: unknown, msg: JsMsg, maxDeliver: number): boolean {
  if (error instanceof NatsUndecodableError) return true;
  return maxDeliver !== -1 && msg.info.deliveryCount >= maxDeliver;
}
