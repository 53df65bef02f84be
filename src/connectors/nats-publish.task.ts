import { WorkerStoppingError } from '../runtime/worker-stopping-error';
import type { JetStreamClient } from '@nats-io/jetstream';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { Handler } from '../decorators/handler.decorator';
import { Task } from '../decorators/task.decorator';
import type { FlowEvent } from '../runtime/event';
import type { TaskContext, TaskLifecycle } from '../runtime/task-context';
import { activeContext } from '../telemetry/context-manager';
import { setSpanAttributes } from '../telemetry/task-spans';
import { renderTemplate } from './body-template';
import {
  ATTR_MESSAGING_BODY_SIZE,
  ATTR_MESSAGING_DESTINATION,
  ATTR_MESSAGING_MESSAGE_ID,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_NATS_DUPLICATE,
  ATTR_NATS_STREAM,
  ATTR_NATS_STREAM_SEQUENCE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  HEADER_CONTENT_TYPE,
  JSON_CONTENT_TYPE,
} from './nats-attributes';
import { NatsLink } from './nats-connection';
import { injectTraceHeaders } from './nats-headers';
import { NatsPublishConfig } from './nats-publish-config';
import { ensureStream } from './nats-stream';

/** What `nats_publish` adds to the event it passes on. */
export interface NatsPublishedMetadata {
  /** The stream that stored the message. */
  'nats.stream': string;
  /** Its stream sequence, as text. */
  'nats.sequence': string;
  /** `true` when the stream already had the message id. */
  'nats.duplicate': string;
}

/**
 * `nats_publish` sink: publishes each event to a JetStream subject and waits
 * for the server's PubAck, so an event counts as handled only once it is
 * stored. A missing PubAck (timeout, server away) throws and the runtime
 * retries under the task's retry policy; the message id (default the event
 * id) makes the stream keep one copy however often it is retried.
 *
 * - Body: a string as UTF-8, bytes as they are, any other value as JSON
 *   (with `Content-Type: application/json`, so `nats_subscribe` parses it).
 * - The `task.handle` span's W3C `traceparent` / `tracestate` go in the
 *   headers: a `nats_subscribe` on any worker continues the trace.
 * - `stream:` is checked at start: a missing stream stops the task before any
 *   event unless `create: true`.
 * - The event is passed on with metadata `nats.stream`, `nats.sequence`,
 *   `nats.duplicate`.
 *
 * Span attributes on `task.handle`: `messaging.system` (`nats`),
 * `messaging.operation.type` (`send`), `messaging.destination.name`,
 * `messaging.message.id`, `messaging.message.body.size` (int),
 * `server.address`, `server.port` (int), `messaging.nats.stream`,
 * `messaging.nats.stream.sequence` (int), `messaging.nats.duplicate` (bool).
 *
 * @example
 * ```yaml
 * - nats_publish: { name: publish, url: "nats://127.0.0.1:4222", subject: orders.created }
 * ```
 */
@Task({ type: 'nats_publish', config: NatsPublishConfig })
export class NatsPublishTask implements TaskLifecycle<NatsPublishConfig> {
  private link: NatsLink | undefined;
  private closed = false;
  private js: JetStreamClient | undefined;

  /** Connects, and checks (or creates) the configured stream. */
  async init(ctx: TaskContext<NatsPublishConfig>): Promise<void> {
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
    if (config.stream !== undefined) {
      const stream = config.stream;
      await ensureStream(
        await jetstreamManager(this.link.nc),
        ctx.name,
        { name: stream.name, subjects: stream.subjects ?? [config.subject], create: stream.create },
        'create it (e.g. `nats stream add`) or set `stream.create: true`',
      );
    }
    this.js = jetstream(this.link.nc);
  }

  /** Publishes one event and resolves once the stream has stored it. */
  @Handler()
  async handle(event: FlowEvent, ctx: TaskContext<NatsPublishConfig>): Promise<FlowEvent> {
    const { config } = ctx;
    const link = this.link;
    const js = this.js;
    if (link === undefined || js === undefined) {
      throw new TypeError(`nats_publish task "${ctx.name}" got an event before init connected it`);
    }
    const { bytes, json } = encodeBody(event.data);
    const msgID = renderTemplate(config.msg_id, {
      id: event.id,
      data: event.data,
      metadata: event.metadata,
    });
    setSpanAttributes({
      [ATTR_MESSAGING_SYSTEM]: 'nats',
      [ATTR_MESSAGING_OPERATION_TYPE]: 'send',
      [ATTR_MESSAGING_DESTINATION]: config.subject,
      [ATTR_MESSAGING_MESSAGE_ID]: msgID,
      [ATTR_MESSAGING_BODY_SIZE]: bytes.byteLength,
      [ATTR_SERVER_ADDRESS]: link.server.address,
      [ATTR_SERVER_PORT]: link.server.port,
    });
    const headers = natsHeaders();
    if (json) headers.set(HEADER_CONTENT_TYPE, JSON_CONTENT_TYPE);
    injectTraceHeaders(activeContext(), headers);
    const ack = await js.publish(config.subject, bytes, {
      msgID,
      headers,
      timeout: config.ackTimeoutMs,
      ...(config.stream === undefined ? {} : { expect: { streamName: config.stream.name } }),
    });
    setSpanAttributes({
      [ATTR_NATS_STREAM]: ack.stream,
      [ATTR_NATS_STREAM_SEQUENCE]: ack.seq,
      [ATTR_NATS_DUPLICATE]: ack.duplicate,
    });
    const published: NatsPublishedMetadata = {
      'nats.stream': ack.stream,
      'nats.sequence': String(ack.seq),
      'nats.duplicate': String(ack.duplicate),
    };
    return event.withData(event.data, { metadata: { ...event.metadata, ...published } });
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    await this.link?.close();
    this.link = undefined;
    this.js = undefined;
  }
}

/** The message body for an event's data, and whether it is JSON. */
function encodeBody(data: unknown): { bytes: Uint8Array; json: boolean } {
  if (typeof data === 'string') return { bytes: Buffer.from(data, 'utf8'), json: false };
  if (data instanceof Uint8Array) return { bytes: data, json: false };
  return { bytes: Buffer.from(JSON.stringify(data ?? null), 'utf8'), json: true };
}
